"""Where a mail's retry is decided: after a failed attempt (wait, or give up and why) and by hand.

A failed attempt is retried after ``backoff`` unless ``verdict`` gives a FinalReason: the server
refused the message for good, it cannot be built, or it failed OUTBOX_MAX_ATTEMPTS times while the
server answered (an unreachable server is never a reason to give up). Erasure and a newer invitation
end a pending message too (``plenary.registration``: FinalReason.ERASED, SUPERSEDED). By hand
(``flask outbox retry``, the admin's Outbox page, a broadcast's page) only failed messages whose
reason allows it go back in the queue (``retryable``): never erased, superseded or undeliverable ones.
"""

import smtplib
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from plenary.audit.services import record
from plenary.db import utcnow
from plenary.extensions import db
from plenary.mail.models import FinalReason, OutboxMessage, OutboxStatus
from plenary.mail.outbox import mark_queued

#: Failures that a retry must never undo: the person's data was erased, a newer invitation replaced the
#: message (sending it now would put an old calendar state after a newer one), or it cannot be built.
NEVER_AGAIN = frozenset({FinalReason.ERASED, FinalReason.SUPERSEDED, FinalReason.UNDELIVERABLE})


class PermanentDeliveryError(Exception):
    """Retrying will not help: the server refused the message for good (5xx), or it cannot be built."""

    def __init__(self, description: str, reason: FinalReason = FinalReason.REFUSED) -> None:
        super().__init__(description)
        self.reason = reason


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt: 1, 2, 4 … minutes, at most 6 hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def verdict(exc: Exception, attempts: int) -> FinalReason | None:
    """Why the message that failed with ``exc`` (its ``attempts``-th attempt) is given up; None: try again later."""
    if isinstance(exc, PermanentDeliveryError):
        return exc.reason
    if isinstance(exc, UnicodeEncodeError):
        return FinalReason.REFUSED
    # The server being unreachable is no reason to give up on a message, however long it lasts; only
    # answers from a server (4xx again and again) or our own errors count. (smtplib's errors are
    # OSErrors too; those carry a server's answer.)
    unreachable = isinstance(exc, smtplib.SMTPServerDisconnected) or (
        isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException)
    )
    if not unreachable and attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
        return FinalReason.EXHAUSTED
    return None


def describe(exc: Exception) -> str:
    """An error description without the recipient's address."""
    if isinstance(exc, UnicodeEncodeError):
        return "UnicodeEncodeError: the address or a header cannot be sent by this server"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{type(exc).__name__} {exc.smtp_code}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _ in exc.recipients.values()})
        return f"SMTPRecipientsRefused {codes}"
    return f"{type(exc).__name__}: {exc}"[:300]


def permanent_refusal(exc: smtplib.SMTPException) -> PermanentDeliveryError | None:
    """The PermanentDeliveryError for a server's answer that refuses for good (5xx), else None."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        if all(code >= 500 for code, _ in exc.recipients.values()):
            return PermanentDeliveryError(describe(exc))
    elif isinstance(exc, smtplib.SMTPDataError | smtplib.SMTPSenderRefused) and exc.smtp_code >= 500:
        return PermanentDeliveryError(describe(exc))
    return None


def retryable():
    """The condition on OutboxMessage for failed messages that may be sent again by hand."""
    newer = sa.orm.aliased(OutboxMessage)
    return sa.and_(
        OutboxMessage.status == OutboxStatus.FAILED,
        OutboxMessage.recipient.is_not(None),
        sa.or_(OutboxMessage.final_reason.is_(None), OutboxMessage.final_reason.not_in(NEVER_AGAIN)),
        # An invitation that a newer one replaced (an update, a cancellation) would bring back an old state.
        sa.or_(
            OutboxMessage.calendar_method.is_(None),
            ~sa.exists().where(newer.registration_id == OutboxMessage.registration_id,
                               newer.calendar_method.is_not(None), newer.id > OutboxMessage.id),
        ),  # fmt: skip
    )


def retry_failed(message_ids: list[int] | None = None, broadcast_id: int | None = None) -> list[int]:
    """Put failed messages back in the queue (pending, attempts 0, due now); return their ids. Flushes.

    ``message_ids``: only these; ``broadcast_id``: only that broadcast's; neither: every failed
    message. Erased, superseded and undeliverable messages are never resurrected. The messages are
    also handed to the after-commit delivery of the current request (``mark_queued``).
    """
    query = sa.select(OutboxMessage).where(retryable())
    if message_ids is not None:
        query = query.where(OutboxMessage.id.in_(message_ids))
    if broadcast_id is not None:
        query = query.where(OutboxMessage.broadcast_id == broadcast_id)
    messages = list(db.session.scalars(query.order_by(OutboxMessage.id)))
    now = utcnow()
    for message in messages:
        message.status = OutboxStatus.PENDING
        message.final_reason = None
        message.attempts = 0
        message.next_attempt_at = now
        message.locked_until = None
    db.session.flush()
    mark_queued(messages)
    return [message.id for message in messages]


def retry_by_hand(message_ids: list[int] | None = None) -> list[int]:
    """An admin's retry (the Outbox page, ``flask outbox retry``): ``retry_failed`` and its audit entry.

    One message by id is logged on that message; several, or every failed one, as one entry on the outbox.
    """
    ids = retry_failed(message_ids)
    if len(ids) == 1 and message_ids is not None and len(message_ids) == 1:
        message = db.session.get(OutboxMessage, ids[0])
        record("outbox.retry", message, object_type="outbox_message", summary=f"{message.kind} #{message.id}",
               changes={"status": [OutboxStatus.FAILED.value, OutboxStatus.PENDING.value]})  # fmt: skip
    elif ids:
        record("outbox.retry", None, object_type="outbox", summary=f"{len(ids)} failed messages",
               changes={"messages": [None, ids]})  # fmt: skip
    return ids
