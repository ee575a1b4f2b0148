"""Writing messages: rendered in the recipient's language, stored in the outbox, sent later.

``queue_message`` adds a row to the current transaction, so a message exists exactly when
the change that causes it is committed. Delivery (``plenary.mail.delivery``) is separate.
"""

from flask import g, has_app_context, render_template
from flask_babel import force_locale
from sqlalchemy import inspect

from plenary.extensions import db
from plenary.i18n import BABEL_LOCALES, HTML_LANG, localize, localize_any
from plenary.mail.models import OutboxMessage
from plenary.urls import public_url

#: Stands in for the registrant's secret token in stored bodies; replaced at delivery.
TOKEN_PLACEHOLDER = "PERSONAL-LINK-TOKEN"


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
        }
        text = render_template(f"mail/{kind}.txt", **helpers, **context)
        html = render_template(f"mail/{kind}.html", **helpers, **context)
        subject = _subject(text)
    message = OutboxMessage(
        kind=kind,
        recipient=recipient,
        language=language,
        subject=subject,
        body_text=_body(text),
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
