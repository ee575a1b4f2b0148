"""Seats: capacity per attendance mode, counting under the capacity lock, and the waiting list moving up.

Call these inside a unit of work that began with the capacity lock (``locking.lock_plenary``); where a
person lands is decided by ``states.landing``.
"""

from datetime import timedelta

import sqlalchemy as sa

from plenary.db import utcnow
from plenary.events.models import Plenary, PlenaryStatus
from plenary.extensions import db
from plenary.registration.errors import RegistrationError
from plenary.registration.models import Attendance, Registration
from plenary.registration.notifications import notify
from plenary.registration.states import RegistrationStatus, attendance_modes, change_status, landing, seat_status
from plenary.registration.waitlist import TOLD_FROM, first_waiting, worth_telling

#: An offer is reminded 24 hours before it lapses, or halfway through when it is shorter than two days.
REMINDER_BEFORE = timedelta(hours=24)


def capacity(plenary: Plenary, attendance: str) -> int | None:
    """Seats in ``attendance`` mode (None = unlimited)."""
    return plenary.capacity_in_person if attendance == Attendance.IN_PERSON else plenary.capacity_online


def seats_taken(plenary_id: int, attendance: str) -> int:
    """Registrations holding a seat in ``attendance`` mode (call under the capacity lock)."""
    return db.session.scalar(
        sa.select(sa.func.count()).where(
            Registration.plenary_id == plenary_id, Registration.attendance == attendance, Registration.holds_seat
        )
    )


def seat_free(plenary: Plenary, attendance: str, claimed: int = 0) -> bool:
    """True if a seat of ``attendance`` mode is free, besides ``claimed`` ones already promised (under the lock)."""
    limit = capacity(plenary, attendance)
    return limit is None or seats_taken(plenary.id, attendance) + claimed < limit


def plan_seats(plenary: Plenary, people: list[dict]) -> list[RegistrationStatus]:
    """The status each person would get, in order, as if every address were new (under the lock).

    Raises CapacityReached if one of them fits neither a seat nor the waitlist. Known addresses
    count like new ones, so neither the answer nor the others' statuses tell who is registered.
    """
    claimed: dict[str, int] = {}
    statuses = []
    for person in people:
        attendance = person["attendance"]
        if attendance not in attendance_modes(plenary):
            raise RegistrationError("attendance_not_offered", attendance=attendance)
        free = seat_free(plenary, attendance, claimed.get(attendance, 0))
        statuses.append(landing(plenary, attendance, free))
        if free:
            claimed[attendance] = claimed.get(attendance, 0) + 1
    return statuses


def promote_from_waitlist(plenary: Plenary, attendance: str) -> list[Registration]:
    """Give free seats of ``attendance`` mode to the waitlist, first come first served (under the lock).

    With ``plenary.offer_hours`` set, each is offered the seat (status offered, holding it until the
    deadline) instead of getting it. Whoever is left waiting hears if their position changed meaningfully.
    """
    promoted = []
    if plenary.status == PlenaryStatus.CANCELLED:
        return promoted  # nobody moves up into a plenary that will not take place
    while seat_free(plenary, attendance):
        waiting = first_waiting(plenary.id, attendance, 1)
        if not waiting:
            break
        candidate = waiting[0]
        if plenary.offer_hours:
            make_offer(plenary, candidate)
        else:
            change_status(candidate, "promote", seat_status(plenary))
            db.session.flush()
            notify(candidate, "registration_promoted")
        promoted.append(candidate)
    tell_positions(plenary, attendance)
    return promoted


def make_offer(plenary: Plenary, registration: Registration) -> None:
    """Offer ``registration`` the free seat it takes now, held ``plenary.offer_hours`` (not past the start)."""
    now = utcnow()
    expires = min(now + timedelta(hours=plenary.offer_hours), max(plenary.starts_at, now + timedelta(hours=1)))
    change_status(registration, "offer", RegistrationStatus.OFFERED)
    registration.offer_expires_at = expires
    registration.offer_reminder_at = expires - min(REMINDER_BEFORE, (expires - now) / 2)
    db.session.flush()
    notify(registration, "registration_offered")


def tell_positions(plenary: Plenary, attendance: str) -> None:
    """Tell the first on the waiting list who moved up meaningfully (``waitlist.worth_telling``)."""
    if plenary.status == PlenaryStatus.CANCELLED:
        return
    for number, person in enumerate(first_waiting(plenary.id, attendance, TOLD_FROM), start=1):
        if worth_telling(person.waitlist_position_told, number):
            person.waitlist_position_told = number
            notify(person, "registration_waitlist_moved", position=number)
