"""The visa invitation letter: its statement (what the verify page shows) and its PDF, as a document kind.

The PDF is rebuilt from stored data whenever it is needed (download, mail attachment, command): the issued
document (code, language, date) and the request's passport data. Once that data is deleted, no letter can be
made any more (``render`` returns None); the verify page still shows the statement (passport number masked).
"""

from datetime import date

from flask import current_app
from flask_babel import force_locale, format_date
from flask_babel import lazy_gettext as _l

from plenary.countries import country_name
from plenary.documents import services as documents
from plenary.documents.models import DocumentKind, IssuedDocument
from plenary.documents.render import qr_data_uri, render_pdf
from plenary.events.models import Plenary
from plenary.extensions import db
from plenary.formatting import ordinal
from plenary.i18n import BABEL_LOCALES, localize, localize_any
from plenary.legal import legal_details
from plenary.registration.models import Registration
from plenary.visa import services
from plenary.visa.missions import letter_language
from plenary.visa.models import VisaRequest

#: The costs sentence when the plenary's settings give none.
DEFAULT_COSTS = {
    "de": "Die Kosten für Reise und Unterkunft trägt die eingeladene Person bzw. die entsendende Institution.",
    "en": "Travel and accommodation costs are borne by the delegate or the delegating institution.",
    "zh": "受邀人的国际旅费及在华期间的住宿费用由其本人或派出单位自理。",
}
#: The statement's keys and their labels on the verify page.
LABELS = {
    "name": _l("Name as in the passport"),
    "nationality": _l("Nationality"),
    "passport": _l("Passport number"),
    "plenary": _l("Plenary"),
    "stay": _l("Planned stay"),
    "mission": _l("Addressed to"),
}


def masked(number: str) -> str:
    """A passport number with all but its last four characters hidden ("•••••1234")."""
    number = number or ""
    return "•" * max(len(number) - 4, 0) + number[-4:]


def _stay(entry: date, exit_: date, language: str) -> str:
    with force_locale(BABEL_LOCALES[language]):
        return f"{format_date(entry, 'long')} – {format_date(exit_, 'long')}"


def statement(visa: VisaRequest, passport: dict, language: str) -> list[tuple[str, str]]:
    """What the letter states, as the verify page shows it (in the letter's language; the number masked)."""
    plenary = visa.registration.plenary
    mission = services.mission_name(visa, language)
    title = localize(plenary.title, language).text
    return [
        ("name", passport["passport_name"]),
        ("nationality", country_name(passport["nationality"], language) or passport["nationality"]),
        ("passport", masked(passport["passport_number"])),
        ("plenary", title),
        ("stay", _stay(visa.entry_date, visa.exit_date, language)),
        ("mission", mission),
    ]


def issue_letter(visa: VisaRequest) -> IssuedDocument:
    """Issue the letter of an approved request (an earlier valid one is replaced by the documents' service)."""
    passport = services.passport_data(visa)
    settings = services.settings_for(visa.registration.plenary)
    language = letter_language(settings.host_country, visa.english)
    return documents.issue(DocumentKind.VISA_LETTER, visa.registration, language, statement(visa, passport, language))


def _dates(plenary: Plenary, language: str) -> str:
    start, end = plenary.local_start.date(), plenary.local_end.date()
    with force_locale(BABEL_LOCALES[language]):
        if start == end:
            return format_date(start, "long")
        return f"{format_date(start, 'long')} – {format_date(end, 'long')}"


def letter_context(document: IssuedDocument, visa: VisaRequest, passport: dict) -> dict:
    """Everything the letter's template shows, in the document's language."""
    registration: Registration = visa.registration
    plenary = registration.plenary
    language = document.language
    settings = services.settings_for(plenary)
    legal = legal_details(language)
    mission = services.mission_name(visa, language)
    passport = {key: value if isinstance(value, str) else value for key, value in passport.items()}
    with force_locale(BABEL_LOCALES[language]):
        issued = format_date(document.issued_at.astimezone(plenary.zone).date(), "long")
        nationality = country_name(passport["nationality"], language) or passport["nationality"]
        birth_date = format_date(passport["birth_date"], "long") if passport.get("birth_date") else ""
        expiry = format_date(passport["passport_expiry"], "long") if passport.get("passport_expiry") else ""
        entry, exit_ = format_date(visa.entry_date, "long"), format_date(visa.exit_date, "long")
    url = documents.verification_url(document)
    return {
        "language": language,
        "address": [] if "IMPRINT_ADDRESS" in legal.placeholders else legal.address,
        "contact_email": plenary.contact_email or legal.email or current_app.config["CONTACT_EMAIL"],
        "place": _text(plenary.venue_city, language),
        "issued": issued,
        "mission": mission,
        "plenary": plenary,
        "ordinal_text": ordinal(plenary.number, language),
        "title": localize(plenary.title, language).text,
        "generic_title": _generic(localize(plenary.title, language).text, ordinal(plenary.number, language)),
        "dates": _dates(plenary, language),
        "venue": _text(plenary.venue_name, language),
        "city": _text(plenary.venue_city, language),
        "passport": passport,
        "nationality": nationality,
        "birth_date": birth_date,
        "expiry": expiry,
        "entry": entry,
        "exit": exit_,
        "name_zh": registration.name_zh,
        "organisation": ", ".join(p for p in (registration.organisation, registration.position) if p),
        "organisation_zh": "，".join(p for p in (registration.organisation, registration.position) if p),
        "costs": (settings.costs or {}).get(language) or DEFAULT_COSTS[language],
        "signatory_name": _text(settings.signatory_name, language),
        "signatory_function": _text(settings.signatory_function, language),
        "document": document,
        "verify_url": url,
        "qr": qr_data_uri(url),
    }


#: What a plenary's title says when it is only its number ("42. Plenarversammlung"): not repeated in quotes.
GENERIC_TITLES = ("plenarversammlung", "plenary assembly", "全体大会")


def _generic(title: str, ordinal_text: str) -> bool:
    """True if ``title`` is just the numbered plenary ("42. Plenarversammlung", "第四十二届全体大会")."""
    rest = title.replace(ordinal_text, "").strip(" .:-–").lower()
    return rest in GENERIC_TITLES


def _text(values: str | dict | None, language: str) -> str:
    """A setting's text in ``language`` (falling back as page content does); empty if it has none."""
    return localize_any(values, language).text if values else ""


def _request_of(document: IssuedDocument) -> VisaRequest | None:
    if document.registration_id is None:
        return None
    return db.session.scalar(db.select(VisaRequest).where(VisaRequest.registration_id == document.registration_id))


def render(document: IssuedDocument) -> bytes | None:
    """The letter's PDF, rebuilt from stored data; None once the passport data is deleted."""
    visa = _request_of(document)
    passport = services.passport_data(visa) if visa is not None else None
    if passport is None:
        return None
    template = f"documents/visa_letter_{document.language}.html"
    return render_pdf(template, document.language, letter_context(document, visa, passport))


def filename(document: IssuedDocument) -> str:
    """The letter's file name (no personal data: the plenary's number and the document's code)."""
    plenary = db.session.get(Plenary, document.plenary_id)
    number = plenary.number if plenary is not None else "x"
    names = {"de": "Einladung", "en": "invitation", "zh": "invitation-zh"}
    return f"{names.get(document.language, 'invitation')}-{number}-{document.code[:8]}.pdf"


documents.register_kind(DocumentKind.VISA_LETTER, title=_l("Visa invitation letter"), labels=LABELS,
                        render=render, filename=filename, states_time_and_place=True)  # fmt: skip
