"""Seats: capacity per attendance mode, counting under the capacity lock, and the waiting list moving up.

Call these inside a unit of work that began with the capacity lock (``locking.lock_plenary``); where a
person lands is decided by ``states.landing``.
"""

import sqlalchemy as sa

from plenary.events.models import Plenary, PlenaryStatus
from plenary.extensions import db
from plenary.registration.errors import RegistrationError
from plenary.registration.models import Attendance, Registration
from plenary.registration.notifications import notify
from plenary.registration.states import RegistrationStatus, attendance_modes, change_status, landing, seat_status


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
    """Give free seats of ``attendance`` mode to the waitlist, first come first served (under the lock)."""
    promoted = []
    if plenary.status == PlenaryStatus.CANCELLED:
        return promoted  # nobody moves up into a plenary that will not take place
    while seat_free(plenary, attendance):
        candidate = db.session.scalar(
            sa.select(Registration)
            .where(
                Registration.plenary_id == plenary.id,
                Registration.attendance == attendance,
                Registration.status == RegistrationStatus.WAITLISTED,
            )
            .order_by(Registration.waitlisted_at, Registration.id)
            .limit(1)
        )
        if candidate is None:
            break
        change_status(candidate, "promote", seat_status(plenary))
        db.session.flush()
        notify(candidate, "registration_promoted")
        promoted.append(candidate)
    return promoted

