"""Check-in at the door: signed codes, outcomes, the door page, undo, counts, the QR code on the personal page."""

import re
from datetime import UTC, datetime

import pytest
import segno
import sqlalchemy as sa
import time_machine
from itsdangerous import Signer

from plenary.auth.models import Role
from plenary.auth.services import create_user
from plenary.checkin.services import (
    arrivals,
    check_in,
    checkin_code,
    checkin_url,
    look_up,
    registration_id_of,
    undo_check_in,
)
from plenary.extensions import db
from plenary.registration import changes, signup
from plenary.registration.models import Registration
from plenary.registration.tokens import token_for
from tests.conftest import person
from tests.helpers import entries

PASSWORD = "correct horse battery staple"


@pytest.fixture
def people(open_plenary):
    plenary = open_plenary(capacity_in_person=1)
    seated = signup.register(plenary.id, person("seat@example.org", first_name="Zoë")).created[0]
    db.session.commit()
    waiting = signup.register(plenary.id, person("wait@example.org")).created[0]
    db.session.commit()
    return plenary, seated, waiting


def old_format_code(app, registration_id: int) -> str:
    """A code as mails carried it before: "<id>.<itsdangerous signature>" (case-sensitive base64)."""
    return Signer(app.config["SECRET_KEY"], salt="plenary-checkin", sep=".").sign(str(registration_id)).decode()


def test_codes_are_signed_and_not_the_personal_link(people):
    _plenary, seated, _waiting = people
    code = checkin_code(seated)
    assert re.fullmatch(rf"{seated.id}-[A-Z2-7]{{16}}", code) and code != token_for(seated)
    assert check_in(seated.plenary_id, f"{seated.id}-AAAAAAAAAAAAAAAA", "door").outcome == "unknown"
    assert check_in(seated.plenary_id, f"{seated.id}.forged", "door").outcome == "unknown"
    assert check_in(seated.plenary_id, "", "door").outcome == "unknown"
    assert check_in(seated.plenary_id, "garbage", "door").outcome == "unknown"
    assert seated.checked_in_at is None


def test_codes_are_case_and_space_tolerant(app, people):
    _plenary, seated, _waiting = people
    code = checkin_code(seated)
    number, signature = code.split("-")
    spaced = f" {number} - {' '.join(re.findall('....', signature))} "
    for typed in (code, code.lower(), code.upper(), spaced, spaced.lower(), f"{number}{signature}", f"\t{code}\n"):
        assert registration_id_of(typed) == seated.id, typed
    # The URL in the QR image (a USB scanner types it into the field), also pasted with spaces around.
    assert registration_id_of(checkin_url(seated)) == seated.id
    assert registration_id_of(f"  {checkin_url(seated)} ") == seated.id


def test_codes_already_sent_in_mails_keep_working(app, people):
    plenary, seated, _waiting = people
    old = old_format_code(app, seated.id)
    assert registration_id_of(old) == seated.id and registration_id_of(f" {old} ") == seated.id
    assert check_in(plenary.id, old, "door").outcome == "arrived"


@pytest.mark.parametrize("forged", [
    "{other}-{signature}",  # another person's number with this person's signature
    "{id}-{flipped}",  # one character changed
    "{id}-{short}",  # too short
    "{old_other}",  # an old-format code made with another key
    "99999999999999999999-{signature}",  # a number too long to be an id
    "١-{signature}",  # not an ASCII digit
    "https://plenary.example.org/admin/plenaries/x/checkin?code={id}-AAAAAAAAAAAAAAAA",
    "<script>alert(1)</script>", "=HYPERLINK(\"https://evil.example\")", "\u202e" + "x" * 300,
])  # fmt: skip
def test_forged_codes_are_unknown(app, people, forged):
    plenary, seated, _waiting = people
    signature = checkin_code(seated).split("-")[1]
    flipped = ("B" if signature[0] != "B" else "C") + signature[1:]
    other_key = Signer("another-key", salt="plenary-checkin", sep=".").sign(str(seated.id)).decode()
    code = forged.format(id=seated.id, other=seated.id + 1, signature=signature, flipped=flipped,
                         short=signature[:10], old_other=other_key)  # fmt: skip
    assert registration_id_of(code) is None
    assert check_in(plenary.id, code, "door").outcome == "unknown"
    assert look_up(plenary.id, code).outcome == "unknown"


