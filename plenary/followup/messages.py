"""The follow-up messages of a plenary: the organizers' texts (or the translated defaults), what a mail gets, the
preview, when the follow-up goes out and how many got which.

Two audiences: "attended" (the thank-you, mail kind ``certificate_follow_up``, the certificate attached) and
"absent" (confirmed but not attended, kind ``follow_up_absent``). The organizers' text is plain text or the
broadcasts' sanitised Markdown (``plenary.broadcasts.compose.body_html``), never HTML: a ``<a href>`` they type
is text, ``{{ }}`` is text, and placeholders are defused by the outbox. A reader whose language has no text gets
the next language written (``FALLBACK_ORDER``); with no text at all, the default texts in their own language.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, gettext

from plenary.broadcasts.compose import body_html, clean_subject, message_language, preview_link, sample_registration
from plenary.certificates.models import FollowUp, FollowUpOutcome
from plenary.events.models import Plenary
from plenary.extensions import db
from plenary.followup.documents import KIND_LABELS, documents_of
from plenary.followup.models import FollowUpMessage
from plenary.i18n import BABEL_LOCALES, LANGUAGES, localize
from plenary.mail.models import OutboxMessage
from plenary.mail.outbox import JOIN_TOKEN_PLACEHOLDER, render_message
from plenary.registration.models import Registration
from plenary.registration.states import RegistrationStatus
from plenary.survey.services import ANSWER_ENDPOINT, is_open
from plenary.urls import public_url

AUDIENCES = ("attended", "absent")
#: The mail kind of each audience (templates/mail/<kind>.txt + .html).
MAIL_KINDS = {"attended": "certificate_follow_up", "absent": "follow_up_absent"}
SUBJECT_MAX = 300
BODY_MAX = 20_000


def settings(plenary_id: int) -> FollowUpMessage | None:
    """The plenary's stored follow-up texts and switch (None: defaults, sent automatically)."""
    return db.session.get(FollowUpMessage, plenary_id)


def default_texts(plenary: Plenary, audience: str, lang: str) -> tuple[str, str]:
    """(subject, text) of the default message to ``audience`` in ``lang`` (translated, the title filled in).

    The defaults say nothing the mail says anyway (the certificate's paragraph, the documents' heading) and
    promise nothing that may not be there (documents, a recording).
    """
    with force_locale(BABEL_LOCALES[lang]):
        title = localize(plenary.title, lang).text
        if audience == "attended":
            return (gettext("Thank you for taking part – %(title)s", title=title),
                    gettext("Thank you for taking part in the plenary assembly."))  # fmt: skip
        # Not a word of documents: a plenary may have none, and the documents block has its own heading.
        return (gettext("After the plenary – %(title)s", title=title),
                gettext("We are sorry that you could not take part in the plenary assembly. We hope to welcome "
                        "you at one of the next ones."))  # fmt: skip


def written(message: FollowUpMessage | None, audience: str) -> tuple[dict, dict]:
    """(subjects, texts) the organizers wrote for ``audience``: only languages with both."""
    if message is None:
        return {}, {}
    subjects, bodies = getattr(message, f"{audience}_subject") or {}, getattr(message, f"{audience}_body") or {}
    langs = [lang for lang in LANGUAGES if subjects.get(lang) and bodies.get(lang)]
    return {lang: subjects[lang] for lang in langs}, {lang: bodies[lang] for lang in langs}


@dataclass
class Texts:
    """What one reader gets: the language of the mail, subject, text and whether it is Markdown."""

    lang: str
    subject: str
    body: str
    markdown: bool


def texts_for(plenary: Plenary, message: FollowUpMessage | None, audience: str, preferred: str) -> Texts:
    """The texts a reader preferring ``preferred`` gets: theirs, the fallback's, or the default in theirs."""
    subjects, bodies = written(message, audience)
    used = message_language(preferred, list(bodies))
    if used is None:
        subject, body = default_texts(plenary, audience, preferred)
        return Texts(preferred, subject, body, markdown=False)
    return Texts(used, subjects[used], bodies[used], markdown=bool(message.markdown))


def link_of(document, plenary: Plenary) -> dict:
    """How the mail template links ``document``: {"public": URL} or {"personal": document id} (filled at delivery)."""
    if not document.is_public:
        return {"personal": document.id}
    if document.url:
        return {"public": document.url}
    return {"public": public_url("registration.public_document", slug=plenary.slug,
                                 document_id=document.id)}  # fmt: skip


def mail_context(plenary: Plenary, registration: Registration, texts: Texts, certificate=None,
                 certificate_url: str | None = None, survey_url: str | None = None) -> dict:  # fmt: skip
    """What templates/mail/certificate_follow_up.* and follow_up_absent.* get.

    ``survey_url``: the survey page's endpoint while the attendee may answer (plenary.survey.services.survey_url_for).
    """
    body = texts.body.replace("\r\n", "\n").strip("\n")
    rows = documents_of(plenary.id)
    return {
        "registration": registration,
        "plenary": plenary,
        "message_subject": clean_subject(texts.subject),
        "message_text": body,
        "message_html": body_html(body, texts.markdown),
        "kind_labels": KIND_LABELS,
        "documents": [(d, localize(d.title, texts.lang).text, link_of(d, plenary)) for d in rows],
        "document": certificate,
        "certificate_url": certificate_url,
        "survey_url": survey_url,
    }


