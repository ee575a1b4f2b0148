"""The outbox: every message is stored with the change that causes it, and delivered later."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from plenary.db import UTCDateTime, utcnow
from plenary.extensions import db
from plenary.personal import NOT_PERSONAL, PERSONAL


class OutboxStatus(StrEnum):
    """Delivery state of a message."""

    PENDING = "pending"  # waiting for (another) attempt
    SENT = "sent"
    FAILED = "failed"  # given up: permanent error or too many attempts


class OutboxMessage(db.Model):
    """One e-mail to one recipient, rendered in the recipient's language."""

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True, info=NOT_PERSONAL)
    kind: Mapped[str] = mapped_column(sa.String(40), info=NOT_PERSONAL)
    registration_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="SET NULL"), index=True, info=NOT_PERSONAL,
    )
    # A message the organizers wrote to many attendees (see Broadcast); None for the app's own mails.
    broadcast_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("broadcast.id", ondelete="SET NULL"), index=True, info=NOT_PERSONAL
    )
    recipient: Mapped[str | None] = mapped_column(sa.String(254), info=PERSONAL)
    # Where answers go: the organizers for registrants, the registrant for the organizers' notice.
    reply_to: Mapped[str | None] = mapped_column(sa.String(254), info=PERSONAL)
    language: Mapped[str] = mapped_column(sa.String(2), info=NOT_PERSONAL)
    subject: Mapped[str] = mapped_column(sa.String(300), info=PERSONAL)
    # Bodies hold the placeholder PERSONAL_LINK instead of the registrant's secret link,
    # which is derived at delivery (so the database never holds working links).
    body_text: Mapped[str] = mapped_column(sa.Text, info=PERSONAL)
    body_html: Mapped[str] = mapped_column(sa.Text, info=PERSONAL)
    # An iMIP invitation: its METHOD (REQUEST, CANCEL) and the iCalendar text, sent as
    # text/calendar alternative and as invite.ics attachment.
    calendar_method: Mapped[str | None] = mapped_column(sa.String(16), info=NOT_PERSONAL)
    calendar_ics: Mapped[str | None] = mapped_column(sa.Text, info=PERSONAL)
    status: Mapped[str] = mapped_column(sa.String(16), default=OutboxStatus.PENDING, index=True, info=NOT_PERSONAL)
    attempts: Mapped[int] = mapped_column(default=0, info=NOT_PERSONAL)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True, info=NOT_PERSONAL)
    # A worker that claimed the message owns it until then (no double delivery).
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, info=NOT_PERSONAL)
    last_error: Mapped[str | None] = mapped_column(sa.String(1000), info=PERSONAL)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, info=NOT_PERSONAL)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=NOT_PERSONAL)

    __table_args__ = (sa.CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status_known"),)


class Broadcast(db.Model):
    """A message the organizers send to a filtered set of a plenary's registrations, in three languages.

    Each recipient gets one OutboxMessage in their language (falling back to the others).
    """

    __tablename__ = "broadcast"

    id: Mapped[int] = mapped_column(primary_key=True, info=NOT_PERSONAL)
    plenary_id: Mapped[int] = mapped_column(
        sa.ForeignKey("plenary.id", ondelete="CASCADE"), index=True, info=NOT_PERSONAL
    )
    # {"de": ..., "en": ..., "zh": ...}
    subject: Mapped[dict] = mapped_column(sa.JSON, default=dict, info=NOT_PERSONAL)
    body: Mapped[dict] = mapped_column(sa.JSON, default=dict, info=NOT_PERSONAL)
    # The registration filters it was sent to (the list's query arguments).
    filters: Mapped[dict] = mapped_column(sa.JSON, default=dict, info=NOT_PERSONAL)
    created_by: Mapped[str | None] = mapped_column(sa.String(254), info=PERSONAL)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, info=NOT_PERSONAL)
    recipient_count: Mapped[int] = mapped_column(default=0, info=NOT_PERSONAL)
