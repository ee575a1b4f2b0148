"""The back office's accounts and access (first slice of the back-office issue)."""

import re

import pytest
import sqlalchemy as sa

from plenary.auth.models import Role
from plenary.auth.services import create_user
from plenary.extensions import db
from plenary.registration import signup
from plenary.registration.models import Registration
from tests.conftest import PASSWORD, login, person
from tests.helpers import count_queries


@pytest.fixture
def registered(open_plenary):
    plenary = open_plenary(capacity_in_person=1, requires_approval=True)
    registration = signup.register(plenary.id, person("secret.person@example.org")).created[0]
    db.session.commit()
    return registration


def test_users_create_command(app, runner):
    result = runner.invoke(args=["users", "create", "Anna@ISA.example", "--role", "organizer", "--password-stdin"],
                           input=PASSWORD + "\n")  # fmt: skip
    assert result.exit_code == 0 and "Created organizer account anna@isa.example." in result.output
    again = runner.invoke(args=["users", "create", "anna@isa.example", "--role", "viewer", "--password-stdin"],
                          input=PASSWORD + "\n")  # fmt: skip
    assert again.exit_code == 1 and "exists already" in again.output
    short = runner.invoke(args=["users", "create", "b@isa.example", "--role", "viewer", "--password-stdin"],
                          input="short\n")  # fmt: skip
    assert short.exit_code == 1 and "at least 12 characters" in short.output
    prompted = runner.invoke(args=["users", "create", "c@isa.example", "--role", "admin"],
                             input=f"{PASSWORD}\n{PASSWORD}\n")  # fmt: skip
    assert prompted.exit_code == 0
    from plenary.auth.models import User

    user = db.session.scalar(sa.select(User).where(User.email == "anna@isa.example"))
    assert user.password_hash.startswith("scrypt:") and PASSWORD not in user.password_hash


def test_login_gives_one_answer_for_unknown_address_and_wrong_password(client, accounts):
    unknown = login(client, "nobody@isa.example")
    wrong = login(client, "viewer@isa.example", "wrong password!")
    assert unknown.status_code == wrong.status_code == 400
    strip = re.compile(r'value="[^"]*"')
    assert strip.sub("", unknown.get_data(as_text=True)) == strip.sub("", wrong.get_data(as_text=True))
    assert "E-Mail-Adresse oder Passwort ist falsch." in wrong.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_login_and_logout(client, accounts):
    response = login(client, "viewer@isa.example")
    assert response.status_code == 302 and response.headers["Location"] == "/admin/"
    cookie = response.headers["Set-Cookie"]
    assert "Expires=" in cookie and "HttpOnly" in cookie  # the session expires (8 hours)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/logout").status_code == 405  # only POST logs out
    assert client.post("/admin/logout").status_code == 302
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize(("next_url", "expected"), [
    ("/admin/plenaries/x/registrations", "/admin/plenaries/x/registrations"),
    ("https://evil.example/admin/", "/admin/"), ("//evil.example/admin/", "/admin/"), ("/\\evil.example", "/admin/"),
    ("/news/", "/admin/"), ("javascript:alert(1)", "/admin/"),
])  # fmt: skip
def test_next_only_to_our_own_back_office_paths(client, accounts, next_url, expected):
    assert login(client, "viewer@isa.example", next_url=next_url).headers["Location"] == expected


def test_login_is_rate_limited(make_app):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    with app.app_context():
        create_user("viewer@isa.example", Role.VIEWER, PASSWORD)
        db.session.commit()
        client = app.test_client()
        codes = [login(client, "viewer@isa.example", "wrong password!").status_code for _ in range(4)]
        assert codes == [400, 400, 400, 429]
        assert login(client, "viewer@isa.example").status_code == 429  # even the right password must wait


def test_password_change(client, accounts):
    login(client, "organizer@isa.example")
    wrong = client.post("/admin/password", data={"current": "nope", "new": "a" * 12, "confirm": "a" * 12})
    assert wrong.status_code == 400
    new = "new password 2026"
    ok = client.post("/admin/password", data={"current": PASSWORD, "new": new, "confirm": new})
    assert ok.status_code == 302
    client.post("/admin/logout")
    assert login(client, "organizer@isa.example").status_code == 400
    assert login(client, "organizer@isa.example", "new password 2026").status_code == 302


