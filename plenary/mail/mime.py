"""MIME for calendar invitations, as CalConnect's iMIP best practice describes it.

multipart/mixed
  multipart/alternative
    text/plain; charset=utf-8
    text/html; charset=utf-8
    text/calendar; charset=UTF-8; method=REQUEST   (base64: it carries Chinese text)
  text/calendar; method=REQUEST; name=invite.ics   (attachment, the same calendar)

Flask-Mail's own calendar alternative has no ``method=`` parameter, which Outlook needs to
treat the message as an invitation; this subclass builds the tree with the standard library
and keeps Flask-Mail for the SMTP conversation (and ``as_bytes`` for the file backend).
"""

from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formataddr, formatdate

from flask_mail import Message


class CalendarMessage(Message):
    """A Flask-Mail message whose MIME tree carries an iTIP calendar."""

    def __init__(self, *args, calendar_method: str, calendar_ics: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.calendar_method = calendar_method
        self.calendar_ics = calendar_ics

    def _message(self) -> EmailMessage:
        message = EmailMessage(policy=SMTP)
        message["Subject"] = self.subject
        message["From"] = self.sender if isinstance(self.sender, str) else formataddr(self.sender)
        message["To"] = ", ".join(self.recipients)
        if self.reply_to:
            message["Reply-To"] = self.reply_to
        message["Date"] = formatdate(self.date, localtime=True)
        message["Message-ID"] = self.msgId
        for name, value in (self.extra_headers or {}).items():
            message[name] = value
        message.set_content(self.body, subtype="plain", charset="utf-8")
        message.add_alternative(self.html, subtype="html", charset="utf-8")
        params = {"method": self.calendar_method}
        message.add_alternative(self.calendar_ics, subtype="calendar", charset="UTF-8", cte="base64", params=params)
        message.make_mixed()
        message.add_attachment(
            self.calendar_ics.encode("utf-8"), maintype="text", subtype="calendar", filename="invite.ics",
            params={**params, "charset": "UTF-8"},
        )  # fmt: skip
        return message
