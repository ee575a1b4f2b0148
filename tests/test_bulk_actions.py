"""Bulk actions on the back office's registrations list: approve, reject, cancel, move, message the selected."""

import re

import pytest
import sqlalchemy as sa
from markupsafe import escape

from plenary.broadcasts.models import Broadcast
from plenary.extensions import db
from plenary.mail.models import OutboxMessage
from plenary.registration import signup
from plenary.registration.models import Registration
from tests.conftest import login, open_registration, person
from tests.helpers import count_queries


@pytest.fixture
def organizer(app, accounts):
    client = app.test_client()
    login(client, "organizer@isa.example")
    client.get("/admin/?lang=en")
    return client


def _register(plenary, email, **overrides) -> Registration:
    registration = signup.register(plenary.id, person(email, **overrides)).created[0]
    db.session.commit()
    return registration


def _status(registration_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Registration, registration_id).status


def _bulk(client, plenary, action, ids, **extra):
    data = {"action": action, "ids": [str(i) for i in ids], **extra}
    return client.post(f"/admin/plenaries/{plenary.slug}/registrations/bulk", data=data)


def test_approve_the_selected_each_with_its_mail_and_the_others_untouched(organizer, open_plenary):
    plenary = open_plenary(requires_approval=True, capacity_in_person=10)
    a, b, c = (_register(plenary, f"p{i}@example.org", last_name=f"P{i}") for i in range(3))
    response = _bulk(organizer, plenary, "approve", [a.id, b.id])
    assert response.status_code == 302
    assert [_status(a.id), _status(b.id), _status(c.id)] == ["confirmed", "confirmed", "pending"]
    kind = OutboxMessage.kind == "registration_approved"
    approved = db.session.scalars(sa.select(OutboxMessage.recipient).where(kind))
    assert sorted(approved) == ["p0@example.org", "p1@example.org"]
    page = organizer.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 registrations approved." in page


def test_refused_people_are_named_with_the_reason_and_the_rest_is_done(organizer, open_plenary):
    plenary = open_plenary(capacity_in_person=10, capacity_online=1, waitlist=False)
    online = _register(plenary, "online@example.org", attendance="online")
    one = _register(plenary, "one@example.org", first_name="Ömer", last_name="<script>x</script>")
    two = _register(plenary, "two@example.org", first_name="Li", last_name="王")
    response = _bulk(organizer, plenary, "move", [one.id, two.id, online.id], attendance="online")
    # The online mode has one place, taken: nobody fits; the online person is there already.
    page = organizer.get(response.headers["Location"]).get_data(as_text=True)
    assert "3 not moved:" in page
    assert "no online place left" in page and "already in that attendance mode" in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "<script>x</script>" not in page
    db.session.expire_all()
    assert db.session.get(Registration, one.id).attendance == "in_person"


def test_move_fills_the_free_places_and_names_the_one_left_out(organizer, open_plenary):
    plenary = open_plenary(capacity_in_person=10, capacity_online=1, waitlist=False)
    one = _register(plenary, "one@example.org", last_name="Eins")
    two = _register(plenary, "two@example.org", last_name="Zwei")
    response = _bulk(organizer, plenary, "move", [one.id, two.id], attendance="online")
    page = organizer.get(response.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert [db.session.get(Registration, i).attendance for i in (one.id, two.id)] == ["online", "in_person"]
    assert "1 registration moved to “Online”." in page
    assert "1 not moved:" in page and "Zwei (no online place left)" in page


def test_cancel_passes_freed_seats_to_the_waitlist_and_a_second_submission_changes_nothing(organizer, open_plenary):
    plenary = open_plenary(capacity_in_person=1)
    seated = _register(plenary, "seated@example.org")
    waiting = _register(plenary, "waiting@example.org")
    assert _status(waiting.id) == "waitlisted"
    _bulk(organizer, plenary, "cancel", [seated.id], confirmed="1")
    assert [_status(seated.id), _status(waiting.id)] == ["cancelled", "confirmed"]
    before = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
    response = _bulk(organizer, plenary, "cancel", [seated.id], confirmed="1")  # the confirmation sent twice
    assert "1 not cancelled:" in organizer.get(response.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == before


def test_select_all_on_the_page_without_javascript(organizer, open_plenary):
    plenary = open_plenary(capacity_in_person=10)
    people = [_register(plenary, f"p{i}@example.org") for i in range(3)]
    data = {"action": "cancel", "page_all": "1", "page_ids": [str(p.id) for p in people]}
    page = organizer.post(f"/admin/plenaries/{plenary.slug}/registrations/bulk", data=data).get_data(as_text=True)
    assert {_status(p.id) for p in people} == {"confirmed"}  # asked first
    data = {"action": "cancel", "confirmed": "1", "ids": re.findall(r'name="ids" value="(\d+)"', page)}
    organizer.post(f"/admin/plenaries/{plenary.slug}/registrations/bulk", data=data)
    assert {_status(p.id) for p in people} == {"cancelled"}


def _outbox_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))