def _admin_urls(app, registration_id: int, slug: str) -> list[tuple[str, str]]:
    """Every /admin/ route of the URL map (but login), with sample arguments, and its methods."""
    samples = {"slug": slug, "registration_id": registration_id, "action": "approve"}
    # Other ids: 1 (an object that may not exist; the answer must still be refused).
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin") or rule.endpoint == "auth.login":
            continue
        values = {name: samples.get(name, 1) for name in rule.arguments}
        for name, converter in rule._converters.items():
            choices = getattr(converter, "items", None)  # <any(open, close):action>: one of its own values
            if choices and values[name] not in choices:
                values[name] = sorted(choices)[0]
        with app.test_request_context():
            url = app.url_for(rule.endpoint, **values)
        urls += [(method, url) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return urls


def test_no_admin_route_answers_anonymous_users_with_data(app, client, registered):
    urls = _admin_urls(app, registered.id, registered.plenary.slug)
    assert len(urls) >= 6
    for method, url in urls:
        response = client.open(url, method=method)
        assert response.status_code in (302, 400, 401, 403, 405), (method, url, response.status_code)
        assert "secret.person" not in response.get_data(as_text=True), (method, url)
        if response.status_code == 302:
            assert response.headers["Location"].startswith("/admin/login")
    assert registered.status == "pending"  # nothing changed


def test_viewers_read_but_change_nothing(app, client, accounts, registered):
    login(client, "viewer@isa.example")
    for method, url in _admin_urls(app, registered.id, registered.plenary.slug):
        if url in ("/admin/logout", "/admin/password"):
            continue  # one's own session and password are everyone's to change (tested on their own)
        response = client.open(url, method=method)
        if method == "GET":
            # reading, a page only for organizers (the door), or a sample id that does not exist; or sent on to
            # another back-office page (a survey's preview before there is a survey shows the survey's page)
            assert response.status_code in (200, 302, 403, 404), url
            if response.status_code == 302:
                assert response.headers["Location"].startswith("/admin/") and "/login" not in response.headers[
                    "Location"], url  # fmt: skip
        else:
            assert response.status_code == 403, (method, url)  # no change of any kind
    assert registered.status == "pending"
    page = client.get(f"/admin/registrations/{registered.id}").get_data(as_text=True)
    assert "secret.person@example.org" in page and "/approve" not in page  # no buttons for viewers


def test_organizer_approves_from_the_back_office(client, accounts, registered):
    login(client, "organizer@isa.example")
    response = client.post(f"/admin/registrations/{registered.id}/approve")
    assert response.status_code == 302
    assert registered.status == "confirmed"
    again = client.post(f"/admin/registrations/{registered.id}/approve", follow_redirects=True)
    assert "Das ist bei dieser Anmeldung nicht möglich." in again.get_data(as_text=True)
    assert client.post(f"/admin/registrations/{registered.id}/delete").status_code == 404


def test_registration_list_search_filter_and_query_count(app, client, accounts, open_plenary):
    plenary = open_plenary(capacity_in_person=None)
    for i in range(30):
        signup.register(plenary.id, person(f"p{i}@example.org", last_name=f"Name{i}", organisation=f"Org {i % 3}"))
        db.session.commit()
    login(client, "viewer@isa.example")
    page = client.get("/admin/plenaries/test-plenary/registrations?q=name1").get_data(as_text=True)
    assert "Name1" in page and "Name12" in page and "Name2 " not in page
    with count_queries() as queries:
        assert client.get("/admin/plenaries/test-plenary/registrations").status_code == 200
    # The login's session and account (3), the page (8, with the questions and the attendance records): none per row.
    assert queries.count <= 11
    assert client.get("/admin/plenaries/test-plenary/registrations?status=bogus&page=abc").status_code == 200
    assert client.get("/admin/plenaries/nope/registrations").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 30


def test_huge_ids_and_nul_characters_are_refused_not_errors(client, accounts, registered):
    login(client, "admin@isa.example")
    big = 2**31
    for url in (f"/admin/registrations/{big}", f"/admin/messages/{big}", f"/admin/members/{big}/edit",
                f"/admin/accounts/{big}/edit", f"/admin/announcements/{big}/edit"):  # fmt: skip
        assert client.get(url).status_code == 404, url
    assert client.post(f"/admin/registrations/{big}/approve").status_code == 404
    slug = registered.plenary.slug
    for url in (f"/admin/plenaries/{slug}/registrations?q=%00", f"/admin/plenaries/{slug}/registrations/export?q=a%00",
                "/admin/audit?actor=%00", "/admin/plenaries/%00/edit", "/plenaries/%00"):  # fmt: skip
        assert client.get(url).status_code == 400, url
    assert client.post(f"/admin/registrations/{registered.id}/edit", data={"first_name": "A\x00"}).status_code == 400
