"""Delivering the outbox: claim, send, record; what happens after a failure is ``plenary.mail.retry``'s.

A message is claimed by an atomic UPDATE (pending, due, not leased by another worker),
so two workers never send the same message. A round sends its messages over one SMTP
connection (``plenary.mail.smtp.SMTPSession``); with no MAIL_SERVER configured each message is
written as an .eml file under the instance folder. Logs name message ids and kinds, never
recipients or contents (personal data).

Exactly once, as far as it can be: one message is claimed at a time, sent, and recorded as sent
in its own transaction right after the server accepted it, before the next is claimed. A worker
killed at any moment leaves at most that one message in an unknown state: if the server had
taken it (the kill, or a lost reply, fell between the end of DATA and the record), it goes out a
second time after the lease, with the same Message-ID (``<outbox-ID@host>``). The claim
(OUTBOX_LEASE_SECONDS) outlasts the message's SMTP exchange, which ends within four fifths of the
lease and at most MAIL_TIMEOUT after the claim (``smtp_budget``), so no live worker's message is
taken over. A server that stalls costs one timeout: that message is retried later and the round
ends, the rest stays due for the next one.
"""

import logging
import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from plenary.db import utcnow
from plenary.extensions import db
from plenary.mail.compose import Outgoing, build_message
from plenary.mail.deferred import rendered_texts
from plenary.mail.files import forget_mail_files, write_mail_file
from plenary.mail.models import OutboxMessage, OutboxStatus
from plenary.mail.personal import forgotten_once_sent
from plenary.mail.retry import PermanentDeliveryError, backoff, describe, permanent_refusal, verdict
from plenary.mail.smtp import SMTPSession, SMTPTimeout, mail_timeout

log = logging.getLogger(__name__)

@dataclass
class DeliveryReport:
    """What one delivery run did."""

    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    #: The server timed out (stalled or too slow): the round stopped, the rest stays due.
    stalled: bool = False
    #: SMTP connections the round opened (one, unless one broke).
    connections: int = 0


