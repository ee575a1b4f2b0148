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

Without a calendar the tree is just the multipart/alternative (text, related HTML).

Flask-Mail's own calendar alternative has no ``method=`` parameter, which Outlook needs to
treat the message as an invitation, and it cannot build multipart/related; this subclass
builds the tree with the standard library and keeps Flask-Mail for the SMTP conversation
(and ``as_bytes`` for the file backend).

Subject, From and Reply-To are encoded and folded by ``plenary.mail.headers`` (the email
package's folder loses spaces in long non-ASCII headers).
"""

from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate

from flask_mail import Message

from plenary.mail.headers import address_header, one_line, text_header


@dataclass(frozen=True)
class InlineImage:
    """An image the HTML part shows by ``cid:<content_id>``."""

    content_id: str  # without angle brackets, e.g. "checkin-qr.42@plenary.example.org"
    data: bytes
    subtype: str = "png"
    filename: str = "image.png"


class PlenaryMessage(Message):
    """A Flask-Mail message whose MIME tree may carry an iTIP calendar and inline images for the HTML."""

    def __init__(self, *args, calendar_method: str | None = None, calendar_ics: str | None = None,
                 inline_images: list[InlineImage] | tuple = (), **kwargs):  # fmt: skip
        super().__init__(*args, **kwargs)
        self.subject = one_line(self.subject or "")
        self.calendar_method = calendar_method
        self.calendar_ics = calendar_ics
        self.inline_images = list(inline_images)

    def _message(self) -> EmailMessage:
        message = EmailMessage(policy=SMTP)
        message["Subject"] = text_header("Subject", self.subject)
        message["From"] = address_header("From", self.sender)
        message["To"] = ", ".join(self.recipients)
        if self.reply_to:
            message["Reply-To"] = address_header("Reply-To", self.reply_to)
        message["Date"] = formatdate(self.date, localtime=True)
        message["Message-ID"] = self.msgId
        for name, value in (self.extra_headers or {}).items():
            message[name] = value
        message.set_content(self.body, subtype="plain", charset="utf-8")
        message.add_alternative(self.html, subtype="html", charset="utf-8")
        if self.inline_images:
            html = message.get_payload()[1]
            for image in self.inline_images:
                # add_related turns the text/html part into multipart/related [text/html, image …].
                html.add_related(image.data, maintype="image", subtype=image.subtype, cid=f"<{image.content_id}>",
                                 disposition="inline", filename=image.filename)  # fmt: skip
        if self.calendar_ics:
            params = {"method": self.calendar_method}
            message.add_alternative(self.calendar_ics, subtype="calendar", charset="UTF-8", cte="base64",
                                    params=params)  # fmt: skip
            message.make_mixed()
            # The copy to open or save is application/ics (CalConnect's iMIP practice): clients that would
            # act on a second text/calendar part (two invitations in one mail) leave it alone.
            message.add_attachment(self.calendar_ics.encode("utf-8"), maintype="application", subtype="ics",
                                   filename="invite.ics")  # fmt: skip
        return message


class CalendarMessage(PlenaryMessage):
    """A Flask-Mail message whose MIME tree carries an iTIP calendar (and possibly inline images)."""

    def __init__(self, *args, calendar_method: str, calendar_ics: str, **kwargs):
        super().__init__(*args, calendar_method=calendar_method, calendar_ics=calendar_ics, **kwargs)
