"""An outbox row made a MIME message at delivery: placeholders filled in by the installed personaliser."""

import re
from base64 import b64encode
from dataclasses import dataclass
from email.message import EmailMessage

from flask import current_app

from plenary.mail.attachments import attachment
from plenary.mail.mime import Envelope, InlineImage, build_email
from plenary.mail.models import FinalReason, OutboxMessage
from plenary.mail.outbox import (
    CHECKIN_CID,
    CHECKIN_CODE_PLACEHOLDER,
    CHECKIN_END,
    CHECKIN_START,
    JOIN_TOKEN_PLACEHOLDER,
    TOKEN_PLACEHOLDER,
    fold_calendar,
    unfold_calendar,
)
from plenary.mail.personal import PersonalValues, personal_values
from plenary.mail.retry import PermanentDeliveryError


@dataclass(frozen=True)
class Outgoing:
    """A message ready to go: the MIME message and its envelope."""

    email: EmailMessage
    envelope: Envelope


def mail_host() -> str:
    """The host name of PUBLIC_URL (for Message-IDs and Content-IDs)."""
    return current_app.config["PUBLIC_URL"].split("://", 1)[-1].split("/", 1)[0].split(":")[0]


def sender_name(language: str | None) -> str | None:
    """The From display name for a message in ``language`` (MAIL_SENDER_NAMES); None keeps MAIL_DEFAULT_SENDER's."""
    names = current_app.config.get("MAIL_SENDER_NAMES") or {}
    name = names.get(language) if isinstance(names, dict) else None
    return (name.strip() or None) if isinstance(name, str) else None


def build_message(message: OutboxMessage) -> Outgoing:
    """The MIME message for an outbox row (PermanentDeliveryError if it cannot go out)."""
    if not message.recipient:
        raise PermanentDeliveryError("no recipient (erased)", FinalReason.UNDELIVERABLE)
    files = []
    if message.attachment_ref:
        file = attachment(message.attachment_ref)
        if file is None:  # withdrawn since it was written: a letter that no longer holds never goes out
            raise PermanentDeliveryError("the attached document was withdrawn or can no longer be made",
                                         FinalReason.UNDELIVERABLE)  # fmt: skip
        files.append(file)
    host = mail_host()
    ics = unfold_calendar(message.calendar_ics) if message.calendar_ics else None
    wants_token = any(mark in body for mark in (TOKEN_PLACEHOLDER, JOIN_TOKEN_PLACEHOLDER)
                      for body in (message.body_text, message.body_html)) or (
        ics is not None and any(JOIN_TOKEN_PLACEHOLDER in line for line in ics))  # fmt: skip
    wants_checkin = CHECKIN_START in message.body_text or CHECKIN_START in message.body_html
    values = personal_values(message.registration_id, wants_checkin) if wants_token or wants_checkin else None
    text, html, images = with_checkin(message.body_text, message.body_html, message.id, values, host)
    envelope = Envelope(
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
        sender_name=sender_name(message.language),
        recipient=message.recipient,
        reply_to=message.reply_to,
        # Stable per outbox row: a message delivered twice is recognisably the same message.
        message_id=f"<outbox-{message.id}@{host}>",
        headers=(("Auto-Submitted", "auto-generated"),),
    )
    email = build_email(envelope, message.subject, personalise(text, values), personalise(html, values),
                        message.calendar_method, personalise_calendar(ics, values), images, files)  # fmt: skip
    return Outgoing(email, envelope)


def personalise(text: str, values: PersonalValues | None) -> str:
    """Put the registrant's current personal and join tokens where their placeholders stand."""
    for placeholder, field in ((TOKEN_PLACEHOLDER, "token"), (JOIN_TOKEN_PLACEHOLDER, "join_token")):
        if placeholder not in text:
            continue
        value = getattr(values, field) if values is not None else None
        if value is None:
            raise PermanentDeliveryError("the registration behind this message no longer exists",
                                         FinalReason.UNDELIVERABLE)  # fmt: skip
        text = text.replace(placeholder, value)
    return text


def personalise_calendar(lines: list[str] | None, values: PersonalValues | None) -> str | None:
    """The stored calendar text (unfolded ``lines``) with the recipient's join token put in, folded again.

    Only the join placeholder is filled in a calendar (``seal_calendar`` stored it where the join link stands);
    the personal page's token never goes into one.
    """
    if lines is None:
        return None
    if not any(JOIN_TOKEN_PLACEHOLDER in line for line in lines):
        return fold_calendar(lines)
    if values is None or values.join_token is None:
        raise PermanentDeliveryError("the registration behind this message no longer exists",
                                     FinalReason.UNDELIVERABLE)  # fmt: skip
    return fold_calendar([line.replace(JOIN_TOKEN_PLACEHOLDER, values.join_token) for line in lines])


def with_checkin(text: str, html: str, message_id: int, values: PersonalValues | None,
                 host: str) -> tuple[str, str, list[InlineImage]]:  # fmt: skip
    """Fill in or drop the check-in block of a stored message (see ``plenary.mail.outbox.CHECKIN_START``).

    The block stays, with the code in the text and the QR code as inline PNG in the HTML, while the
    personaliser gives a code (the registration is confirmed and attends in person); otherwise (cancelled
    since, switched to online, erased) it is removed, so a late delivery never carries a code that no
    longer admits.
    """
    if CHECKIN_START not in text and CHECKIN_START not in html:
        return text, html, []
    if values is None or values.checkin_code is None:
        return re.sub(r"\n{3,}", "\n\n", _drop_blocks(text)), _drop_blocks(html), []
    code = values.checkin_code
    content_id = f"{CHECKIN_CID}.{message_id}@{host}"
    text = text.replace(CHECKIN_START, "").replace(CHECKIN_END, "").replace(CHECKIN_CODE_PLACEHOLDER, code)
    html = (
        html.replace(CHECKIN_START, "").replace(CHECKIN_END, "").replace(CHECKIN_CODE_PLACEHOLDER, code)
        .replace(f"cid:{CHECKIN_CID}", f"cid:{content_id}")
    )  # fmt: skip
    if f"cid:{content_id}" not in html or values.checkin_png is None:
        return text, html, []
    return text, html, [InlineImage(content_id=content_id, data=values.checkin_png, filename="check-in.png")]


def _drop_blocks(body: str) -> str:
    """``body`` without its check-in blocks (markers and what stands between them)."""
    while CHECKIN_START in body:
        start = body.index(CHECKIN_START)
        end = body.find(CHECKIN_END, start)
        body = body[:start] + (body[end + len(CHECKIN_END):] if end >= 0 else "")
    return body


def preview_checkin(text: str, html: str, code: str, png: bytes) -> tuple[str, str]:
    """A rendered message for a back-office preview: its check-in block as the reader sees it, with a sample
    ``code`` and the QR image ``png`` inline as a data: URI (the preview's CSP allows data: images), no markers."""
    values = PersonalValues(token=None, checkin_code=code, checkin_png=png)
    text, html, images = with_checkin(text, html, 0, values, "preview.invalid")
    for image in images:
        html = html.replace(f"cid:{image.content_id}", "data:image/png;base64," + b64encode(image.data).decode())
    return text, html