def due_message_ids(now: datetime | None = None, limit: int = 100) -> list[int]:
    """Ids of pending messages whose next attempt is due, oldest first."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            sa.select(OutboxMessage.id)
            .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
    )


def deliver_due(
    now: datetime | None = None, limit: int = 100, keep_going: Callable[[], bool] | None = None
) -> DeliveryReport:
    """Try every due message once (see ``deliver``)."""
    ids = due_message_ids(now, limit)
    db.session.commit()
    return deliver(ids, now, keep_going)


def deliver(
    ids: list[int], now: datetime | None = None, keep_going: Callable[[], bool] | None = None
) -> DeliveryReport:
    """Claim and send the given messages one by one over one connection (those another worker holds, or not
    due, are skipped).

    Stops early, leaving the rest due, when the server times out (``report.stalled``) or
    ``keep_going()`` turns false (the worker is asked to stop).
    """
    report = DeliveryReport()
    with SMTPSession() as session:
        for message_id in ids:
            if keep_going is not None and not keep_going():
                break
            if not _attempt(message_id, now, session, report):
                break
    report.connections = session.connections
    return report


def _attempt(message_id: int, now: datetime | None, session: SMTPSession, report: DeliveryReport) -> bool:
    """Claim, send and record one message; False when the round should stop (the server stalled)."""
    lease_start = time.monotonic()
    if not _claim(message_id, now or utcnow()):
        return True
    lease_end = lease_start + lease_seconds()
    message = db.session.get(OutboxMessage, message_id)
    kind, attempts = message.kind, message.attempts
    try:
        if not message.written:
            message = _write(message, lease_end)
        outgoing = _prepare(message)  # may build an attached PDF: the SMTP budget starts after it, within the lease
        deadline = min(time.monotonic() + smtp_budget(), lease_start + lease_seconds() * 0.8)
        _send(outgoing, message_id, kind, session, deadline=deadline)
    except Exception as exc:  # SMTP answers, the network, anything unexpected: retry.verdict decides
        if not isinstance(exc, smtplib.SMTPException | OSError | PermanentDeliveryError):
            # A bug or broken data (a template, a renderer): the traceback is what finds it.
            log.exception("message %s (%s): unexpected error while writing or sending it", message_id, kind)
        _failed_attempt(message_id, kind, attempts, exc, report)
        if isinstance(exc, SMTPTimeout):
            # A stalled server would cost every further message a timeout too: leave them due.
            report.stalled = True
            return False
        return True
    # Recorded at once, in its own transaction: a crash from here on repeats only this message.
    _record(message_id, status=OutboxStatus.SENT, sent_at=utcnow(), locked_until=None, last_error=None,
            retry_until=lease_end)  # fmt: skip
    report.sent.append(message_id)
    log.info("message %s (%s) sent", message_id, kind)
    if forgotten_once_sent(kind):  # the address was kept only to send this one message
        _record(message_id, recipient=None, reply_to=None, calendar_ics=None, retry_until=lease_end)
        forget_mail_files([message_id])
    return True


def _failed_attempt(message_id: int, kind: str, attempts: int, exc: Exception, report: DeliveryReport) -> None:
    """Record a failed attempt: given up with its FinalReason, or pending again after the backoff."""
    error = describe(exc)
    reason = verdict(exc, attempts)
    if reason is not None:
        _record(message_id, status=OutboxStatus.FAILED, final_reason=reason, locked_until=None,
                last_error=error[:1000])  # fmt: skip
        report.failed.append(message_id)
        log.error("message %s (%s) failed for good after %s attempts (%s): %s", message_id, kind, attempts,
                  reason.value, error[:1000])  # fmt: skip
        return
    _record(message_id, status=OutboxStatus.PENDING, next_attempt_at=utcnow() + backoff(attempts),
            locked_until=None, last_error=error)  # fmt: skip
    report.retrying.append(message_id)
    log.warning("message %s (%s): attempt %s failed, retrying: %s", message_id, kind, attempts, error)


def lease_seconds() -> float:
    """OUTBOX_LEASE_SECONDS: how long a claim on a message lasts."""
    return float(current_app.config["OUTBOX_LEASE_SECONDS"])


def smtp_budget() -> float:
    """Seconds one message's SMTP exchange may take: MAIL_TIMEOUT, but always well within the lease.

    The last fifth of the lease is left for recording the outcome, so that no other worker
    claims a message while this one may still be sending it.
    """
    return min(mail_timeout(), lease_seconds() * 0.8)


def _claim(message_id: int, now: datetime) -> bool:
    """Take the message for this worker, atomically; False if it is not ours to send."""
    lease = timedelta(seconds=lease_seconds())
    table = OutboxMessage.__table__
    result = db.session.execute(
        sa.update(table)
        .where(
            table.c.id == message_id,
            table.c.status == OutboxStatus.PENDING,
            table.c.next_attempt_at <= now,
            sa.or_(table.c.locked_until.is_(None), table.c.locked_until < now),
        )
        .values(locked_until=now + lease, attempts=table.c.attempts + 1)
    )
    db.session.commit()
    return result.rowcount == 1


def _write(message: OutboxMessage, lease_end: float) -> OutboxMessage:
    """Render a message the request only described (``plenary.mail.deferred``) and record its texts first.

    Rendering reads; the texts are then written by a transaction of their own that writes before it reads
    (``_record``, see ``_prepare``), so every later attempt sends exactly these texts.
    """
    try:
        values = rendered_texts(message)
    finally:
        db.session.rollback()
    _record(message.id, retry_until=lease_end, **values)
    return db.session.get(OutboxMessage, message.id)


def _prepare(message: OutboxMessage) -> Outgoing:
    """Build the message, then end the reading transaction before anything is sent.

    The outcome is recorded by a transaction that writes before it reads (``_record``): on
    SQLite a transaction that has read and then writes fails ("database is locked") when
    another worker committed in between, which would leave a message that went out claimed,
    to be sent again when the lease ends. (It also keeps no transaction open during SMTP.)
    """
    try:
        return build_message(message)
    finally:
        db.session.rollback()


def _record(message_id: int, retry_until: float | None = None, **values) -> None:
    """Write the outcome of an attempt in one UPDATE and commit.

    With ``retry_until`` (time.monotonic()), a database error (SQLite busy, a dropped
    connection) is retried until then: a sent message that stays unrecorded goes out again.
    """
    table = OutboxMessage.__table__
    pause = 0.05
    while True:
        try:
            db.session.execute(sa.update(table).where(table.c.id == message_id).values(**values))
            db.session.commit()
            return
        except sa.exc.DBAPIError:
            db.session.rollback()
            if retry_until is None or time.monotonic() + pause >= retry_until:
                log.error("message %s: could not record %s; it will be tried again after its lease",
                          message_id, values.get("status"))  # fmt: skip
                raise
            log.warning("message %s: recording %s failed, trying again", message_id, values.get("status"))
            time.sleep(pause)  # a real pause between database attempts (the lease bounds them), not a test's clock
            pause = min(pause * 2, 1.0)


def _send(outgoing: Outgoing, message_id: int, kind: str, session: SMTPSession, deadline: float) -> None:
    """Send one message on the round's connection (its exchange ending by ``deadline``), or write it to a file."""
    if not current_app.config.get("MAIL_SERVER"):
        path = write_mail_file(outgoing.email, message_id, kind)
        log.info("message %s (%s) written to %s", message_id, kind, path)
        return
    try:
        session.send(outgoing.email, outgoing.envelope.sender, outgoing.envelope.recipient, deadline)
    except smtplib.SMTPException as exc:
        refusal = permanent_refusal(exc)
        if refusal is not None:
            raise refusal from exc
        raise
