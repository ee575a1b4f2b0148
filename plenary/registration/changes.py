"""A registrant's own changes (from the personal page): cancel, switch attendance, register again, edit.

Each takes the capacity lock first (``locking.locked_registration``), checks the action with
``states.check`` and changes the status only through ``states.change_status``; a freed seat goes to
the waiting list (``seats.promote_from_waitlist``). They flush and never commit.
"""

from plenary.db import utcnow
from plenary.events.models import Plenary
from plenary.extensions import db
from plenary.registration.errors import CapacityReached, RegistrationError
from plenary.registration.locking import locked_registration
from plenary.registration.models import PERSON_FIELDS, Registration
from plenary.registration.notifications import notify, notify_organizers, notify_status, queue_registration_message
from plenary.registration.seats import promote_from_waitlist, seat_free, tell_positions
from plenary.registration.signals import attendance_changed
from plenary.registration.signup import check_open
from plenary.registration.states import RegistrationStatus, attendance_modes, change_status, check, landing
from plenary.registration.waitlist import position


def cancel(registration_id: int) -> Registration:
    """Cancel a registration; a freed seat goes to the waitlist."""
    registration, plenary = locked_registration(registration_id)
    check(registration, "cancel")
    return end_registration(registration, plenary, "cancel", RegistrationStatus.CANCELLED, "registration_cancelled")


def end_registration(registration: Registration, plenary: Plenary, action: str, status: RegistrationStatus,
                     message: str) -> Registration:  # fmt: skip
    """Give a registration its final ``status``, tell the person, pass a freed seat on (under the lock)."""
    freed, was_waiting = registration.holds_seat, registration.status == RegistrationStatus.WAITLISTED
    was_invited = registration.status == RegistrationStatus.CONFIRMED
    change_status(registration, action, status)
    db.session.flush()
    if was_invited:
        # A CANCEL naming only this attendee; it must outrank their invitation's SEQUENCE.
        plenary.sequence += 1
        queue_registration_message(registration, message, "CANCEL", uninvite=True)
    else:
        notify(registration, message)
    if freed:
        promote_from_waitlist(plenary, registration.attendance)
    elif was_waiting:
        tell_positions(plenary, registration.attendance)  # the ones behind moved up
    return registration


def switch_attendance(registration_id: int, attendance: str) -> Registration:
    """Move a registration to the other attendance mode if it has a seat (or waitlist place) there."""
    registration, plenary = locked_registration(registration_id)
    check(registration, "switch")
    return move_attendance(registration, plenary, attendance)


def move_attendance(registration: Registration, plenary: Plenary, attendance: str, **context) -> Registration:
    """Switch a checked registration's attendance (under the lock); ``context``: for the message (who did it)."""
    if attendance not in attendance_modes(plenary):
        raise RegistrationError("attendance_not_offered", attendance=attendance)
    if attendance == registration.attendance:
        return registration
    old_mode, freed = registration.attendance, registration.holds_seat
    was_waiting = registration.status == RegistrationStatus.WAITLISTED
    free = seat_free(plenary, attendance)
    if registration.status == RegistrationStatus.WAITLISTED:
        # A free seat there is theirs; else they join that mode's queue at its end.
        change_status(registration, "switch", landing(plenary, attendance, free))
    elif not free:
        raise CapacityReached("full", attendance=attendance)
    registration.attendance = attendance
    db.session.flush()
    if registration.status == RegistrationStatus.WAITLISTED:
        registration.waitlist_position_told = position(registration)  # their page says it; moves are told from here
    if registration.status == RegistrationStatus.CONFIRMED:
        plenary.sequence += 1  # their copy changes (place or online link): an update for them
    attendance_changed.send(registration, attendance=attendance)
    notify(registration, "registration_updated", **context)
    if freed:
        promote_from_waitlist(plenary, old_mode)
    elif was_waiting:
        tell_positions(plenary, old_mode)
    return registration


def reactivate(registration_id: int) -> Registration:
    """Register a cancelled registration again (from its personal page), subject to capacity."""
    registration, plenary = locked_registration(registration_id)
    check_open(plenary)
    check(registration, "reactivate")
    # Back of the queue (not one's old place) if no seat is free.
    change_status(registration, "reactivate", landing(plenary, registration.attendance,
                                                      seat_free(plenary, registration.attendance)))  # fmt: skip
    db.session.flush()
    notify_status(registration)
    notify_organizers([registration])
    return registration


def update_details(registration_id: int, data: dict) -> Registration:
    """Change a registration's personal details (not its email, status or attendance)."""
    # Under the plenary's lock like every write, so SQLite never has to upgrade a read snapshot.
    registration, _plenary = locked_registration(registration_id)
    check(registration, "update")
    for name in PERSON_FIELDS:
        if name in data:
            setattr(registration, name, data[name])
    if "consent_listing" in data and bool(data["consent_listing"]) != registration.consent_listing:
        registration.consent_listing = bool(data["consent_listing"])
        registration.consent_listing_at = utcnow()
    db.session.flush()
    return registration

