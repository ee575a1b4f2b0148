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
    FAILED = "failed"  # given up: see FinalReason


class FinalReason(StrEnum):
    """Why a failed message is not tried again by itself (``plenary.mail.retry`` decides which may be by hand)."""

    ERASED = "erased"  # the person's data was erased before it went out: never sent again
    SUPERSEDED = "superseded"  # a newer calendar invitation replaced it: never sent again
    UNDELIVERABLE = "undeliverable"  # no recipient, or the person it was written for is gone: never sent again
    REFUSED = "refused"  # the server refused it for good (5xx), or it cannot be encoded for the server
    EXHAUSTED = "exhausted"  # OUTBOX_MAX_ATTEMPTS temporary failures in a row


def _values(enum: type[StrEnum]) -> list[str]:
    """Store an enum's values ("pending"), not its member names ("PENDING")."""
    return [member.value for member in enum]


class OutboxMessage(db.Model):
    """One e-mail to one recipient, rendered in the recipient's language."""

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True, info=NOT_PERSONAL)
    kind: Mapped[str] = mapped_column(sa.String(40), info=NOT_PERSONAL)
    registration_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="SET NULL"), index=True, info=NOT_PERSONAL,
    )
    # A message the organizers wrote to many attendees (see plenary.broadcasts); None for the app's own mails.
    broadcast_id: Mapped[int | None] = mapped_column(sa.ForeignKey("broadcast.id", ondelete="SET NULL"), index=True,
        info=NOT_PERSONAL)
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
    # A message the worker writes (``plenary.mail.deferred``): the installed renderer's name and its arguments
    # (ids and plain values, JSON) until the first delivery attempt renders the texts above and clears it.
    render_context: Mapped[str | None] = mapped_column(sa.Text, info=PERSONAL)
    # A file attached when the message is sent, by reference (``plenary.mail.attachments``): "document:42".
    attachment_ref: Mapped[str | None] = mapped_column(sa.String(100), info=NOT_PERSONAL)
    status: Mapped[OutboxStatus] = mapped_column(
        sa.Enum(OutboxStatus, native_enum=False, create_constraint=True, length=16, name="status_known",
                values_callable=_values),
        default=OutboxStatus.PENDING, info=NOT_PERSONAL,
    )  # fmt: skip
    # Set exactly when the status is failed: why no worker tries it again.
    final_reason: Mapped[FinalReason | None] = mapped_column(
        sa.Enum(FinalReason, native_enum=False, create_constraint=True, length=16, name="final_reason_known",
                values_callable=_values), info=NOT_PERSONAL,
    )  # fmt: skip
    attempts: Mapped[int] = mapped_column(default=0, info=NOT_PERSONAL)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True, info=NOT_PERSONAL)
    # A worker that claimed the message owns it until then (no double delivery).
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, info=NOT_PERSONAL)
    # What the server or the network said last (for people; decisions read status and final_reason).
    last_error: Mapped[str | None] = mapped_column(sa.String(1000), info=PERSONAL)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, info=NOT_PERSONAL)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=NOT_PERSONAL)
    # When the contents and addresses of a sent message were deleted (OUTBOX_PRUNE_AFTER_DAYS after sending).
    pruned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=NOT_PERSONAL)

    @property
    def written(self) -> bool:
        """Whether the texts are there (False: the worker writes them when it first tries to send the message)."""
        return self.render_context is None

    __table_args__ = (
        # The due query (plenary.mail.delivery.due_message_ids): pending and due, oldest first.
        sa.Index("ix_outbox_message_due", "status", "next_attempt_at"),
        # A broadcast reaches each registration once, however often its rendering runs.
        sa.UniqueConstraint("broadcast_id", "registration_id", name="uq_outbox_message_broadcast_recipient"),
    )
