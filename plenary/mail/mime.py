"""MIME for calendar invitations (as CalConnect's iMIP best practice describes it) and inline images.

With a calendar and an inline image (the check-in QR code of a confirmation):

multipart/mixed
  multipart/alternative
    text/plain; charset=utf-8
    multipart/related                               (only with inline images)
      text/html; charset=utf-8
      image/png; Content-ID: <checkin-qr.…@host>    (inline)
    text/calendar; charset=UTF-8; method=REQUEST    (base64: it carries Chinese text)
  application/ics; name=invite.ics                  (attachment, the same calendar)
  application/pdf; name=….pdf                       (attachments: a letter, a certificate)

Without a calendar or attachments the tree is just the multipart/alternative (text, related HTML); with
attachments only, multipart/mixed holds the alternative and the files.

The tree is built with the standard library's email package (Flask-Mail's calendar alternative has
no ``method=`` parameter, which Outlook needs to treat the message as an invitation, and it cannot
build multipart/related; ``plenary.mail.smtp`` sends the result).

Subject, From and Reply-To are encoded and folded by ``plenary.mail.headers`` (the email
package's folder loses spaces in long non-ASCII headers).
"""

from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, parseaddr

from plenary.mail.attachments import Attachment
from plenary.mail.headers import address_header, one_line, text_header


@dataclass(frozen=True)
class InlineImage:
    """An image the HTML part shows by ``cid:<content_id>``."""

    content_id: str  # without angle brackets, e.g. "checkin-qr.42@plenary.example.org"
    data: bytes
    subtype: str = "png"
    filename: str = "image.png"


@dataclass(frozen=True)
class Envelope:
    """Who a message is from and to, and how it is known (``message_id`` with angle brackets)."""

    sender: str
    recipient: str
    message_id: str
    reply_to: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    #: The From display name to show instead of the one in ``sender`` (the message's language's; None: sender's).
    sender_name: str | None = None


def build_email(envelope: Envelope, subject: str, text: str, html: str, calendar_method: str | None = None,
                calendar_ics: str | None = None, inline_images: list[InlineImage] | tuple = (),
                attachments: list[Attachment] | tuple = ()) -> EmailMessage:  # fmt: skip
    """The MIME message (see the module's docstring for its tree), dated now."""
    message = EmailMessage(policy=SMTP)
    message["Subject"] = text_header("Subject", one_line(subject or ""))
    sender = (envelope.sender_name, parseaddr(envelope.sender)[1]) if envelope.sender_name else envelope.sender
    message["From"] = address_header("From", sender)
    message["To"] = envelope.recipient
    if envelope.reply_to:
        message["Reply-To"] = address_header("Reply-To", envelope.reply_to)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = envelope.message_id
    for name, value in envelope.headers:
        message[name] = value
    message.set_content(text, subtype="plain", charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    if inline_images:
        html_part = message.get_payload()[1]
        for image in inline_images:
            # add_related turns the text/html part into multipart/related [text/html, image …].
            html_part.add_related(image.data, maintype="image", subtype=image.subtype, cid=f"<{image.content_id}>",
                                  disposition="inline", filename=image.filename)  # fmt: skip
    if calendar_ics:
        message.add_alternative(calendar_ics, subtype="calendar", charset="UTF-8", cte="base64",
                                params={"method": calendar_method})  # fmt: skip
        message.make_mixed()
        # The copy to open or save is application/ics (CalConnect's iMIP practice): clients that would
        # act on a second text/calendar part (two invitations in one mail) leave it alone.
        message.add_attachment(calendar_ics.encode("utf-8"), maintype="application", subtype="ics",
                               filename="invite.ics")  # fmt: skip
    for file in attachments:
        message.add_attachment(file.data, maintype=file.maintype, subtype=file.subtype, filename=file.filename)
    return message
