"""The registration state machine (plenary/registration/states.py) and the model's predicates."""

from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from plenary.extensions import db
from plenary.registration import changes, errors, organizer, privacy, signup, states
from plenary.registration.models import Registration
from plenary.registration.states import TRANSITIONS, RegistrationStatus, change_status, landing
from tests.conftest import person


def test_change_status_follows_the_table_and_refuses_the_rest():
    registration = SimpleNamespace(status=RegistrationStatus.REJECTED, waitlisted_at=None)
    with pytest.raises(errors.InvalidTransition) as refused:
        change_status(registration, "approve", RegistrationStatus.CONFIRMED)
    assert refused.value.code == "not_pending" and registration.status == RegistrationStatus.REJECTED
    registration.status = RegistrationStatus.PENDING
    with pytest.raises(errors.InvalidTransition):
        change_status(registration, "approve", RegistrationStatus.WAITLISTED)  # approve leads to confirmed only
    change_status(registration, "approve", RegistrationStatus.CONFIRMED)
    assert registration.status == RegistrationStatus.CONFIRMED
    change_status(registration, "cancel", RegistrationStatus.CANCELLED)
    change_status(registration, "reactivate", RegistrationStatus.WAITLISTED)
    assert registration.waitlisted_at is not None  # joining the waiting list puts one at its end
    assert set(TRANSITIONS) == set(RegistrationStatus)


def test_landing():
    plenary = SimpleNamespace(requires_approval=False, waitlist=True)
    assert landing(plenary, "in_person", seat_free=True) == RegistrationStatus.CONFIRMED
    assert landing(plenary, "in_person", seat_free=False) == RegistrationStatus.WAITLISTED
    plenary.requires_approval = True
    assert landing(plenary, "in_person", seat_free=True) == RegistrationStatus.PENDING
    plenary.waitlist = False
    with pytest.raises(errors.CapacityReached):
        landing(plenary, "online", seat_free=False)


def _register(plenary, email, **overrides) -> Registration:
    registration = signup.register(plenary.id, person(email, **overrides)).created[0]
    db.session.commit()
    return registration


def _ids(clause) -> set[int]:
    return set(db.session.scalars(sa.select(Registration.id).where(clause)))


def test_predicates_say_the_same_in_python_and_in_sql(open_plenary):
    plenary = open_plenary(capacity_in_person=2)
    people = [_register(plenary, f"p{i}@example.org") for i in range(4)]
    online = _register(plenary, "online@example.org", attendance="online")
    changes.cancel(people[0].id)  # p2 moves up
    db.session.commit()
    privacy.erase(people[1].id)  # p3 moves up
    db.session.commit()
    organizer.reject(_register(plenary, "r@example.org").id)
    db.session.commit()
    everyone = db.session.scalars(sa.select(Registration)).all()
    assert {r.status for r in everyone} == {"confirmed", "cancelled", "rejected"} and online in everyone
    for name in ("holds_seat", "is_active", "gets_checkin_code"):
        in_python = {r.id for r in everyone if getattr(r, name)}
        assert _ids(getattr(Registration, name)) == in_python, name
        assert in_python  # the comparison is about someone
    assert online.id not in _ids(Registration.gets_checkin_code)
    assert people[1].id not in _ids(Registration.is_active)


def test_nobody_gets_a_checkin_code_for_a_cancelled_plenary(open_plenary):
    plenary = open_plenary()
    anna = _register(plenary, "anna@example.org")
    assert _ids(Registration.gets_checkin_code) == {anna.id} and anna.gets_checkin_code
    plenary.status = "cancelled"
    db.session.commit()
    assert _ids(Registration.gets_checkin_code) == set() and not anna.gets_checkin_code


def test_allowed_actions_are_what_the_services_accept(open_plenary):
    plenary = open_plenary(capacity_in_person=1, requires_approval=True)
    pending = _register(plenary, "p@example.org")
    waiting = _register(plenary, "w@example.org")
    assert states.allowed_actions(pending, "organizer") == {"edit", "approve", "switch", "resend", "reject", "cancel"}
    assert states.allowed_actions(waiting, "organizer") == {"edit", "promote", "switch", "resend", "reject", "cancel"}
    assert "reactivate" not in states.allowed_actions(pending, "registrant")
    changes.cancel(pending.id)
    db.session.commit()
    assert states.allowed_actions(pending, "organizer") == {"edit", "resend"}
    assert states.allowed_actions(pending, "registrant") == {"reactivate", "erase"}
    for action in (organizer.approve, organizer.reject, changes.cancel):  # what is not offered is refused
        with pytest.raises(errors.InvalidTransition):
            action(pending.id)
        db.session.rollback()


def test_a_request_after_a_cancel_outranks_it_from_the_stored_sequence(open_plenary):
    plenary = open_plenary()
    anna = _register(plenary, "anna@example.org")
    assert (anna.calendar_method, anna.calendar_sequence) == ("REQUEST", plenary.sequence)
    changes.cancel(anna.id)
    db.session.commit()
    cancelled_at = anna.calendar_sequence
    assert anna.calendar_method == "CANCEL"
    changes.reactivate(anna.id)
    db.session.commit()
    assert anna.calendar_method == "REQUEST" and anna.calendar_sequence > cancelled_at
    again = anna.calendar_sequence
    organizer.resend_confirmation(anna.id)  # the same copy again: no new SEQUENCE
    db.session.commit()
    assert anna.calendar_sequence == again == plenary.sequence
