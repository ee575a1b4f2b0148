"""The outbox: every message is stored with the change that causes it, and delivered later."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from plenary.db import UTCDateTime, utcnow
from plenary.extensions import db


class OutboxStatus(StrEnum):
    """Delivery state of a message."""

    PENDING = "pending"  # waiting for (another) attempt
    SENT = "sent"
    FAILED = "failed"  # given up: permanent error or too many attempts


class OutboxMessage(db.Model):
    """One e-mail to one recipient, rendered in the recipient's language."""

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    registration_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="SET NULL"), index=True
    )
    # A message the organizers wrote to many attendees (see Broadcast); None for the app's own mails.
    broadcast_id: Mapped[int | None] = mapped_column(sa.ForeignKey("broadcast.id", ondelete="SET NULL"), index=True)
    recipient: Mapped[str | None] = mapped_column(sa.String(254))
    # Where answers go: the organizers for registrants, the registrant for the organizers' notice.
    reply_to: Mapped[str | None] = mapped_column(sa.String(254))
    language: Mapped[str] = mapped_column(sa.String(2))
    subject: Mapped[str] = mapped_column(sa.String(300))
    # Bodies hold the placeholder PERSONAL_LINK instead of the registrant's secret link,
    # which is derived at delivery (so the database never holds working links).
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text)
    # An iMIP invitation: its METHOD (REQUEST, CANCEL) and the iCalendar text, sent as
    # text/calendar alternative and as invite.ics attachment.
    calendar_method: Mapped[str | None] = mapped_column(sa.String(16))
    calendar_ics: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(16), default=OutboxStatus.PENDING, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # A worker that claimed the message owns it until then (no double delivery).
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (sa.CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status_known"),)


class Broadcast(db.Model):
    """A message the organizers send to a filtered set of a plenary's registrations, in three languages.

    Each recipient gets one OutboxMessage in their language (falling back to the others).
    """

    __tablename__ = "broadcast"

    id: Mapped[int] = mapped_column(primary_key=True)
    plenary_id: Mapped[int] = mapped_column(sa.ForeignKey("plenary.id", ondelete="CASCADE"), index=True)
    # {"de": ..., "en": ..., "zh": ...}
    subject: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    body: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # The registration filters it was sent to (the list's query arguments).
    filters: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_by: Mapped[str | None] = mapped_column(sa.String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recipient_count: Mapped[int] = mapped_column(default=0)