def test_outcomes(people, make_plenary):
    plenary, seated, waiting = people
    assert look_up(plenary.id, checkin_code(seated)).outcome == "ready"
    assert seated.checked_in_at is None  # looking up checks nobody in
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


def test_online_delegates_may_not_enter_and_are_not_counted(open_plenary):
    plenary = open_plenary(capacity_in_person=5)
    online = signup.register(plenary.id, person("online@example.org", attendance="online")).created[0]
    here = signup.register(plenary.id, person("here@example.org")).created[0]
    there = signup.register(plenary.id, person("there@example.org")).created[0]
    db.session.commit()
    assert check_in(plenary.id, checkin_code(online), "door").outcome == "online"
    assert online.checked_in_at is None
    assert arrivals(plenary.id) == (0, 2)  # in-person confirmed only
    assert check_in(plenary.id, checkin_code(here), "door").outcome == "arrived"
    db.session.commit()
    assert arrivals(plenary.id) == (1, 2)
    changes.cancel(there.id)
    db.session.commit()
    assert arrivals(plenary.id) == (1, 1)


def test_undo_takes_the_check_in_back_with_an_audit_entry(people):
    plenary, seated, waiting = people
    check_in(plenary.id, checkin_code(seated), "door@isa.example")
    db.session.commit()
    assert arrivals(plenary.id) == (1, 1)
    undone = undo_check_in(plenary.id, seated.id)
    db.session.commit()
    assert undone is seated and seated.checked_in_at is None and seated.checked_in_by is None
    assert arrivals(plenary.id) == (0, 1)
    [entry] = entries("registration.checkin_undone")
    assert entry.object_id == seated.id and entry.changes["checked_in_by"] == ["door@isa.example", None]
    assert undo_check_in(plenary.id, seated.id) is None  # nothing left to undo
    assert undo_check_in(plenary.id, waiting.id) is None
    assert check_in(plenary.id, checkin_code(seated), "door").outcome == "arrived"  # and in again


def _login(client, role):
    create_user(f"{role}@isa.example", Role(role), PASSWORD)
    db.session.commit()
    assert client.post("/admin/login", data={"email": f"{role}@isa.example", "password": PASSWORD}).status_code == 302


def _checked_in(registration_id: int):
    db.session.expire_all()
    return db.session.get(Registration, registration_id).checked_in_at


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
    assert wrong.status_code == 422 and "on the waiting list, without a seat" in wrong.get_data(as_text=True)
    assert client.get(f"/admin/plenaries/{plenary.slug}/checkin/count").get_json() == {"arrived": 1, "confirmed": 1}


def test_the_qr_url_shows_the_person_and_a_get_never_checks_in(client, people):
    plenary, seated, _waiting = people
    _login(client, "organizer")
    url = checkin_url(seated)
    assert url.startswith(f"https://plenary.example.org/admin/plenaries/{plenary.slug}/checkin?code=")
    for path in (url.removeprefix("https://plenary.example.org") + "&lang=en",
                 f"/admin/plenaries/{plenary.slug}/checkin?lang=en&q={checkin_code(seated).lower()}",
                 f"/admin/plenaries/{plenary.slug}/checkin?lang=en&q={url}"):  # fmt: skip
        shown = client.get(path)
        body = shown.get_data(as_text=True)
        assert shown.status_code == 200 and "Dr. Zoë Schmidt" in body and "May enter" in body, path
        assert f'name="registration" value="{seated.id}"' in body
        assert _checked_in(seated.id) is None  # prefetchers and link scanners open URLs: showing is not arriving
    confirmed = client.post(f"/admin/plenaries/{plenary.slug}/checkin?lang=en", data={"registration": seated.id})
    assert confirmed.status_code == 200 and "Welcome!" in confirmed.get_data(as_text=True)
    assert _checked_in(seated.id) is not None
    assert "Undo check-in" in client.get(url.removeprefix("https://plenary.example.org")).get_data(as_text=True)


