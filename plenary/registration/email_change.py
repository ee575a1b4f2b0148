"""Changing one's own email address: asked on the personal page, confirmed by a link sent to the new address.

The link carries a signed, expiring token (itsdangerous, under the app's secret key): the registration,
the new address and a fingerprint of the current address and personal link. Nothing is stored until the
link is used; once the address has changed (or the personal link was renewed) the fingerprint no longer
matches, so a link works once. The answer to a request is the same whether or not the new address is
free (an address registered for the plenary is never revealed); the current address is told that a
change was asked for. On confirmation the personal link is renewed (old messages' links stop working), the
old address gets the calendar's CANCEL and the new one the invitation (ATTENDEE changes with the address).
"""

import hashlib
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from plenary.audit.services import record
from plenary.calendar.invitations import invitation
from plenary.events.services import reply_address
from plenary.extensions import db
from plenary.mail.outbox import queue_message
from plenary.registration.errors import EmailTaken, RegistrationError
from plenary.registration.locking import locked_registration
from plenary.registration.models import Registration
from plenary.registration.notifications import notify
from plenary.registration.states import check
from plenary.registration.tokens import rotate_token
from plenary.urls import public_url

SALT = "plenary-email-change"


@dataclass(frozen=True)
class EmailChange:
    """A verified confirmation link: whose address changes, and to what."""

    registration: Registration
    new_email: str


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _fingerprint(registration: Registration) -> str:
    """Changes when the address or the personal link changes: a used or outdated link stops working."""
    text = f"{registration.id}:{registration.email}:{registration.token_salt}"
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def email_taken(registration: Registration, email: str) -> bool:
    """True if another registration of the same plenary uses ``email``."""
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Registration)
        .where(Registration.plenary_id == registration.plenary_id, Registration.email == email,
               Registration.id != registration.id)
    ) > 0  # fmt: skip


def request_change(registration_id: int, new_email: str) -> bool:
    """Send the confirmation link to ``new_email`` (if it can be used) and tell the current address.

    Returns False only if ``new_email`` is already this registration's address (nothing sent). The caller
    answers the same for a free and a taken address.
    """
    registration, _plenary = locked_registration(registration_id)
    check(registration, "update")
    if registration.anonymised_at is not None or not registration.email:
        raise RegistrationError("anonymised")
    if new_email == registration.email:
        return False
    if not email_taken(registration, new_email):
        token = _serializer().dumps({"r": registration.id, "e": new_email, "f": _fingerprint(registration)})
        url = public_url("registration.confirm_email", signed=token, lang=registration.language)
        queue_message("registration_email_confirm", new_email, registration.language,
                      {"registration": registration, "plenary": registration.plenary, "confirm_url": url,
                       "hours": current_app.config["REGISTRATION_EMAIL_CHANGE_MAX_AGE"] // 3600},
                      registration_id=registration.id, reply_to=reply_address(registration.plenary))  # fmt: skip
    notify(registration, "registration_email_requested")
    record("registration.email_change_requested", registration, summary="email change requested by the registrant")
    return True


def verify(signed: str) -> EmailChange:
    """The change a confirmation link asks for; RegistrationError("expired" | "invalid" | "used") otherwise."""
    try:
        data = _serializer().loads(signed, max_age=current_app.config["REGISTRATION_EMAIL_CHANGE_MAX_AGE"])
    except SignatureExpired:
        raise RegistrationError("expired") from None
    except BadSignature:
        raise RegistrationError("invalid") from None
    if not isinstance(data, dict) or not isinstance(data.get("r"), int) or not isinstance(data.get("e"), str):
        raise RegistrationError("invalid")
    registration = db.session.get(Registration, data["r"])
    if registration is None or registration.anonymised_at is not None or data.get("f") != _fingerprint(registration):
        raise RegistrationError("used")
    return EmailChange(registration, data["e"])


def confirm_change(signed: str) -> Registration:
    """Change the address a valid link names (under the capacity lock); EmailTaken if it was taken meanwhile."""
    change = verify(signed)
    registration, plenary = locked_registration(change.registration.id)
    change = verify(signed)  # again, under the lock: two presses of the same link change it once
    check(registration, "update")
    if email_taken(registration, change.new_email):
        raise EmailTaken("taken")
    old_email, invited = registration.email, registration.calendar_method == "REQUEST"
    registration.email = change.new_email
    rotate_token(registration)  # links in messages to the old address stop working
    db.session.flush()
    calendar = None
    if invited:
        # The old address's calendar drops the entry; the CANCEL must outrank the invitation it had.
        plenary.sequence += 1
        calendar = ("CANCEL", invitation(registration, "CANCEL", uninvite=True, address=old_email))
    queue_message("registration_email_moved", old_email, registration.language,
                  {"registration": registration, "plenary": plenary}, registration_id=registration.id,
                  reply_to=reply_address(plenary), calendar=calendar)  # fmt: skip
    # The new address gets the invitation (a REQUEST naming it) if the person is confirmed.
    notify(registration, "registration_email_changed")
    record("registration.email_change", registration, summary="email address changed by the registrant")
    return registration

