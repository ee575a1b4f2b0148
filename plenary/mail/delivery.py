"""Delivering the outbox: claim, send, record; retry temporary failures with backoff.

A message is claimed by an atomic UPDATE (pending, due, not leased by another worker),
so two workers never send the same message. SMTP goes through Flask-Mail; with no
MAIL_SERVER configured each message is written as an .eml file under the instance folder.
Logs name message ids and kinds, never recipients or contents (personal data).

Exactly once, as far as it can be: one message is claimed at a time, sent on a connection of
its own, and recorded as sent in its own transaction right after the server accepted it. A
worker killed at any moment leaves at most that one message in an unknown state: if the server
had taken it (the kill, or a lost reply, fell between the end of DATA and the record), it goes
out a second time after the lease, with the same Message-ID (``<outbox-ID@host>``). The claim
(OUTBOX_LEASE_SECONDS) outlasts the SMTP exchange, which ends within four fifths of the lease
and at most MAIL_TIMEOUT (``plenary.mail.smtp``), so no live worker's message is taken over.
A server that stalls costs one timeout: that message is retried later and the round ends, the
rest stays due for the next one.
"""

import logging
import os
import re
import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_mail import Message

from plenary.db import utcnow
from plenary.extensions import db
from plenary.mail.mime import InlineImage, PlenaryMessage
from plenary.mail.models import OutboxMessage, OutboxStatus
from plenary.mail.outbox import (
    CHECKIN_CID,
    CHECKIN_CODE_PLACEHOLDER,
    CHECKIN_END,
    CHECKIN_START,
    TOKEN_PLACEHOLDER,
    mark_queued,
)
from plenary.mail.smtp import SMTPTimeout, mail_timeout, send_message

log = logging.getLogger(__name__)


class PermanentDeliveryError(Exception):
    """The server refused the message for good (5xx): retrying will not help."""


@dataclass
class DeliveryReport:
    """What one delivery run did."""

    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    #: The server timed out (stalled or too slow): the round stopped, the rest stays due.
    stalled: bool = False


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt: 1, 2, 4 … minutes, at most 6 hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


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
    """Claim and send the given messages one by one (those another worker holds, or not due, are skipped).

    Stops early, leaving the rest due, when the server times out (``report.stalled``) or
    ``keep_going()`` turns false (the worker is asked to stop).
    """
    report = DeliveryReport()
    for message_id in ids:
        if keep_going is not None and not keep_going():
            break
        lease_start = time.monotonic()
        if not _claim(message_id, now or utcnow()):
            continue
        lease_end = lease_start + lease_seconds()
        message = db.session.get(OutboxMessage, message_id)
        kind, attempts = message.kind, message.attempts
        try:
            email = _prepare(message)
            _send(email, message_id, kind, deadline=lease_start + smtp_budget())
        except (PermanentDeliveryError, UnicodeEncodeError) as exc:
            _failed(message_id, kind, attempts, _describe(exc))
            report.failed.append(message_id)
        except Exception as exc:  # SMTP answers, the network, anything unexpected: try again later
            error = _describe(exc)
            # The server being unreachable is no reason to give up on a message, however long it
            # lasts; only answers from a server (4xx again and again) or our own errors count.
            # (smtplib's errors are OSErrors too; those carry a server's answer.)
            unreachable = isinstance(exc, smtplib.SMTPServerDisconnected) or (
                isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException)
            )
            if not unreachable and attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
                _failed(message_id, kind, attempts, error)
                report.failed.append(message_id)
            else:
                _record(message_id, status=OutboxStatus.PENDING, next_attempt_at=utcnow() + backoff(attempts),
                        locked_until=None, last_error=error)  # fmt: skip
                report.retrying.append(message_id)
                log.warning("message %s (%s): attempt %s failed, retrying: %s", message_id, kind, attempts, error)
            if isinstance(exc, SMTPTimeout):
                # A stalled server would cost every further message a timeout too: leave them due.
                report.stalled = True
                break
        else:
            # Recorded at once, in its own transaction: a crash from here on repeats only this message.
            _record(message_id, status=OutboxStatus.SENT, sent_at=utcnow(), locked_until=None, last_error=None,
                    retry_until=lease_end)  # fmt: skip
            report.sent.append(message_id)
            log.info("message %s (%s) sent", message_id, kind)
            if kind in FORGET_ONCE_SENT:  # the address was kept only to send this one message
                _record(message_id, recipient=None, reply_to=None, calendar_ics=None, retry_until=lease_end)
                forget_mail_files([message_id])
    return report


#: Messages to a person whose data was erased (their calendar's CANCEL): the address goes once they are out.
FORGET_ONCE_SENT = frozenset({"registration_erased"})


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


def _prepare(message: OutboxMessage) -> Message:
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
            time.sleep(pause)
            pause = min(pause * 2, 1.0)


def _failed(message_id: int, kind: str, attempts: int, error: str) -> None:
    _record(message_id, status=OutboxStatus.FAILED, locked_until=None, last_error=error[:1000])
    log.error("message %s (%s) failed for good after %s attempts: %s", message_id, kind, attempts, error[:1000])


def _describe(exc: Exception) -> str:
    """An error description without the recipient's address."""
    if isinstance(exc, UnicodeEncodeError):
        return "UnicodeEncodeError: the address or a header cannot be sent by this server"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{type(exc).__name__} {exc.smtp_code}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _ in exc.recipients.values()})
        return f"SMTPRecipientsRefused {codes}"
    return f"{type(exc).__name__}: {exc}"[:300]