@dataclass
class PreviewMail:
    """One follow-up mail as the readers of one language get it."""

    used: str
    person: Registration
    subject: str
    text: str
    html: str


def preview(plenary: Plenary, message: FollowUpMessage | None) -> dict[str, dict[str, PreviewMail]]:
    """{audience: {language: the mail}} for a sample person of each language (a made-up one if none)."""
    people = list(db.session.scalars(
        sa.select(Registration).where(Registration.plenary_id == plenary.id,
                                      Registration.status == RegistrationStatus.CONFIRMED,
                                      Registration.anonymised_at.is_(None)).order_by(Registration.id).limit(50)
    ))  # fmt: skip
    stand_in = SimpleNamespace(display_code="XXXX-XXXX")
    result: dict[str, dict[str, PreviewMail]] = {}
    for audience in AUDIENCES:
        result[audience] = {}
        for lang in LANGUAGES:
            person = next((p for p in people if p.language == lang), None)
            if person is None:
                person = sample_registration(plenary, lang)
                person.plenary = plenary
            texts = texts_for(plenary, message, audience, lang)
            certificate = stand_in if audience == "attended" else None
            # The preview shows the survey's paragraph while the survey is open (the link itself stands in: "…").
            survey = ANSWER_ENDPOINT if certificate and is_open(plenary) else None
            context = mail_context(plenary, person, texts, certificate, "…" if certificate else None, survey)
            subject, text, html = render_message(MAIL_KINDS[audience], texts.lang, context)
            result[audience][lang] = PreviewMail(texts.lang, person, subject, _inert(text), _inert(html))
    return result


def _inert(body: str) -> str:
    return preview_link(body).replace(JOIN_TOKEN_PLACEHOLDER, "…")


def due_at(plenary: Plenary) -> datetime:
    """When the follow-up of ``plenary`` goes out (if sent automatically): FOLLOW_UP_HOURS after its end."""
    return plenary.ends_at + timedelta(hours=float(current_app.config.get("FOLLOW_UP_HOURS", 12)))


def last_chance(plenary: Plenary) -> datetime:
    """After when the job no longer follows ``plenary`` up (FOLLOW_UP_WITHIN_DAYS after it was due)."""
    return due_at(plenary) + timedelta(days=float(current_app.config.get("FOLLOW_UP_WITHIN_DAYS", 14)))


def counts(plenary_id: int) -> dict:
    """How many the follow-up dealt with per outcome, and the state of its mails per audience."""
    outcomes = dict(db.session.execute(
        sa.select(FollowUp.outcome, sa.func.count()).join(Registration, Registration.id == FollowUp.registration_id)
        .where(Registration.plenary_id == plenary_id).group_by(FollowUp.outcome)
    ).all())  # fmt: skip
    states = db.session.execute(
        sa.select(OutboxMessage.kind, OutboxMessage.status, sa.func.count())
        .join(Registration, Registration.id == OutboxMessage.registration_id)
        .where(Registration.plenary_id == plenary_id, OutboxMessage.kind.in_(MAIL_KINDS.values()))
        .group_by(OutboxMessage.kind, OutboxMessage.status)
    ).all()  # fmt: skip
    delivery = {audience: {} for audience in AUDIENCES}
    kinds = {kind: audience for audience, kind in MAIL_KINDS.items()}
    for kind, status, count in states:
        delivery[kinds[kind]][str(status)] = count
    return {"attended": outcomes.get(FollowUpOutcome.CERTIFICATE, 0),
            "absent": outcomes.get(FollowUpOutcome.NOT_ATTENDED, 0), "delivery": delivery}  # fmt: skip


def save(plenary_id: int, send_automatically: bool, markdown: bool, texts: dict[str, tuple[dict, dict]]) -> \
        FollowUpMessage:  # fmt: skip
    """Store the plenary's follow-up (``texts``: {audience: (subjects, bodies)}); flushes."""
    message = settings(plenary_id) or FollowUpMessage(plenary_id=plenary_id)
    message.send_automatically, message.markdown = send_automatically, markdown
    for audience, (subjects, bodies) in texts.items():
        setattr(message, f"{audience}_subject", {k: v for k, v in subjects.items() if v})
        setattr(message, f"{audience}_body", {k: v for k, v in bodies.items() if v})
    db.session.add(message)
    db.session.flush()
    return message


def first_subject(message: FollowUpMessage) -> str:
    """The thank-you's subject in the first language written (for the audit log)."""
    subjects = message.attended_subject or {}
    return next((subjects[lang] for lang in LANGUAGES if subjects.get(lang)), "")
