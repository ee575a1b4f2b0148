"""Writing a broadcast: the draft, its recipients, how it reads in each language, the preview.

A message has a subject and a text in up to three languages. Each recipient gets one
OutboxMessage (kind "broadcast") in their own language or, if it was not written in theirs,
in the next of ``plenary.i18n.FALLBACK_ORDER`` (zh → en → de, en → de → zh, de → en → zh), in the
app's mail layout (greeting, the plenary's details, the personal link). The worker renders them
(``plenary.broadcasts.rendering``); delivery is the outbox's, as for every other message.
"""

import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from markupsafe import Markup, escape

from plenary.events.models import Plenary
from plenary.extensions import db
from plenary.formatting import render_markdown
from plenary.i18n import FALLBACK_ORDER, LANGUAGES
from plenary.mail.outbox import TOKEN_PLACEHOLDER, render_message
from plenary.registration.filters import RegistrationFilter, filtered_registrations
from plenary.registration.models import Registration, RegistrationStatus
from plenary.registration.states import SEATED

KIND = "broadcast"
SUBJECT_MAX = 300
BODY_MAX = 20_000
#: Without a status filter a message goes to those who have or await a seat (an open offer, not yet
#: accepted, hears only when filtered for explicitly, like the waiting list).
DEFAULT_STATUSES = SEATED
@dataclass
class Draft:
    """A message being written: texts per language (only the filled-in ones count), format and recipients."""

    subject: dict[str, str] = field(default_factory=dict)
    body: dict[str, str] = field(default_factory=dict)
    markdown: bool = True
    filters: RegistrationFilter = field(default_factory=RegistrationFilter)

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages the message is written in."""
        return tuple(lang for lang in LANGUAGES if self.body.get(lang))

    def texts(self) -> tuple[dict[str, str], dict[str, str]]:
        """(subject, body) restricted to the languages written in, as stored in Broadcast."""
        return ({lang: self.subject[lang] for lang in self.languages},
                {lang: self.body[lang] for lang in self.languages})  # fmt: skip


def clean_subject(value: str | None) -> str:
    """A subject on one line, without surrounding blanks (a line break would end the mail header)."""
    return " ".join((value or "").split())


def message_language(preferred: str, languages: tuple[str, ...] | list[str]) -> str | None:
    """The language a person who prefers ``preferred`` reads the message in (their own, else the fallback)."""
    for candidate in FALLBACK_ORDER.get(preferred, FALLBACK_ORDER["de"]):
        if candidate in languages:
            return candidate
    return None


def recipients_query(plenary_id: int, filters: RegistrationFilter) -> sa.Select:
    """The registrations a message with ``filters`` goes to, ordered by name.

    Without a status filter: confirmed and pending (cancelled, rejected, waitlisted only when
    filtered for explicitly or chosen by id). Never anyone without an address (erased registrations).
    """
    query = filtered_registrations(plenary_id, filters).where(
        Registration.email.is_not(None), Registration.anonymised_at.is_(None)
    )
    if not filters.status and not filters.ids:  # people ticked one by one get it whatever their status
        query = query.where(Registration.status.in_(DEFAULT_STATUSES))
    return query.order_by(Registration.last_name, Registration.first_name, Registration.id)


def recipient_count(plenary_id: int, filters: RegistrationFilter) -> int:
    """How many people a message with ``filters`` would reach."""
    inner = recipients_query(plenary_id, filters).order_by(None).with_only_columns(Registration.id).subquery()
    return db.session.scalar(sa.select(sa.func.count()).select_from(inner))


def languages_reached(plenary_id: int, filters: RegistrationFilter, languages: tuple[str, ...]) -> dict[str, int]:
    """How many recipients read the message in each language (after the fallback)."""
    inner = recipients_query(plenary_id, filters).order_by(None).with_only_columns(Registration.language).subquery()
    rows = db.session.execute(sa.select(inner.c.language, sa.func.count()).group_by(inner.c.language)).all()
    reached: dict[str, int] = {}
    for preferred, count in rows:
        lang = message_language(preferred, languages)
        if lang:
            reached[lang] = reached.get(lang, 0) + count
    return reached


def body_html(text: str, markdown: bool, styled: bool = True) -> Markup:
    """The HTML of a message text: Markdown (sanitised) or plain text with its paragraphs and line breaks.

    ``styled``: with the inline styles of our mail layout (for mails; pages may not use inline styles).
    """
    if markdown:
        html = str(render_markdown(text))
        if styled:
            html = html.replace("<p>", '<p style="margin:0 0 12px;">').replace("<a ", '<a style="color:#1a4f8b;" ')
            html = re.sub(r"<h([2-6])>", r'<h\1 style="font-size:17px;margin:16px 0 8px;">', html)
        return Markup(html)
    paragraphs = [p.strip("\n") for p in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if p.strip()]
    paragraph = Markup('<p style="margin:0 0 12px;">{}</p>\n' if styled else "<p>{}</p>\n")
    return Markup("").join(paragraph.format(Markup("<br>\n").join(escape(line) for line in p.split("\n")))
                           for p in paragraphs)  # fmt: skip


def context_for(draft: Draft, plenary: Plenary, registration: Registration, lang: str) -> dict:
    """What templates/mail/broadcast.* get: the text in ``lang`` for ``registration``."""
    body = draft.body[lang].replace("\r\n", "\n").strip("\n")
    return {
        "registration": registration,
        "plenary": plenary,
        "message_subject": clean_subject(draft.subject[lang]),
        "message_text": body,
        "message_html": body_html(body, draft.markdown),
    }


def render(draft: Draft, plenary: Plenary, registration: Registration, lang: str) -> tuple[str, str, str]:
    """(subject, text, HTML) of the message in ``lang`` for ``registration``, as stored in the outbox."""
    return render_message(KIND, lang, context_for(draft, plenary, registration, lang))


def sample_registration(plenary: Plenary, lang: str) -> Registration:
    """A made-up recipient for previews when nobody matches (never added to the session)."""
    return Registration(plenary_id=plenary.id, status=RegistrationStatus.CONFIRMED, attendance="in_person",
                        first_name="Erika", last_name="Mustermann", salutation=None, honorific=None, name_zh=None,
                        language=lang)  # fmt: skip


@dataclass
class PreviewMessage:
    """The message as the readers of one language get it."""

    used: str  # the language of the text they get (their own or the fallback)
    person: Registration  # whom it was rendered for
    subject: str
    text: str  # the whole text part (personal link as a stand-in)
    html: str  # the whole HTML mail (personal link as a stand-in)
    body_html: Markup  # the organizer's text as HTML, without the mail's inline styles (for the page)


@dataclass
class Preview:
    """What the organizer sees before sending: the message per site language, and who gets it."""

    count: int
    sample: list[Registration]
    reached: dict[str, int]
    messages: dict[str, PreviewMessage]


def preview(plenary: Plenary, draft: Draft, sample_size: int = 10) -> Preview:
    """The message as each language's readers get it, the number of recipients and the first few of them."""
    query = recipients_query(plenary.id, draft.filters)
    sample = list(db.session.scalars(query.limit(sample_size)))
    messages = {}
    for lang in LANGUAGES:
        used = message_language(lang, draft.languages)
        if used is None:
            continue
        person = next((r for r in sample if r.language == lang), None) or (sample[0] if sample else None)
        if person is None:
            person = sample_registration(plenary, lang)
            person.plenary = plenary  # the layout reads the plenary through the registration
        subject, text, html = render(draft, plenary, person, used)
        body = draft.body[used]
        page_html = body_html(body, draft.markdown, styled=False)
        messages[lang] = PreviewMessage(used, person, subject, preview_link(text), preview_link(html), page_html)
    reached = languages_reached(plenary.id, draft.filters, draft.languages)
    return Preview(count=recipient_count(plenary.id, draft.filters), sample=sample, reached=reached, messages=messages)


def first_text(values: dict) -> str:
    """The text in the first language it exists in (de, en, zh): for lists and the audit log."""
    return next((values[lang] for lang in LANGUAGES if values.get(lang)), "")


def preview_link(text: str) -> str:
    """``text`` with the personal-link placeholder replaced by a visible stand-in (previews never hold links)."""
    return text.replace(TOKEN_PLACEHOLDER, "…")