def personalise(text: str, message: OutboxMessage) -> str:
    """Put the registrant's current personal token where the placeholder stands."""
    if TOKEN_PLACEHOLDER not in text:
        return text
    from plenary.registration.models import Registration
    from plenary.registration.tokens import token_for

    registration = db.session.get(Registration, message.registration_id) if message.registration_id else None
    if registration is None or registration.token_hash is None:
        raise PermanentDeliveryError("the registration behind this message no longer exists")
    return text.replace(TOKEN_PLACEHOLDER, token_for(registration))


def with_checkin(text: str, html: str, message: OutboxMessage, host: str) -> tuple[str, str, list[InlineImage]]:
    """Fill in or drop the check-in block of a stored message (see ``plenary.mail.outbox.CHECKIN_START``).

    The block stays, with the code in the text and the QR code as inline PNG in the HTML, while
    the registration is confirmed and attends in person; otherwise (cancelled since, switched to
    online, erased) it is removed, so a late delivery never carries a code that no longer admits.
    """
    if CHECKIN_START not in text and CHECKIN_START not in html:
        return text, html, []
    from plenary.checkin.services import checkin_code, qr_png_for_code, wants_checkin_qr
    from plenary.registration.models import Registration

    registration = db.session.get(Registration, message.registration_id) if message.registration_id else None
    if not wants_checkin_qr(registration):
        return re.sub(r"\n{3,}", "\n\n", _drop_blocks(text)), _drop_blocks(html), []
    code = checkin_code(registration)
    content_id = f"{CHECKIN_CID}.{message.id}@{host}"
    text = text.replace(CHECKIN_START, "").replace(CHECKIN_END, "").replace(CHECKIN_CODE_PLACEHOLDER, code)
    html = (
        html.replace(CHECKIN_START, "").replace(CHECKIN_END, "").replace(CHECKIN_CODE_PLACEHOLDER, code)
        .replace(f"cid:{CHECKIN_CID}", f"cid:{content_id}")
    )  # fmt: skip
    image = InlineImage(content_id=content_id, data=qr_png_for_code(code), filename="check-in.png")
    return text, html, [image] if f"cid:{content_id}" in html else []


def _drop_blocks(body: str) -> str:
    """``body`` without its check-in blocks (markers and what stands between them)."""
    while CHECKIN_START in body:
        start = body.index(CHECKIN_START)
        end = body.find(CHECKIN_END, start)
        body = body[:start] + (body[end + len(CHECKIN_END):] if end >= 0 else "")
    return body


def build_message(message: OutboxMessage) -> Message:
    """The Flask-Mail message for an outbox row."""
    if not message.recipient:
        raise PermanentDeliveryError("no recipient (erased)")
    host = current_app.config["PUBLIC_URL"].split("://", 1)[-1].split("/", 1)[0].split(":")[0]
    text, html, images = with_checkin(message.body_text, message.body_html, message, host)
    fields = dict(
        subject=message.subject,
        recipients=[message.recipient],
        body=personalise(text, message),
        html=personalise(html, message),
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
        charset="utf-8",
        extra_headers={"Auto-Submitted": "auto-generated"},
        reply_to=message.reply_to,
    )
    # Always our MIME tree (also without calendar or images): its headers keep every space (plenary.mail.mime).
    email = PlenaryMessage(**fields, calendar_method=message.calendar_method, calendar_ics=message.calendar_ics,
                           inline_images=images)  # fmt: skip
    # Stable per outbox row: a message delivered twice is recognisably the same message.
    email.msgId = f"<outbox-{message.id}@{host}>"
    return email


def _send(email: Message, message_id: int, kind: str, deadline: float | None = None) -> None:
    """Send one message by SMTP (the exchange ending by ``deadline``), or write it to a file without a server."""
    if not current_app.config.get("MAIL_SERVER"):
        directory = current_app.config["MAIL_FILE_DIR"]
        os.makedirs(directory, exist_ok=True)
        path = os.path.join(directory, f"{message_id:06d}-{kind}.eml")
        with open(path, "wb") as fh:
            fh.write(email.as_bytes())
        log.info("message %s (%s) written to %s", message_id, kind, path)
        return
    try:
        send_message(email, deadline)
    except smtplib.SMTPRecipientsRefused as exc:
        if all(code >= 500 for code, _ in exc.recipients.values()):
            raise PermanentDeliveryError(_describe(exc)) from exc
        raise
    except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
        if exc.smtp_code >= 500:
            raise PermanentDeliveryError(_describe(exc)) from exc
        raise


def forget_mail_files(message_ids: list[int]) -> None:
    """Delete the .eml copies the file backend wrote for these messages (erasure, purge)."""
    directory = current_app.config["MAIL_FILE_DIR"]
    if not message_ids or not os.path.isdir(directory):
        return
    wanted = set(message_ids)
    for name in os.listdir(directory):
        number = name.split("-", 1)[0]
        if name.endswith(".eml") and number.isdecimal() and int(number) in wanted:
            os.remove(os.path.join(directory, name))


#: Failures that a retry must never undo: the person's data was erased, or a newer invitation
#: replaced the message (sending it now would put an old calendar state after a newer one).
FINAL_ERRORS = ("erased", "superseded by a newer invitation")


def retryable():
    """The condition on OutboxMessage for failed messages that may be sent again."""
    newer = sa.orm.aliased(OutboxMessage)
    return sa.and_(
        OutboxMessage.status == OutboxStatus.FAILED,
        OutboxMessage.recipient.is_not(None),
        sa.or_(OutboxMessage.last_error.is_(None), OutboxMessage.last_error.not_in(FINAL_ERRORS)),
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
    message. Erased and superseded messages are never resurrected. The messages are also handed to
    the after-commit delivery of the current request (``mark_queued``).
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
        message.attempts = 0
        message.next_attempt_at = now
        message.locked_until = None
    db.session.flush()
    mark_queued(messages)
    return [message.id for message in messages]