def test_the_qr_url_brings_a_logged_out_organizer_back_after_login(client, people):
    plenary, seated, _waiting = people
    create_user("organizer@isa.example", Role.ORGANIZER, PASSWORD)
    db.session.commit()
    path = checkin_url(seated).removeprefix("https://plenary.example.org")
    to_login = client.get(path)
    assert to_login.status_code == 302 and "/admin/login" in to_login.location
    form = client.get(to_login.location).get_data(as_text=True)
    next_value = re.search(r'name="next"[^>]*value="([^"]*)"', form) or re.search(r'value="([^"]*)"[^>]*name="next"',
                                                                                    form)  # fmt: skip
    logged_in = client.post("/admin/login", data={"email": "organizer@isa.example", "password": PASSWORD,
                                                  "next": next_value.group(1).replace("&amp;", "&")})  # fmt: skip
    assert logged_in.status_code == 302 and logged_in.location.endswith(path)
    assert "Zoë" in client.get(logged_in.location).get_data(as_text=True)
    assert _checked_in(seated.id) is None


def test_undo_on_the_door_page(client, people):
    plenary, seated, _waiting = people
    _login(client, "organizer")
    client.post(f"/admin/plenaries/{plenary.slug}/checkin", data={"registration": seated.id})
    assert _checked_in(seated.id) is not None
    url = f"/admin/plenaries/{plenary.slug}/checkin/{seated.id}/undo"
    assert client.get(url).status_code == 405  # only a POST undoes
    undone = client.post(url + "?lang=en", follow_redirects=True)
    assert "Check-in undone: Dr. Zoë Schmidt" in undone.get_data(as_text=True) and "0 of 1 arrived" in undone.get_data(
        as_text=True)  # fmt: skip
    assert _checked_in(seated.id) is None and len(entries("registration.checkin_undone")) == 1
    nothing = client.post(url + "?lang=en", follow_redirects=True)
    assert "no check-in to undo" in nothing.get_data(as_text=True)


