"""The audit log: automatic registration history, explicit entries, before → after, immutability, erasure."""

import pytest
import sqlalchemy as sa

from plenary.audit.models import AuditEntry
from plenary.audit.services import diff, history, record
from plenary.extensions import db
from plenary.registration import changes, organizer, privacy, signup
from tests.conftest import person


def test_registration_history_records_every_status_change(open_plenary):
    plenary = open_plenary(capacity_in_person=1, requires_approval=True)
    first = signup.register(plenary.id, person("a@example.org")).created[0]
    db.session.commit()
    second = signup.register(plenary.id, person("b@example.org")).created[0]
    db.session.commit()
    organizer.approve(first.id)
    db.session.commit()
    changes.cancel(first.id)  # frees the seat: the second is promoted (pending, approval required)
    db.session.commit()
    steps = [(e.action, e.changes.get("status"), e.actor_kind) for e in history("registration", first.id)]
    assert steps == [
        ("registration.created", [None, "pending"], "system"),
        ("registration.status", ["pending", "confirmed"], "system"),
        ("registration.status", ["confirmed", "cancelled"], "system"),
    ]
    assert [e.changes["status"] for e in history("registration", second.id)] == [[None, "waitlisted"],
                                                                                 ["waitlisted", "pending"]]


def test_explicit_entries_diff_documents_and_cannot_be_changed(app, open_plenary):
    plenary = open_plenary()
    before = {"title": {"de": "Alt"}, "agenda": [{"uid": "a", "title": {"de": "Eins"}}, {"uid": "b", "title": "Zwei"}]}
    after = {"title": {"de": "Neu"}, "agenda": [{"uid": "b", "title": "Zwei"}, {"uid": "a", "title": {"de": "Eins"}}]}
    changes = diff(before, after)
    assert changes["title.de"] == ["Alt", "Neu"]
    assert changes["agenda.order"] == [["Eins", "Zwei"], ["Zwei", "Eins"]]
    entry = record("plenary.update", plenary, changes=changes, summary="test")
    db.session.commit()
    assert entry.plenary_id == plenary.id and entry.object_type == "plenary" and entry.actor_kind == "system"
    entry.summary = "forged"
    with pytest.raises(PermissionError):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEntry, entry.id))
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(AuditEntry, entry.id).summary == "test"


def test_erasure_keeps_the_history_without_personal_values(open_plenary):
    plenary = open_plenary()
    registration = signup.register(plenary.id, person("c@example.org")).created[0]
    db.session.commit()
    record("registration.update", registration, changes={"organisation": ["Stadt A", "Stadt B"],
                                                         "status": ["confirmed", "confirmed"]})  # fmt: skip
    db.session.commit()
    privacy.erase(registration.id)
    db.session.commit()
    entries = history("registration", registration.id)
    assert [e.action for e in entries] == ["registration.created", "registration.update", "registration.status"]
    assert entries[1].changes["organisation"] == ["—", "—"]
    dump = str(db.session.execute(sa.select(AuditEntry.changes)).all())
    assert "Stadt A" not in dump and "c@example.org" not in dump


def test_the_actor_is_the_logged_in_account_else_a_registrant_else_the_system(app, accounts):
    from flask_login import login_user

    from plenary.audit.services import current_actor

    assert current_actor() == (None, "system")  # no request: a command, the worker
    paths = ("/admin/plenaries/test-plenary", "/registrations/abc/cancel")
    for path in paths:
        with app.test_request_context(path):
            assert current_actor() == (None, "registrant"), path  # no login: whatever the address says
    for path in paths:
        with app.test_request_context(path):
            login_user(accounts["organizer"])
            assert current_actor() == ("organizer@isa.example", "user"), path  # logged in: whatever the address


def test_each_kind_of_actor_through_the_real_paths(client, accounts, open_plenary):
    from plenary.registration.tokens import token_for
    from tests.conftest import login

    plenary = open_plenary()
    created = history("plenary", plenary.id)
    anna = signup.register(plenary.id, person("anna@example.org")).created[0]  # a command or the worker
    db.session.commit()
    assert client.post(f"/registrations/{token_for(anna)}/cancel").status_code == 302  # anna, no login
    login(client, "organizer@isa.example")
    assert client.post(f"/admin/plenaries/{plenary.slug}/cancel").status_code == 302
    db.session.expire_all()
    assert [(e.actor_kind, e.actor) for e in created] == [("system", None)]  # make_plenary: no request
    assert [(e.changes["status"], e.actor_kind) for e in history("registration", anna.id)] == [
        ([None, "confirmed"], "system"), (["confirmed", "cancelled"], "registrant")]  # fmt: skip
    [cancelled] = [e for e in history("plenary", plenary.id) if e.action == "plenary.cancel"]
    assert (cancelled.actor_kind, cancelled.actor) == ("user", "organizer@isa.example")
