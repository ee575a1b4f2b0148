"""Writing messages: rendered in the recipient's language, stored in the outbox, sent later.

``queue_message`` adds a row to the current transaction, so a message exists exactly when
the change that causes it is committed. Delivery (``plenary.mail.delivery``) is separate.
"""

import re
import secrets

from flask import current_app, g, has_app_context, render_template
from flask_babel import force_locale
from sqlalchemy import inspect

from plenary.extensions import db
from plenary.i18n import BABEL_LOCALES, HTML_LANG, localize, localize_any
from plenary.mail.headers import one_line
from plenary.mail.models import OutboxMessage
from plenary.mail.personal import template_helpers
from plenary.mail.wakeup import announce
from plenary.urls import public_url

#: Stands in for the registrant's secret token in stored bodies; replaced at delivery.
TOKEN_PLACEHOLDER = "PERSONAL-LINK-TOKEN"

#: Stands in for the registrant's join token (plenary.join.tokens) in stored bodies; replaced at delivery.
JOIN_TOKEN_PLACEHOLDER = "JOIN-LINK-TOKEN"

#: The check-in block of a confirmation (QR image in the HTML, the code in the text) stands between
#: these markers in stored bodies. At delivery the block is kept (the code put in, the PNG attached
#: as inline image) while the registration is still confirmed and in person, and removed otherwise.
CHECKIN_START = "<!--checkin-->"
CHECKIN_END = "<!--/checkin-->"
#: Stands in for the check-in code (plenary.checkin.services.checkin_code) in stored bodies.
CHECKIN_CODE_PLACEHOLDER = "CHECKIN-CODE"
#: The stored HTML refers to the QR image as ``cid:checkin-qr``; delivery makes the Content-ID unique.
CHECKIN_CID = "checkin-qr"

#: What delivery replaces in stored bodies. Templates get one-time stand-ins for them, and any of them
#: that a person typed (a name "PERSONAL-LINK-TOKEN", "<!--checkin-->") is defused before the stand-ins
#: become the real placeholders: a value from a person can never open a check-in block or pull a token in.
PLACEHOLDERS = (TOKEN_PLACEHOLDER, JOIN_TOKEN_PLACEHOLDER, CHECKIN_START, CHECKIN_END, CHECKIN_CODE_PLACEHOLDER,
                CHECKIN_CID)  # fmt: skip
#: What delivery looks for (the QR image's reference only as ``cid:…``).
DELIVERY_MARKS = (TOKEN_PLACEHOLDER, JOIN_TOKEN_PLACEHOLDER, CHECKIN_START, CHECKIN_END, CHECKIN_CODE_PLACEHOLDER,
                  f"cid:{CHECKIN_CID}")  # fmt: skip
#: Put into a defused placeholder after its first character: invisible, and no longer the placeholder.
WORD_JOINER = "\u2060"


def queue_message(
    kind: str,
    recipient: str,
    language: str,
    context: dict,
    registration_id: int | None = None,
    reply_to: str | None = None,
    calendar: tuple[str, str] | None = None,
    attachment_ref: str | None = None,
    join_slot: str | None = None,
) -> OutboxMessage:
    """Render mail/<kind>.txt and .html in ``language`` and add the message to the session.

    ``attachment_ref``: a file to attach when the message is sent (``plenary.mail.attachments``).
    ``join_slot``: the stand-in (``calendar_slot()``) that the calendar text holds where the recipient's join
    token belongs; it is stored as the join placeholder and filled at delivery like the bodies'.
    """
    subject, body_text, html = render_message(kind, language, context)
    if calendar:
        calendar = (calendar[0], seal_calendar(calendar[1], join_slot))
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
        attachment_ref=attachment_ref,
    )
    return store_message(message)


def store_message(message: OutboxMessage) -> OutboxMessage:
    """Add ``message`` to the session, to be sent once the change that causes it is committed."""
    db.session.add(message)
    announce()  # the worker sends it (within a second of the commit; plenary.mail.wakeup)
    if has_app_context():
        g.setdefault("outbox_queued", []).append(message)
    return message


def render_message(kind: str, language: str, context: dict) -> tuple[str, str, str]:
    """(subject, text body, HTML) of mail/<kind>.txt and .html in ``language``, as stored (placeholders kept).

    The .html template is autoescaped (by its extension) and imports only HTML macros (mail/_macros.html);
    the .txt template is not, and its first line is "Subject: {% block subject %}…{% endblock %}".
    """
    stand_in = {placeholder: f"mailslot{secrets.token_hex(8)}x" for placeholder in PLACEHOLDERS}
    with force_locale(BABEL_LOCALES[language]):
        helpers = {
            "lang": language,
            "html_lang": HTML_LANG[language],
            "localize": lambda values: localize(values, language),
            "localize_any": lambda value: localize_any(value, language),
            "public_url": public_url,
            "checkin_start": stand_in[CHECKIN_START],
            "checkin_end": stand_in[CHECKIN_END],
            "checkin_code": stand_in[CHECKIN_CODE_PLACEHOLDER],
            "checkin_cid": stand_in[CHECKIN_CID],
            # The recipient's greeting and personal link: the domain's (plenary.mail.personal).
            **template_helpers(language, stand_in[TOKEN_PLACEHOLDER], stand_in[JOIN_TOKEN_PLACEHOLDER]),
        }
        subject, text = _render_text(kind, {**helpers, **context})
        html = render_template(f"mail/{kind}.html", **helpers, **context)
    return _fitted(one_line(subject)), _seal(text, stand_in), _seal(html, stand_in)


