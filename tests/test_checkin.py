"""Check-in at the door: signed codes, outcomes, the door page, the QR code on the personal page."""

import pytest
import sqlalchemy as sa

from plenary.auth.models import Role
from plenary.auth.services import create_user
from plenary.checkin.services import arrivals, check_in, checkin_code
from plenary.extensions import db
from plenary.registration import changes, signup
from plenary.registration.tokens import token_for
from tests.conftest import person

PASSWORD = "correct horse battery staple"


@pytest.fixture
def people(open_plenary):
    plenary = open_plenary(capacity_in_person=1)
    seated = signup.register(plenary.id, person("seat@example.org", first_name="Zoë")).created[0]
    db.session.commit()
    waiting = signup.register(plenary.id, person("wait@example.org")).created[0]
    db.session.commit()
    return plenary, seated, waiting


def test_codes_are_signed_and_not_the_personal_link(people):
    _plenary, seated, _waiting = people
    code = checkin_code(seated)
    assert code.startswith(f"{seated.id}.") and code != token_for(seated)
    assert check_in(seated.plenary_id, f"{seated.id}.forged", "door").outcome == "unknown"
    assert check_in(seated.plenary_id, "", "door").outcome == "unknown"
    assert check_in(seated.plenary_id, "garbage", "door").outcome == "unknown"


def test_outcomes(people, make_plenary):
    plenary, seated, waiting = people
    first = check_in(plenary.id, checkin_code(seated), "door-1@isa.example")
    assert first.outcome == "arrived" and first.registration.checked_in_by == "door-1@isa.example"
    assert check_in(plenary.id, checkin_code(seated), "door-2").outcome == "again"
    assert check_in(plenary.id, checkin_code(waiting), "door").outcome == "not_confirmed"
    other = make_plenary(slug="other", number=77)
    assert check_in(other.id, checkin_code(seated), "door").outcome == "other_plenary"
    db.session.commit()
    assert arrivals(plenary.id) == (1, 1)
    changes.cancel(seated.id)
    db.session.commit()
    assert check_in(plenary.id, checkin_code(seated), "door").outcome == "not_confirmed"


def _login(client, role):
    create_user(f"{role}@isa.example", Role(role), PASSWORD)
    db.session.commit()
    assert client.post("/admin/login", data={"email": f"{role}@isa.example", "password": PASSWORD}).status_code == 302


def test_door_page_for_organizers(client, people):
    plenary, seated, waiting = people
    _login(client, "organizer")
    page = client.get(f"/admin/plenaries/{plenary.slug}/checkin?lang=en")
    assert page.status_code == 200 and "0 of 1 arrived" in page.get_data(as_text=True)
    scan = client.post(f"/admin/plenaries/{plenary.slug}/checkin?lang=en", data={"code": checkin_code(seated)})
    body = scan.get_data(as_text=True)
    assert scan.status_code == 200 and "Welcome!" in body and "Dr. Zoë Schmidt" in body and "1 of 1 arrived" in body
    again = client.post(f"/admin/plenaries/{plenary.slug}/checkin?lang=en", data={"code": checkin_code(seated)})
    assert "Already checked in" in again.get_data(as_text=True)
    wrong = client.post(f"/admin/plenaries/{plenary.slug}/checkin?lang=en", data={"code": checkin_code(waiting)})
    assert wrong.status_code == 422 and "Not confirmed" in wrong.get_data(as_text=True)
    assert client.get(f"/admin/plenaries/{plenary.slug}/checkin/count").get_json() == {"arrived": 1, "confirmed": 1}


def test_door_answers_carry_the_back_offices_private_headers(app, client, people):
    """The page that shows the scanned person is a back-office page: never stored, never indexed."""
    plenary, seated, waiting = people
    _login(client, "organizer")
    office = client.get("/admin/")
    private = {name: office.headers[name] for name in ("Cache-Control", "X-Robots-Tag")}
    assert private == {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}
    url = f"/admin/plenaries/{plenary.slug}/checkin"
    answers = [client.get(url), client.post(url, data={"code": checkin_code(seated)}),
               client.post(url, data={"code": checkin_code(waiting)}), client.get(f"{url}/count")]  # fmt: skip
    assert [answer.status_code for answer in answers] == [200, 200, 422, 200]
    assert "Zoë" in answers[1].get_data(as_text=True)
    for answer in answers:
        assert {name: answer.headers.get(name) for name in private} == private
    assert app.url_map.bind("localhost").match(url)[0] == "admin.checkin"


def test_viewers_and_visitors_cannot_check_in(client, people):
    plenary, seated, _waiting = people
    url = f"/admin/plenaries/{plenary.slug}/checkin"
    assert client.post(url, data={"code": checkin_code(seated)}).status_code == 302  # to the login page
    _login(client, "viewer")
    assert client.post(url, data={"code": checkin_code(seated)}).status_code == 403
    assert seated.checked_in_at is None


def test_personal_page_shows_the_qr_code_to_confirmed_in_person_delegates(client, people):
    _plenary, seated, waiting = people
    page = client.get(f"/registrations/{token_for(seated)}").get_data(as_text=True)
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page and checkin_code(seated) in page
    assert "<svg" not in client.get(f"/registrations/{token_for(waiting)}").get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).where(sa.text("checked_in_at IS NOT NULL"))
                             .select_from(sa.table("registration"))) == 0  # fmt: skip
