"""The organizers' actions on registrations (back office and CLI): approve, reject, promote, edit, register by hand.

Like every registration service they take the capacity lock first, check the action with
``states.check``, change the status only through ``states.change_status``, flush and never commit.
"""

from plenary.audit.services import diff, record
from plenary.db import utcnow
from plenary.extensions import db
from plenary.mail.models import OutboxMessage
from plenary.registration.changes import end_registration
from plenary.registration.errors import CapacityReached, EmailTaken, RegistrationClosed, RegistrationError
from plenary.registration.locking import lock_plenary, locked_registration
from plenary.registration.models import PERSON_FIELDS, Registration
from plenary.registration.notifications import notify, notify_status
from plenary.registration.seats import make_offer, seat_free, tell_positions
from plenary.registration.signup import find_registration, new_registration
from plenary.registration.states import (
    RegistrationStatus,
    attendance_modes,
    change_status,
    check,
    landing,
    seat_status,
    takes_registrations_by_hand,
)


def approve(registration_id: int) -> Registration:
    """Confirm a registration that waits for approval."""
    registration, _plenary = locked_registration(registration_id)
    check(registration, "approve")
    change_status(registration, "approve", RegistrationStatus.CONFIRMED)
    db.session.flush()
    notify(registration, "registration_approved")
    return registration


def reject(registration_id: int) -> Registration:
    """Turn down a pending or waitlisted registration; a freed seat goes to the waitlist."""
    registration, plenary = locked_registration(registration_id)
    check(registration, "reject")
    return end_registration(registration, plenary, "reject", RegistrationStatus.REJECTED, "registration_rejected")


def promote(registration_id: int, above_capacity: bool = False) -> Registration:
    """Give one waitlisted registration a seat (pending if the plenary requires approval) and tell them.

    Under offers (``plenary.offer_hours``) a waitlisted person is offered the seat, with the plenary's
    deadline, like anyone moving up; a person holding an offer gets the seat at once (the organizer
    answered for them). Refused (CapacityReached) when no seat is free in its mode, unless ``above_capacity``.
    """
    registration, plenary = locked_registration(registration_id)
    check(registration, "promote")
    waiting = registration.status == RegistrationStatus.WAITLISTED
    if waiting and not above_capacity and not seat_free(plenary, registration.attendance):
        raise CapacityReached("full", attendance=registration.attendance)
    if waiting and plenary.offer_hours:
        make_offer(plenary, registration)
    else:
        change_status(registration, "promote", seat_status(plenary))
        db.session.flush()
        notify(registration, "registration_promoted")
    if waiting:
        tell_positions(plenary, registration.attendance)
    return registration


def resend_confirmation(registration_id: int) -> OutboxMessage:
    """Send a person their messages again: the confirmation with its invitation if confirmed, else their link."""
    registration, _plenary = locked_registration(registration_id)  # the invitation may raise the SEQUENCE
    check(registration, "resend")
    if registration.status == RegistrationStatus.CONFIRMED:
        return notify(registration, "registration_confirmed")
    return notify(registration, "registration_link")


def email_taken(plenary_id: int, email: str, registration_id: int | None = None) -> bool:
    """True if another registration of the plenary than ``registration_id`` uses ``email``."""
    other = find_registration(plenary_id, email)
    return other is not None and other.id != registration_id


def details_snapshot(registration: Registration) -> dict:
    """The details an organizer may edit, for the audit entry's before → after."""
    return {name: getattr(registration, name) for name in ("email", *PERSON_FIELDS, "consent_listing")}


def organizer_update(registration_id: int, data: dict) -> dict:
    """Change a registration's details as an organizer: PERSON_FIELDS, ``consent_listing`` and ``email``.

    The email must stay unique per plenary (EmailTaken). Anonymised registrations cannot be edited.
    Returns what changed (before → after, as logged in the audit; empty if nothing did).
    """
    registration, plenary = locked_registration(registration_id)
    check(registration, "edit")
    before = details_snapshot(registration)
    email = data.get("email")
    if email and email != registration.email:
        if email_taken(plenary.id, email, registration.id):
            raise EmailTaken("email_taken")
        registration.email = email
    for name in PERSON_FIELDS:
        if name in data:
            setattr(registration, name, data[name])
    if "consent_listing" in data and bool(data["consent_listing"]) != registration.consent_listing:
        registration.consent_listing = bool(data["consent_listing"])
        registration.consent_listing_at = utcnow() if registration.consent_listing else None
    changes = diff(before, details_snapshot(registration))
    if changes:
        record("registration.update", registration, changes=changes, summary="details edited")
    db.session.flush()
    return changes


def register_by_hand(plenary_id: int, data: dict, send_messages: bool = True) -> Registration:
    """Register one person on an organizer's behalf (someone who phoned): the capacity rules, not the window.

    ``data``: PERSON_FIELDS, ``email``, ``attendance``, ``consent_listing``. Under the capacity lock
    the person lands where ``states.landing`` says (a seat, else the waitlist, else CapacityReached).
    A known address is refused (EmailTaken); a cancelled plenary too.
    """
    plenary = lock_plenary(plenary_id)
    if plenary is None or not takes_registrations_by_hand(plenary):
        raise RegistrationClosed("cancelled")
    attendance = data["attendance"]
    if attendance not in attendance_modes(plenary):
        raise RegistrationError("attendance_not_offered", attendance=attendance)
    if email_taken(plenary.id, data["email"]):
        raise EmailTaken("email_taken")
    status = landing(plenary, attendance, seat_free(plenary, attendance))
    # Their consent to the privacy notice is not on record (they did not fill in the form themselves).
    listing = bool(data.get("consent_listing"))
    registration = new_registration(plenary, data, status, consent_listing=listing,
                                    consent_listing_at=utcnow() if listing else None)  # fmt: skip
    if send_messages:
        notify_status(registration)
    db.session.flush()
    return registration
