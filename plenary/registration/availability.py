"""How many seats each attendance mode has left, for pages (the public page, the form, the back office).

One grouped query for all modes (and, for the dashboard, all plenaries). Read without the capacity
lock: what pages show; the lock decides at submission (``seats.seat_free``).
"""

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from plenary.events.models import Plenary
from plenary.extensions import db
from plenary.registration.models import Registration
from plenary.registration.states import ACTIVE, OFFERED, SEAT_HOLDING, WAITLISTED, Attendance, attendance_modes


@dataclass(frozen=True)
class ModeSeats:
    """One attendance mode of one plenary: its capacity, the seats held, the waiting list."""

    attendance: str
    capacity: int | None  # None: unlimited
    taken: int  # holding a seat (pending, confirmed, an open offer)
    offered: int  # of those: open offers
    waiting: int  # on the waiting list
    waitlist: bool  # the plenary keeps one

    @property
    def left(self) -> int | None:
        """Seats still free (None: unlimited)."""
        return None if self.capacity is None else max(self.capacity - self.taken, 0)

    @property
    def full(self) -> bool:
        """True if a new registration in this mode finds no seat (it joins the waiting list, if there is one)."""
        return self.capacity is not None and (self.left == 0 or self.waiting > 0)

    @property
    def closed(self) -> bool:
        """True if this mode takes nobody more: full and no waiting list."""
        return self.full and not self.waitlist


def _capacity(plenary: Plenary, attendance: str) -> int | None:
    return plenary.capacity_in_person if attendance == Attendance.IN_PERSON else plenary.capacity_online


def seats_of(plenaries: Iterable[Plenary]) -> dict[int, dict[str, ModeSeats]]:
    """For each plenary (by id), its modes in the order it offers them: one query for all of them."""
    plenaries = list(plenaries)
    counts: dict[tuple[int, str, str], int] = {}
    if plenaries:
        rows = db.session.execute(
            sa.select(Registration.plenary_id, Registration.attendance, Registration.status, sa.func.count())
            .where(Registration.plenary_id.in_([p.id for p in plenaries]), Registration.status.in_(ACTIVE))
            .group_by(Registration.plenary_id, Registration.attendance, Registration.status)
        ).all()  # fmt: skip
        counts = {(plenary_id, attendance, status): n for plenary_id, attendance, status, n in rows}
    result = {}
    for plenary in plenaries:
        modes = {}
        for mode in attendance_modes(plenary):

            def n(statuses, mode=mode, plenary_id=plenary.id):
                return sum(counts.get((plenary_id, mode, status), 0) for status in statuses)

            modes[mode] = ModeSeats(mode, _capacity(plenary, mode), n(SEAT_HOLDING), n((OFFERED,)), n((WAITLISTED,)),
                                    plenary.waitlist)  # fmt: skip
        result[plenary.id] = modes
    return result


def seats(plenary: Plenary) -> dict[str, ModeSeats]:
    """The plenary's modes in the order it offers them, with their seats (one query)."""
    return seats_of([plenary])[plenary.id]


def default_mode(modes: dict[str, ModeSeats], preferred: str | None = None) -> str:
    """The mode a form preselects: ``preferred`` (say, the head's) if it has a free seat, else the first mode
    with a free seat, else the first that still takes registrations (its waiting list), else the first.

    A full hall is never the preselected choice while online places are free: the note at the hall's option
    says it is full, and whoever still wants it picks it knowingly.
    """
    if preferred in modes and not modes[preferred].full:
        return preferred
    return next((mode for mode, seat in modes.items() if not seat.full),
                next((mode for mode, seat in modes.items() if not seat.closed), next(iter(modes))))  # fmt: skip
