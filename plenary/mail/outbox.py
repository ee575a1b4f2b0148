"""Writing messages: rendered in the recipient's language, stored in the outbox, sent later.

``queue_message`` adds a row to the current transaction, so a message exists exactly when
the change that causes it is committed. Delivery (``plenary.mail.delivery``) is separate.
"""

from flask import g, has_app_context, render_template
from flask_babel import force_locale
from markupsafe import Markup
from sqlalchemy import inspect

from plenary.extensions import db
from plenary.i18n import BABEL_LOCALES, HTML_LANG, localize, localize_any
from plenary.mail.models import OutboxMessage
from plenary.urls import public_url

#: Stands in for the registrant's secret token in stored bodies; replaced at delivery.
TOKEN_PLACEHOLDER = "PERSONAL-LINK-TOKEN"

#: The check-in block of a confirmation (QR image in the HTML, the code in the text) stands between
#: these markers in stored bodies. At delivery the block is kept (the code put in, the PNG attached
#: as inline image) while the registration is still confirmed and in person, and removed otherwise.
CHECKIN_START = "<!--checkin-->"
CHECKIN_END = "<!--/checkin-->"
#: Stands in for the check-in code (plenary.checkin.services.checkin_code) in stored bodies.
CHECKIN_CODE_PLACEHOLDER = "CHECKIN-CODE"
#: The stored HTML refers to the QR image as ``cid:checkin-qr``; delivery makes the Content-ID unique.
CHECKIN_CID = "checkin-qr"


def queue_message(
    kind: str,
    recipient: str,
    language: str,
    context: dict,
    registration_id: int | None = None,
    reply_to: str | None = None,
    calendar: tuple[str, str] | None = None,
) -> OutboxMessage:
    """Render mail/<kind>.txt and .html in ``language`` and add the message to the session."""
    subject, body_text, html = render_message(kind, language, context)
    message = OutboxMessage(
        kind=kind,
        recipient=recipient,
        language=language,
        subject=subject,
        body_text=body_text,
        body_html=html,
        registration_id=registration_id,
        reply_to=reply_to,
        calendar_method=calendar[0] if calendar else None,
        calendar_ics=calendar[1] if calendar else None,
    )
    db.session.add(message)
    if has_app_context():
        g.setdefault("outbox_queued", []).append(message)
    return message


def render_message(kind: str, language: str, context: dict) -> tuple[str, str, str]:
    """(subject, text body, HTML) of mail/<kind>.txt and .html in ``language``, as stored (placeholders kept)."""
    with force_locale(BABEL_LOCALES[language]):
        helpers = {
            "lang": language,
            "html_lang": HTML_LANG[language],
            "localize": lambda values: localize(values, language),
            "localize_any": lambda value: localize_any(value, language),
            "public_url": public_url,
            # The link opens the page in the language of the message.
            "personal_url": lambda endpoint="registration.personal": public_url(
                endpoint, token=TOKEN_PLACEHOLDER, lang=language
            ),
            "checkin_start": Markup(CHECKIN_START),
            "checkin_end": Markup(CHECKIN_END),
            "checkin_code": CHECKIN_CODE_PLACEHOLDER,
            "checkin_cid": CHECKIN_CID,
        }
        text = render_template(f"mail/{kind}.txt", **helpers, **context)
        html = render_template(f"mail/{kind}.html", **helpers, **context)
    return _subject(text), _body(text), html


def _subject(text: str) -> str:
    """The first line of a rendered .txt template is "Subject: …"."""
    first = text.lstrip().splitlines()[0]
    if not first.startswith("Subject:"):
        raise ValueError("mail templates start with a 'Subject:' line")
    return first.removeprefix("Subject:").strip()


def _body(text: str) -> str:
    """The rendered .txt template without its subject line."""
    return text.lstrip().split("\n", 1)[1].lstrip("\n")


def queued_message_ids() -> list[int]:
    """Ids of the messages queued during this request that were committed."""
    messages = g.pop("outbox_queued", [])
    # The identity needs no query, even though the commit expired the objects.
    return [inspect(m).identity[0] for m in messages if inspect(m).persistent]


def mark_queued(messages: list[OutboxMessage]) -> None:
    """Have the current request deliver ``messages`` after it commits (as if just queued; e.g. retries)."""
    if has_app_context():
        g.setdefault("outbox_queued", []).extend(messages)