@pytest.mark.parametrize("action", ["cancel", "reject"])
def test_cancel_and_reject_ask_first_naming_the_people_and_run_once_confirmed(organizer, open_plenary, action):
    plenary = open_plenary(capacity_in_person=10, requires_approval=action == "reject")
    status = "confirmed" if action == "cancel" else "pending"
    people = [_register(plenary, f"p{i}@example.org", last_name=f"Person{i}<b>") for i in range(3)]
    before = _outbox_count()
    response = _bulk(organizer, plenary, action, [p.id for p in people])
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    verb = "Cancel" if action == "cancel" else "Reject"
    assert f"{verb} these {len(people)} registrations? Each person is told by mail." in page
    assert all(str(escape(p.display_name)) in page for p in people)
    assert "<b>" not in page.split("<main")[-1]  # a typed name is escaped
    assert 'name="confirmed" value="1"' in page and "No, back to the list" in page
    assert {_status(p.id) for p in people} == {status} and _outbox_count() == before  # nothing done yet
    ids = re.findall(r'name="ids" value="(\d+)"', page)
    assert ids == [str(p.id) for p in people]
    response = _bulk(organizer, plenary, action, ids, confirmed="1")
    expected = "cancelled" if action == "cancel" else "rejected"
    assert {_status(p.id) for p in people} == {expected}
    assert _outbox_count() > before
    done = "cancelled" if action == "cancel" else "rejected"
    assert f"{len(people)} registrations {done}." in organizer.get(response.headers["Location"]).get_data(as_text=True)


def test_a_single_registration_is_asked_for_in_the_singular(organizer, open_plenary):
    plenary = open_plenary(capacity_in_person=10)
    one = _register(plenary, "one@example.org")
    page = _bulk(organizer, plenary, "cancel", [one.id]).get_data(as_text=True)
    assert "Cancel this registration? The person is told by mail." in page
    assert _status(one.id) == "confirmed"


def test_ids_of_another_plenary_are_ignored(organizer, open_plenary, make_plenary):
    plenary = open_plenary(capacity_in_person=10)
    other = make_plenary(slug="other-plenary", number=43, registration=open_registration(capacity_in_person=10))
    stranger = _register(other, "stranger@example.org")
    _bulk(organizer, plenary, "cancel", [stranger.id, "x", "-1"], confirmed="1")
    assert _status(stranger.id) == "confirmed"


def test_viewers_and_missing_csrf_are_refused(app, accounts, open_plenary):
    plenary = open_plenary(capacity_in_person=10)
    one = _register(plenary, "one@example.org")
    viewer = app.test_client()
    login(viewer, "viewer@isa.example")
    page = viewer.get(f"/admin/plenaries/{plenary.slug}/registrations").get_data(as_text=True)
    assert 'name="ids"' not in page and "registrations/bulk" not in page  # viewers see no bulk controls
    assert _bulk(viewer, plenary, "cancel", [one.id], confirmed="1").status_code == 403
    assert _status(one.id) == "confirmed"
    app.config["WTF_CSRF_ENABLED"] = True
    organizer = app.test_client()
    login(organizer, "organizer@isa.example")
    assert _bulk(organizer, plenary, "cancel", [one.id], confirmed="1").status_code == 400
    assert _status(one.id) == "confirmed"


def test_message_the_selected_reaches_exactly_them(organizer, open_plenary):
    plenary = open_plenary(capacity_in_person=1)
    seated = _register(plenary, "seated@example.org", last_name="Sitz")
    waiting = _register(plenary, "waiting@example.org", last_name="Warte")
    _register(plenary, "other@example.org", last_name="Andere", attendance="online")
    response = _bulk(organizer, plenary, "message", [waiting.id, seated.id])
    location = response.headers["Location"]
    assert "/messages/new" in location and "ids=" in location
    form = organizer.get(location).get_data(as_text=True)
    assert "Only the 2 registrations selected in the list" in form
    ids = f"{waiting.id},{seated.id}"
    organizer.post(f"/admin/plenaries/{plenary.slug}/messages/new", data={
        "ids": ids, "subject_en": "Hello", "body_en": "Text", "send": "1", "form_token": _token(form),
    })  # fmt: skip
    broadcast = db.session.scalar(sa.select(Broadcast))
    assert broadcast is not None and broadcast.recipient_count == 2  # the waitlisted one too, the other not


def _token(page: str) -> str:
    return re.search(r'name="form_token"[^>]*value="([^"]+)"', page).group(1)


def test_the_list_shows_checkboxes_counts_per_mode_and_stays_within_twelve_queries(organizer, open_plenary):
    plenary = open_plenary(capacity_in_person=2, capacity_online=None)
    for i in range(3):
        _register(plenary, f"p{i}@example.org")
    _register(plenary, "o@example.org", attendance="online")
    with count_queries() as counter:
        page = organizer.get(f"/admin/plenaries/{plenary.slug}/registrations").get_data(as_text=True)
    # With the questions' answer filter (plenary/questions/listing.py) and the attendance records (one query each).
    assert counter.count <= 12
    assert page.count('name="ids"') == 4
    assert "2 / 2 seats taken" in page and "1 taken (no limit)" in page
    assert "On the waiting list: 1" in page