def test_undo_needs_the_csrf_token(make_app, open_registration_document):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        from plenary.events.exchange import import_plenary

        plenary = import_plenary(open_registration_document)[0]
        db.session.commit()
        seated = signup.register(plenary.id, person("seat@example.org")).created[0]
        check_in(plenary.id, checkin_code(seated), "door")
        create_user("organizer@isa.example", Role.ORGANIZER, PASSWORD)
        db.session.commit()
        client = app.test_client()
        login = client.get("/admin/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login).group(1)
        client.post("/admin/login", data={"email": "organizer@isa.example", "password": PASSWORD,
                                          "csrf_token": token})  # fmt: skip
        url = f"/admin/plenaries/{plenary.slug}/checkin/{seated.id}/undo"
        assert client.post(url).status_code == 400
        assert _checked_in(seated.id) is not None


def test_times_at_the_door_are_in_the_plenarys_zone(client, make_plenary):
    from tests.conftest import open_registration

    plenary = make_plenary(timezone="Asia/Shanghai", registration=open_registration())
    here = signup.register(plenary.id, person("foshan@example.cn")).created[0]
    db.session.commit()
    with time_machine.travel(datetime(2031, 10, 15, 6, 5, tzinfo=UTC)):  # 14:05 in Foshan, 08:05 in Berlin
        check_in(plenary.id, checkin_code(here), "door")
        db.session.commit()
    _login(client, "organizer")
    body = client.get(f"/admin/plenaries/{plenary.slug}/checkin?lang=en&code={checkin_code(here)}").get_data(
        as_text=True)  # fmt: skip
    assert "14:05" in body and "Beijing" in body and "08:05" not in body


def test_door_answers_carry_the_back_offices_private_headers(app, client, people):
    """The page that shows the scanned person is a back-office page: never stored, never indexed."""
    plenary, seated, waiting = people
    _login(client, "organizer")
    office = client.get("/admin/")
    private = {name: office.headers[name] for name in ("Cache-Control", "X-Robots-Tag")}
    assert private == {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}
    url = f"/admin/plenaries/{plenary.slug}/checkin"
    answers = [client.get(url), client.post(url, data={"code": checkin_code(seated)}),
               client.post(url, data={"code": checkin_code(waiting)}), client.get(f"{url}/count"),
               client.get(f"{url}?q=Schmidt")]  # fmt: skip
    assert [answer.status_code for answer in answers] == [200, 200, 422, 200, 200]
    assert "Zoë" in answers[1].get_data(as_text=True) and "Zoë" in answers[4].get_data(as_text=True)
    for answer in answers:
        assert {name: answer.headers.get(name) for name in private} == private
    assert app.url_map.bind("localhost").match(url)[0] == "admin.checkin"


def test_viewers_and_visitors_cannot_check_in(client, people):
    plenary, seated, _waiting = people
    url = f"/admin/plenaries/{plenary.slug}/checkin"
    assert client.post(url, data={"code": checkin_code(seated)}).status_code == 302  # to the login page
    check_in(plenary.id, checkin_code(seated), "door")
    db.session.commit()
    _login(client, "viewer")
    assert client.post(url, data={"registration": seated.id}).status_code == 403
    assert client.get(f"{url}?code={checkin_code(seated)}").status_code == 403
    assert client.post(f"{url}/{seated.id}/undo").status_code == 403
    assert _checked_in(seated.id) is not None and entries("registration.checkin_undone") == []


def test_personal_page_shows_the_qr_code_of_the_door_url(client, people):
    _plenary, seated, waiting = people
    page = client.get(f"/registrations/{token_for(seated)}").get_data(as_text=True)
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page and checkin_code(seated) in page
    # The image is the QR code of the door URL (what a phone's camera app opens), not of the bare code.
    paths = set(re.findall(r'<path[^>]* d="([^"]+)"', page))
    assert _qr_path(checkin_url(seated)) in paths and _qr_path(checkin_code(seated)) not in paths
    assert "<svg" not in client.get(f"/registrations/{token_for(waiting)}").get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(sa.table("attendance"))) == 0


def _qr_path(content: str) -> str:
    """The drawing (SVG path) of ``content``'s QR code as segno makes it for the personal page."""
    import io

    buffer = io.BytesIO()
    segno.make(content, error="m").save(buffer, kind="svg", scale=5, border=2, xmldecl=False, svgns=True)
    return re.search(r' d="([^"]+)"', buffer.getvalue().decode()).group(1)


@pytest.mark.parametrize("status, reason", [
    ("cancelled", "the registration has been cancelled"),
    ("rejected", "the organizers did not accept the registration"),
    ("waitlisted", "on the waiting list, without a seat"),
    ("offered", "a seat has been offered but not yet accepted"),
    ("pending", "the registration still awaits the organizers' confirmation"),
])  # fmt: skip
def test_the_door_says_why_someone_may_not_enter(client, people, status, reason):
    plenary, seated, _waiting = people
    _login(client, "organizer")
    db.session.execute(sa.update(Registration).where(Registration.id == seated.id).values(status=status))
    db.session.commit()
    shown = client.get(f"/admin/plenaries/{plenary.slug}/checkin?lang=en&code={checkin_code(seated)}")
    body = shown.get_data(as_text=True)
    assert shown.status_code == 422 and f"May not enter: {reason}." in body
    assert "is not confirmed" not in body


def test_the_login_from_a_door_url_says_why(client, people):
    plenary, seated, _waiting = people
    hint = "Log in to check in the delegate at the door."
    to_login = client.get(checkin_url(seated).removeprefix("https://plenary.example.org"))
    assert hint in client.get(to_login.location + "&lang=en").get_data(as_text=True)
    assert hint not in client.get("/admin/login?lang=en").get_data(as_text=True)
    door = f"/admin/plenaries/{plenary.slug}/checkin"
    for elsewhere in ("/admin/plenaries", "//evil.example" + door, "https://evil.example" + door, door + "/count"):
        page = client.get("/admin/login", query_string={"next": elsewhere, "lang": "en"})
        assert hint not in page.get_data(as_text=True)
