"""A head of delegation's actions for the colleagues their own submissions registered (from the head's page).

Only the people whose ``delegation_head_id`` is the head: a submission naming an address that was already
registered attaches nobody, so the head's list and actions reveal nothing about other registrations. Each
action takes the capacity lock first, asks ``states.check_head`` (the same rule the head's page asks for its
buttons), tells the colleague by mail what the head did, and writes an audit entry (actor: the registrant).
They flush and never commit.
"""

import sqlalchemy as sa

from plenary.audit.services import record
from plenary.extensions import db
from plenary.registration.changes import end_registration, move_attendance
from plenary.registration.locking import locked_registration
from plenary.registration.models import Registration
from plenary.registration.notifications import notify
from plenary.registration.states import RegistrationStatus, check_head, head_actions


def delegation(head: Registration) -> list[Registration]:
    """The colleagues ``head``'s submissions registered, in the order they were registered (one query)."""
    return list(
        db.session.scalars(
            sa.select(Registration).where(Registration.delegation_head_id == head.id).order_by(Registration.id)
        )
    )


def delegation_rows(head: Registration) -> list[tuple[Registration, frozenset[str]]]:
    """Each colleague with the actions the head may take on them now (what the head's page shows)."""
    return [(colleague, head_actions(head, colleague)) for colleague in delegation(head)]


def _locked_pair(head_id: int, colleague_id: int, action: str) -> tuple[Registration, Registration, object]:
    """The colleague (under the capacity lock), the head and the plenary, once ``action`` is allowed."""
    colleague, plenary = locked_registration(colleague_id)
    head = db.session.get(Registration, head_id)
    check_head(head, colleague, action)
    return head, colleague, plenary


def cancel_colleague(head_id: int, colleague_id: int) -> Registration:
    """Cancel a colleague's registration (they get a CANCEL for their calendar); a freed seat goes on."""
    _head, colleague, plenary = _locked_pair(head_id, colleague_id, "cancel")
    end_registration(colleague, plenary, "cancel", RegistrationStatus.CANCELLED, "registration_cancelled_by_head")
    record("registration.head_cancel", colleague, summary="cancelled by the head of delegation")
    return colleague


def resend_colleague_link(head_id: int, colleague_id: int) -> Registration:
    """Send a colleague their personal link again, to the colleague's own address (never to the head)."""
    _head, colleague, _plenary = _locked_pair(head_id, colleague_id, "resend")  # the invitation may raise the SEQUENCE
    notify(colleague, "registration_link_resent")
    record("registration.head_resend", colleague, summary="link resent at the head of delegation's request")
    return colleague


def switch_colleague(head_id: int, colleague_id: int, attendance: str) -> Registration:
    """Move a colleague to the other attendance mode, if there is room (CapacityReached otherwise)."""
    _head, colleague, plenary = _locked_pair(head_id, colleague_id, "switch")
    before = str(colleague.attendance)
    move_attendance(colleague, plenary, attendance, changed_by=colleague.registered_by)
    if str(colleague.attendance) != before:
        record("registration.head_switch", colleague, summary="attendance changed by the head of delegation",
               changes={"attendance": [before, str(colleague.attendance)]})  # fmt: skip
    return colleague
