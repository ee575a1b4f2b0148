"""Certificates of attendance: who may have one and when, issuing it, and its PDF.

A registration may have a certificate once its plenary has ended, if it is confirmed, not erased, the plenary
not cancelled, and it has an attendance record (hall or online: ``Registration.attended``). The certificate
is issued on first demand (download, follow-up mail, command) as an ``IssuedDocument`` of kind CERTIFICATE,
in the person's language; it is withdrawn when the attendance is undone (``attendance_undone``), and by the
documents foundation when the registration ends or is erased. Its PDF is built again from the registration
and plenary whenever asked for (``render``); an erased registration's certificate cannot be made any more.
"""

from datetime import datetime

from babel.dates import format_date
from flask import current_app
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l

from plenary.attendance.models import AttendanceChannel
from plenary.attendance.signals import attendance_undone
from plenary.chinese_names import is_han
from plenary.db import utcnow
from plenary.documents import services as documents
from plenary.documents.models import DocumentKind, IssuedDocument
from plenary.documents.render import qr_data_uri, render_pdf
from plenary.events.models import Plenary, PlenaryStatus
from plenary.extensions import db
from plenary.formatting import ordinal
from plenary.i18n import BABEL_LOCALES, localize, localize_any
from plenary.registration.locking import lock_plenary
from plenary.registration.models import Registration
from plenary.registration.states import RegistrationStatus

KIND = DocumentKind.CERTIFICATE
TEMPLATE = "documents/certificate.html"

#: The statement's keys as the verification page names them.
LABELS = {
    "name": _l("Name"),
    "plenary": _l("Plenary"),
    "dates": _l("Date"),
    "attendance": _l("Attended"),
}


class CertificateRefused(Exception):
    """No certificate for this registration (now); ``reason`` says why (see ``REASONS``)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


#: Why there is no certificate, as the command says it (organizers who script read English).
REASONS = {
    "erased": "the registration's data was erased",
    "not_confirmed": "the registration is not confirmed",
    "plenary_cancelled": "the plenary was cancelled",
    "not_ended": "the plenary has not ended yet",
    "not_attended": "there is no attendance record (not checked in at the door, not seen online)",
}


def refusal(registration: Registration, now: datetime | None = None) -> str | None:
    """Why ``registration`` may not have a certificate now (a key of ``REASONS``), or None if it may."""
    now = now or utcnow()
    plenary = registration.plenary
    if registration.anonymised_at is not None:
        return "erased"
    if plenary.status == PlenaryStatus.CANCELLED:
        return "plenary_cancelled"
    if registration.status != RegistrationStatus.CONFIRMED:
        return "not_confirmed"
    if not plenary.has_ended(now):
        return "not_ended"
    if not registration.attended:
        return "not_attended"
    return None


def personal_state(registration: Registration, now: datetime | None = None) -> str | None:
    """What the personal page shows: "available", "not_attended" (a sentence), or None (nothing: before the end)."""
    reason = refusal(registration, now)
    if reason is None:
        return "available"
    return "not_attended" if reason == "not_attended" else None


def certificate_for(registration: Registration, now: datetime | None = None) -> IssuedDocument:
    """The registration's valid certificate, issued now if there is none; raises ``CertificateRefused``. Flushes.

    Checked and issued under the plenary's lock (two downloads at once, or a download and the follow-up job,
    issue one certificate, not two): the state is read again inside it.
    """
    lock_plenary(registration.plenary_id)
    db.session.refresh(registration)
    reason = refusal(registration, now)
    if reason is not None:
        raise CertificateRefused(reason)
    document = documents.current(KIND, registration)
    if document is None:
        language = registration.language
        document = documents.issue(KIND, registration, language, statement(registration, language))
    return document


def names(registration: Registration) -> tuple[str, str]:
    """(the name in Chinese characters or "", the Latin name or "") as the certificate prints them."""
    chinese = registration.name_zh or ""
    shown = registration.display_name
    if is_han(shown):
        return chinese or shown, ""
    return chinese, shown


def dates(plenary: Plenary, language: str) -> str:
    """The plenary's date(s) in its own zone, written as ``language`` writes dates ("15. Oktober 2021")."""
    locale = BABEL_LOCALES[language]
    first, last = plenary.starts_at.astimezone(plenary.zone).date(), plenary.ends_at.astimezone(plenary.zone).date()
    if first == last:
        return format_date(first, "long", locale=locale)
    return f"{format_date(first, 'long', locale=locale)} – {format_date(last, 'long', locale=locale)}"


