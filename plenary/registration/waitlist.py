"""The waiting list's order: a person's position, and when a change of it is worth a message.

First come first served per attendance mode (``waitlisted_at``, then the id). A person hears their
position when they join (the waitlisted mail) and again only when it changes meaningfully
(``worth_telling``): when they reach the first three, and when they become next. Never a mail per shift.
"""

import sqlalchemy as sa

from plenary.extensions import db
from plenary.registration.models import Registration
from plenary.registration.states import RegistrationStatus

#: Positions from which on a person hears that they moved up (3: "you are number 3"; 1: "you are next").
TOLD_FROM = 3


def _queue(plenary_id: int, attendance: str):
    return sa.select(Registration).where(
        Registration.plenary_id == plenary_id,
        Registration.attendance == attendance,
        Registration.status == RegistrationStatus.WAITLISTED,
    )


def position(registration: Registration) -> int | None:
    """The person's place on their mode's waiting list (1 = next), or None if they are not on it."""
    if registration.status != RegistrationStatus.WAITLISTED or registration.waitlisted_at is None:
        return None
    ahead = sa.or_(
        Registration.waitlisted_at < registration.waitlisted_at,
        sa.and_(Registration.waitlisted_at == registration.waitlisted_at, Registration.id < registration.id),
    )
    query = _queue(registration.plenary_id, registration.attendance).where(ahead)
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) + 1


def first_waiting(plenary_id: int, attendance: str, number: int) -> list[Registration]:
    """The first ``number`` people on the waiting list of ``attendance`` mode, in order."""
    query = _queue(plenary_id, attendance).order_by(Registration.waitlisted_at, Registration.id).limit(number)
    return list(db.session.scalars(query))


def worth_telling(told: int | None, now: int) -> bool:
    """True if moving from position ``told`` (last told) to ``now`` deserves a message.

    Reaching the first three (from further back) and becoming next; nothing else.
    """
    if told is None or now >= told:
        return False
    return now == 1 or (now <= TOLD_FROM < told)
