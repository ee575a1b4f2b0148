"""Check-in at the door: a signed code per registration (not the personal link), and arrivals.

The code is "<registration id>-<16 base32 characters of an HMAC>" keyed with the app's secret key under its
own salt, so it proves who a person is without giving access to their personal page. Base32 has one case
and no look-alike punctuation, so a code read out, typed in lower case or with spaces still counts. Codes
of the first format ("<id>.<itsdangerous base64 signature>", case-sensitive) that went out in mails before
stay valid.

The QR image holds the URL of the door page with the code (``checkin_url``): any phone's own camera app
opens it, and the organizer confirms the arrival there (a GET never checks in).
"""

import base64
import hashlib
import hmac
import io
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import segno
import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, Signer

from plenary.attendance import services as attendance
from plenary.attendance.models import AttendanceChannel, AttendanceSource
from plenary.audit.services import record
from plenary.events.models import PlenaryStatus
from plenary.extensions import db
from plenary.registration.models import Attendance, Registration, RegistrationStatus
from plenary.urls import public_url

#: Base32 characters of the HMAC in a code: 80 bits.
SIGNATURE_LENGTH = 16
_SALT = b"plenary-checkin-v2"
_OLD_CODE = re.compile(r"^\d+\.[A-Za-z0-9_-]+$")


def _old_signer() -> Signer:
    return Signer(current_app.config["SECRET_KEY"], salt="plenary-checkin", sep=".")


def _signature(registration_id: int) -> str:
    key = current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    digest = hmac.new(key, _SALT + b":" + str(registration_id).encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode()[:SIGNATURE_LENGTH]


def checkin_code(registration: Registration) -> str:
    """The code shown under the QR image of a registration ("42-K7QX3M2PZ4ABCD9F")."""
    return f"{registration.id}-{_signature(registration.id)}"


def checkin_url(registration: Registration) -> str:
    """The absolute URL of the door page that shows this registration (what the QR image holds)."""
    return public_url("admin.checkin", slug=registration.plenary.slug, code=checkin_code(registration))


def registration_id_of(code: str | None) -> int | None:
    """The registration a typed, pasted or scanned code (or door URL) names; None if it is not a valid code."""
    text = (code or "").strip()[:500]
    if "code=" in text:  # a door URL, e.g. typed by a USB scanner reading the QR image
        text = (parse_qs(urlsplit(text).query).get("code") or [""])[0].strip()
    if _OLD_CODE.match(text):
        try:
            return int(_old_signer().unsign(text).decode())
        except (BadSignature, ValueError):
            pass
    compact = "".join(ch for ch in text if ch.isalnum()).upper()
    number, signature = compact[:-SIGNATURE_LENGTH], compact[-SIGNATURE_LENGTH:]
    if not number.isascii() or not number.isdigit() or len(number) > 12:
        return None
    if hmac.compare_digest(signature.encode(), _signature(int(number)).encode()):
        return int(number)
    return None


def qr_svg(registration: Registration) -> str:
    """The door URL with the check-in code as an SVG QR image."""
    buffer = io.BytesIO()
    segno.make(checkin_url(registration), error="m").save(buffer, kind="svg", scale=5, border=2, xmldecl=False,
                                                          svgns=True, title="Check-in")  # fmt: skip
    return buffer.getvalue().decode()


#: Pixels per QR module in the PNG for mails: about 300 px, sharp when a mail client scales it down.
PNG_SCALE = 6


def qr_png_for_code(content: str, scale: int = PNG_SCALE) -> bytes:
    """``content`` (the door URL, ``checkin_url``) as a PNG QR image (segno writes PNG itself)."""
    buffer = io.BytesIO()
    segno.make(content, error="m").save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def qr_png(registration: Registration) -> bytes:
    """The registration's QR image for mails: the door URL as PNG."""
    return qr_png_for_code(checkin_url(registration))


def wants_checkin_qr(registration: Registration | None) -> bool:
    """True if the registration's messages carry a check-in QR (``Registration.gets_checkin_code``)."""
    return registration is not None and registration.gets_checkin_code


@dataclass
class CheckinResult:
    """What the door sees after a scan, a search or a confirmation."""

    # arrived | again | ready (may enter, not yet checked in) | not_confirmed | online | plenary_cancelled
    # | other_plenary | unknown
    outcome: str
    registration: Registration | None = None

    @property
    def may_enter(self) -> bool:
        """True if the door may check this person in now."""
        return self.outcome == "ready"


def admission(plenary_id: int, registration: Registration | None) -> CheckinResult:
    """Whether ``registration`` may enter this plenary now, and if not, why not (nothing changes)."""
    if registration is None or registration.anonymised_at is not None:
        return CheckinResult("unknown")
    if registration.plenary_id != plenary_id:
        return CheckinResult("other_plenary", registration)
    if registration.checked_in and registration.status == RegistrationStatus.CONFIRMED:
        return CheckinResult("again", registration)
    if registration.status != RegistrationStatus.CONFIRMED:
        return CheckinResult("not_confirmed", registration)
    if registration.attendance != Attendance.IN_PERSON:
        return CheckinResult("online", registration)
    if registration.plenary.status == PlenaryStatus.CANCELLED:
        return CheckinResult("plenary_cancelled", registration)
    return CheckinResult("ready", registration)


def look_up(plenary_id: int, code: str) -> CheckinResult:
    """Who ``code`` names and whether they may enter, without checking them in (the GET of a scanned URL)."""
    registration_id = registration_id_of(code)
    registration = db.session.get(Registration, registration_id) if registration_id is not None else None
    return admission(plenary_id, registration)


def check_in(plenary_id: int, code: str, by: str) -> CheckinResult:
    """Mark the arrival for ``code`` at this plenary; warn on repeats, wrong status or plenary. Flushes."""
    registration_id = registration_id_of(code)
    if registration_id is None:
        return CheckinResult("unknown")
    return check_in_registration(plenary_id, registration_id, by)


def check_in_registration(plenary_id: int, registration_id: int, by: str) -> CheckinResult:
    """Mark the arrival of registration ``registration_id`` (found by name or code) at this plenary. Flushes."""
    result = admission(plenary_id, db.session.get(Registration, registration_id))
    if not result.may_enter:
        return result
    registration = result.registration
    # One INSERT that only succeeds once (a record per registration and channel), so two scanners at two
    # doors cannot both "arrive" a person.
    made = attendance.record_arrival(registration, AttendanceChannel.HALL, AttendanceSource.DOOR, by=by)
    return CheckinResult("arrived" if made else "again", registration)


def undo_check_in(plenary_id: int, registration_id: int) -> Registration | None:
    """Take back a check-in made by mistake (audited); None if there was none at this plenary. Flushes."""
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.plenary_id != plenary_id or registration.anonymised_at is not None:
        return None
    undone = attendance.undo(registration, AttendanceChannel.HALL)
    if undone is None:
        return None
    record("registration.checkin_undone", registration, summary=f"#{registration.id}",
           changes={"checked_in_at": [undone.first_seen_at.isoformat(), None],
                    "checked_in_by": [undone.recorded_by, None]})  # fmt: skip
    db.session.flush()
    return registration


def arrivals(plenary_id: int) -> tuple[int, int]:
    """(arrived, expected) for a plenary: in-person arrivals against confirmed in-person registrations."""
    expected, arrived = db.session.execute(
        sa.select(sa.func.count(), sa.func.count().filter(Registration.checked_in)).where(
            Registration.plenary_id == plenary_id,
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.attendance == Attendance.IN_PERSON,
            Registration.anonymised_at.is_(None),
        )
    ).one()
    return arrived, expected