def channels(registration: Registration) -> set[AttendanceChannel]:
    """The channels through which the person attended."""
    return {record.channel for record in registration.attendance_records}


def attendance_words(registration: Registration) -> str:
    """How the person attended, in the current locale: in the hall, online, or both."""
    seen = channels(registration)
    if seen == {AttendanceChannel.HALL, AttendanceChannel.ONLINE}:
        return gettext("attended in the hall and online")
    return gettext("attended online") if seen == {AttendanceChannel.ONLINE} else gettext("attended in the hall")


def venue(plenary: Plenary, language: str) -> str:
    """The venue's name and city in ``language`` ("" if none is known)."""
    parts = [localize_any(plenary.venue_name, language).text, localize_any(plenary.venue_city, language).text]
    return ("，" if language == "zh" else ", ").join(p.strip() for p in parts if p and p.strip())


def statement(registration: Registration, language: str) -> list[tuple[str, str]]:
    """What the certificate states (the verification page shows it): name, plenary, date(s), how attended."""
    chinese, latin = names(registration)
    plenary = registration.plenary
    with force_locale(BABEL_LOCALES[language]):
        how = attendance_words(registration)
    return [
        ("name", " / ".join(n for n in (chinese, latin) if n)),
        ("plenary", localize(plenary.title, language).text),
        ("dates", dates(plenary, language)),
        ("attendance", how),
    ]


def signatory(language: str) -> tuple[str, str]:
    """(name, title) of who signs certificates (FLASK_CERTIFICATE_SIGNATORY_NAME / _TITLE, one title per language)."""
    name = current_app.config.get("CERTIFICATE_SIGNATORY_NAME") or ""
    title = current_app.config.get("CERTIFICATE_SIGNATORY_TITLE") or ""
    if isinstance(name, dict):
        name = localize(name, language).text
    if isinstance(title, dict):
        title = localize(title, language).text
    return str(name), str(title)


def render(document: IssuedDocument) -> bytes | None:
    """The certificate's PDF, built from its registration and plenary; None once the registration is erased."""
    registration = document.registration
    if registration is None or registration.anonymised_at is not None:
        return None
    language = document.language
    plenary = registration.plenary
    chinese, latin = names(registration)
    title = localize(plenary.title, language).text
    number = ordinal(plenary.number, language)
    url = documents.verification_url(document)
    with force_locale(BABEL_LOCALES[language]):
        how = attendance_words(registration)
    online_only = channels(registration) == {AttendanceChannel.ONLINE}
    context = {
        "document": document, "registration": registration, "plenary": plenary, "name_zh": chinese,
        "name_latin": latin, "organisation": registration.organisation,
        "plenary_title": title, "plenary_number": None if number in title else number,
        "dates": dates(plenary, language), "how": how,
        "venue": "" if online_only else venue(plenary, language),
        "online_only": online_only, "signatory": signatory(language), "url": url, "qr": qr_data_uri(url, scale=4),
        "issued_on": format_date(document.issued_at.astimezone(plenary.zone).date(), "long",
                                 locale=BABEL_LOCALES[language]),
    }  # fmt: skip
    return render_pdf(TEMPLATE, language, context)


def filename(document: IssuedDocument) -> str:
    """The file name: certificate-<plenary slug>-<code>.pdf."""
    return f"certificate-{document.plenary.slug}-{document.display_code}.pdf"


def _attendance_undone(registration: Registration, channel: AttendanceChannel | None = None, **_) -> None:
    """An undone attendance withdraws the certificate: it stated how the person attended (a new one may follow)."""
    documents.withdraw_all(registration, "undone", kinds=(KIND,))


documents.register_kind(KIND, title=_l("Certificate of attendance"), labels=LABELS, render=render, filename=filename,
                        states_time_and_place=True)  # fmt: skip
attendance_undone.connect(_attendance_undone, weak=False)
