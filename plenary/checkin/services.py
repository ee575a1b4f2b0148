"""Check-in at the door: a signed code per registration (not the personal link), and arrivals.

The code is "<registration id>.<signature>" signed with the app's secret key under its own
salt, so it proves who a person is without giving access to their personal page.
"""

import io
from dataclasses import dataclass

import segno
import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, Signer

from plenary.db import utcnow
from plenary.extensions import db
from plenary.registration.models import Registration, RegistrationStatus


def _signer() -> Signer:
    return Signer(current_app.config["SECRET_KEY"], salt="plenary-checkin", sep=".")


def checkin_code(registration: Registration) -> str:
    """The code printed in the QR image of a registration."""
    return _signer().sign(str(registration.id)).decode()


def qr_svg(registration: Registration) -> str:
    """The check-in code as an SVG QR image."""
    buffer = io.BytesIO()
    segno.make(checkin_code(registration), error="m").save(buffer, kind="svg", scale=6, border=2, xmldecl=False,
                                                             svgns=True, title="Check-in")  # fmt: skip
    return buffer.getvalue().decode()


#: Pixels per QR module in the PNG for mails: about 300 px, sharp when a mail client scales it down.
PNG_SCALE = 8


def qr_png_for_code(code: str, scale: int = PNG_SCALE) -> bytes:
    """A check-in code as a PNG QR image (segno writes PNG itself; no imaging library needed)."""
    buffer = io.BytesIO()
    segno.make(code, error="m").save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def wants_checkin_qr(registration: Registration | None) -> bool:
    """True if the registration's messages carry a check-in QR (``Registration.gets_checkin_code``)."""
    return registration is not None and registration.gets_checkin_code


@dataclass
class CheckinResult:
    """What the door sees after a scan."""

    outcome: str  # arrived | again | not_confirmed | other_plenary | unknown
    registration: Registration | None = None


def check_in(plenary_id: int, code: str, by: str) -> CheckinResult:
    """Mark the arrival for ``code`` at this plenary; warn on repeats, wrong status or plenary. Flushes."""
    try:
        registration_id = int(_signer().unsign((code or "").strip()).decode())
    except (BadSignature, ValueError):
        return CheckinResult("unknown")
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.anonymised_at is not None:
        return CheckinResult("unknown")
    if registration.plenary_id != plenary_id:
        return CheckinResult("other_plenary", registration)
    if registration.status != RegistrationStatus.CONFIRMED:
        return CheckinResult("not_confirmed", registration)
    if registration.checked_in_at is not None:
        return CheckinResult("again", registration)
    # One UPDATE that only succeeds once, so two scanners at two doors cannot both "arrive" a person.
    done = db.session.execute(
        sa.update(Registration).where(Registration.id == registration.id, Registration.checked_in_at.is_(None))
        .values(checked_in_at=utcnow(), checked_in_by=by)
    ).rowcount  # fmt: skip
    db.session.refresh(registration)
    return CheckinResult("arrived" if done == 1 else "again", registration)


def arrivals(plenary_id: int) -> tuple[int, int]:
    """(arrived, confirmed) for a plenary."""
    confirmed, arrived = db.session.execute(
        sa.select(sa.func.count(), sa.func.count(Registration.checked_in_at)).where(
            Registration.plenary_id == plenary_id, Registration.status == RegistrationStatus.CONFIRMED
        )
    ).one()
    return arrived, confirmed