def _fitted(subject: str) -> str:
    """``subject`` shortened with "…" to what the outbox stores (long names and titles are allowed elsewhere)."""
    limit = OutboxMessage.__table__.c.subject.type.length
    return subject if len(subject) <= limit else subject[: limit - 1].rstrip() + "…"


def _render_text(kind: str, context: dict) -> tuple[str, str]:
    """(subject, body) of mail/<kind>.txt: the subject block rendered on its own, the body after the subject line.

    The subject line ends where the rendered block ends, not at the first line break, so a name with a line
    break can neither cut the subject nor push its rest into the body.
    """
    app = current_app._get_current_object()
    template = app.jinja_env.get_template(f"mail/{kind}.txt")
    if "subject" not in template.blocks:
        raise ValueError("mail templates start with 'Subject: {% block subject %}…{% endblock %}'")
    block_context = dict(context)
    app.update_template_context(block_context)
    subject = "".join(template.blocks["subject"](template.new_context(block_context)))
    text = render_template(f"mail/{kind}.txt", **context).lstrip()
    head = f"Subject: {subject}"
    if not text.startswith(head):
        raise ValueError("mail templates start with 'Subject: {% block subject %}…{% endblock %}'")
    return subject, text.removeprefix(head).lstrip(" ").removeprefix("\n").lstrip("\n")


def calendar_slot() -> str:
    """A one-time stand-in for the join token in a calendar text about to be queued (see ``queue_message``)."""
    return f"mailslot{secrets.token_hex(8)}x"


def unfold_calendar(ics: str) -> list[str]:
    """The content lines of an iCalendar text, unfolded (RFC 5545 3.1: CRLF + one space or tab continues a line)."""
    return re.sub(r"\r?\n[ \t]", "", ics).splitlines()


def fold_calendar(lines: list[str]) -> str:
    """Content lines folded at 75 octets again (never inside a UTF-8 character), CRLF-terminated."""
    return "".join(_fold(line) + "\r\n" for line in lines)


def _fold(line: str, limit: int = 75) -> str:
    """One content line folded as RFC 5545 3.1 says (as icalendar folds; never after a lone backslash escape)."""
    if len(line) * 4 < limit or len(line.encode("utf-8")) < limit:
        return line  # short enough: no fold (most lines; the loop below is per character)
    pieces, current, size = [], [], 0
    for char in line:
        width = len(char.encode("utf-8"))
        if current and size + width >= limit:
            carry = [current.pop()] if len(current) > 1 and current[-1] == "\\" else []
            pieces.append("".join(current))
            current, size = carry, sum(len(c.encode("utf-8")) for c in carry)
        current.append(char)
        size += width
    pieces.append("".join(current))
    return "\r\n ".join(pieces)


def seal_calendar(ics: str, join_slot: str | None) -> str:
    """``ics`` as stored: every placeholder a person typed defused, ``join_slot`` made the join placeholder.

    Folding may cut a placeholder in two, so the text is unfolded first and folded again afterwards; delivery
    (``plenary.mail.compose``) unfolds, fills in and folds the same way.
    """
    lines = unfold_calendar(ics)
    sealed = []
    for line in lines:
        for mark in DELIVERY_MARKS:
            line = line.replace(mark, mark[0] + WORD_JOINER + mark[1:])
        if join_slot:
            line = line.replace(join_slot, JOIN_TOKEN_PLACEHOLDER)
        sealed.append(line)
    return fold_calendar(sealed)


def _seal(body: str, stand_in: dict[str, str]) -> str:
    """``body`` with every placeholder a person typed defused, then the template's stand-ins made placeholders."""
    for mark in DELIVERY_MARKS:
        body = body.replace(mark, mark[0] + WORD_JOINER + mark[1:])
    for placeholder, token in stand_in.items():
        body = body.replace(token, placeholder)
    return body


def queued_message_ids() -> list[int]:
    """Ids of the messages queued during this request that were committed."""
    messages = g.pop("outbox_queued", [])
    # The identity needs no query, even though the commit expired the objects.
    return [inspect(m).identity[0] for m in messages if inspect(m).persistent]


def mark_queued(messages: list[OutboxMessage]) -> None:
    """Have the current request deliver ``messages`` after it commits (as if just queued; e.g. retries)."""
    if has_app_context():
        g.setdefault("outbox_queued", []).extend(messages)
