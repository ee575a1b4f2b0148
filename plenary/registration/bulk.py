"""Organizers' bulk actions on the selected registrations: approve, reject, cancel, move to the other mode.

Each person is one unit of work (``one_by_one``): the action is the same service as on a registration's
own page (``organizer``/``changes``: capacity lock, ``states.check``, ``change_status``, messages, audit),
then committed, or rolled back alone when refused. So a refusal never undoes the others and nobody is
ever half moved; a second submission of the same form is refused person by person by the states
("not waiting for approval"), never applied twice.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa

from plenary.extensions import db
from plenary.registration import changes, organizer
from plenary.registration.errors import CapacityReached, RegistrationError
from plenary.registration.models import Registration

#: The bulk actions and the service each calls for one registration id.
BULK_ACTIONS: dict[str, Callable[..., object]] = {
    "approve": lambda registration_id, attendance: organizer.approve(registration_id),
    "reject": lambda registration_id, attendance: organizer.reject(registration_id),
    "cancel": lambda registration_id, attendance: changes.cancel(registration_id),
    "move": lambda registration_id, attendance: _move(registration_id, attendance),
}

#: At most this many registrations per submission (a page of the list holds 50).
MAX_SELECTED = 200


@dataclass
class BulkOutcome:
    """What a bulk action did: the ids done and, per refused id, the reason's code."""

    done: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)


def _move(registration_id: int, attendance: str) -> Registration:
    """Switch one registration to ``attendance``; one that is there already is refused (not counted as moved)."""
    current = db.session.scalar(sa.select(Registration.attendance).where(Registration.id == registration_id))
    if current == attendance:
        raise RegistrationError("same_mode")
    return changes.switch_attendance(registration_id, attendance)


def of_plenary(plenary_id: int, ids: list[int]) -> dict[int, str]:
    """The ids among ``ids`` that are registrations of this plenary, with their names (one query), in order."""
    if not ids:
        return {}
    rows = {r.id: r for r in db.session.scalars(
        sa.select(Registration).where(Registration.plenary_id == plenary_id, Registration.id.in_(ids))
    )}  # fmt: skip
    return {i: rows[i].display_name for i in ids if i in rows}


def reason(error: RegistrationError) -> str:
    """The code of why one person's action was refused ("full_in_person", "not_pending", …)."""
    if isinstance(error, CapacityReached):
        return f"full_{error.details.get('attendance') or 'in_person'}"
    return error.code


def selected_ids(values: Iterable[str]) -> list[int]:
    """The registration ids of a submission, each once, in order, without anything that is no id."""
    ids: list[int] = []
    for value in values:
        for part in str(value).split(","):
            part = part.strip()
            if part.isdecimal() and len(part) < 10 and int(part) not in ids:
                ids.append(int(part))
    return ids[:MAX_SELECTED]


def one_by_one(action: str, ids: list[int], commit: Callable[[], None], rollback: Callable[[], None],
               attendance: str = "") -> BulkOutcome:  # fmt: skip
    """Run ``action`` for each id in its own unit of work: ``commit`` after a success, ``rollback`` after a refusal."""
    run = BULK_ACTIONS[action]
    outcome = BulkOutcome()
    for registration_id in ids:
        try:
            run(registration_id, attendance)
        except RegistrationError as error:
            rollback()
            outcome.refused[registration_id] = reason(error)
        else:
            commit()
            outcome.done.append(registration_id)
    return outcome
