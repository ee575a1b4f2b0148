"""Back-office sessions that end, Secure cookies and HSTS over HTTPS, and no-store on pages with personal data.

Every session test copies a logged-in browser's session cookie into a second client with another address and
another browser (a stolen cookie), shows that the copy works, then replays it after the event that must end it.
These tests use an app without a pushed application context, so that each request has its own (as in
production): Flask-Login's per-request cache of the user cannot carry a session over from one request to the next.
The clock is moved with time-machine.
"""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from plenary.auth.models import Role, User, UserSession
from plenary.auth.services import create_user
from plenary.extensions import db
from plenary.registration import signup
from plenary.registration.tokens import token_for
from tests.conftest import PASSWORD, login, person

THIEF = {"REMOTE_ADDR": "203.0.113.66", "HTTP_USER_AGENT": "Another Browser/1.0"}
START = datetime(2031, 3, 3, 8, 0, tzinfo=UTC)


@pytest.fixture
def site(make_app):
    """An app (no context pushed) with an admin, a second admin and an organizer."""
    app = make_app()
    with app.app_context():
        for email, role in (("admin@isa.example", Role.ADMIN), ("admin2@isa.example", Role.ADMIN),
                            ("organizer@isa.example", Role.ORGANIZER)):
            create_user(email, role, PASSWORD)
        db.session.commit()
    return app


def user_id(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(User.id).where(User.email == email))


def logged_in(app, email: str):
    """A client (a browser) logged in as ``email``."""
    client = app.test_client()
    assert login(client, email).status_code == 302
    assert client.get("/admin/").status_code == 200
    return client


def stolen(app, victim):
    """A client at another address, with another browser, holding a copy of ``victim``'s session cookie."""
    thief = app.test_client()
    thief.environ_base.update(THIEF)
    thief.set_cookie(app.config["SESSION_COOKIE_NAME"], victim.get_cookie(app.config["SESSION_COOKIE_NAME"]).value)
    return thief


def shut_out(client) -> bool:
    """True if ``client`` is sent to the login page and sees nothing of the back office."""
    response = client.get("/admin/")
    return response.status_code == 302 and response.headers["Location"].startswith("/admin/login")


def test_logout_ends_that_session_and_no_other(site):
    victim = logged_in(site, "organizer@isa.example")
    elsewhere = logged_in(site, "organizer@isa.example")  # the same person on another computer
    thief = stolen(site, victim)
    assert thief.get("/admin/").status_code == 200  # the copy works from another address and browser

    assert victim.post("/admin/logout").status_code == 302
    assert shut_out(thief) and shut_out(victim)
    assert thief.get("/admin/password").status_code == 302
    assert elsewhere.get("/admin/").status_code == 200  # logout ends this session only


def test_a_password_change_ends_every_session_but_keeps_the_one_who_changed_it(site):
    victim = logged_in(site, "organizer@isa.example")
    elsewhere = logged_in(site, "organizer@isa.example")
    thief = stolen(site, victim)
    assert thief.get("/admin/").status_code == 200

    new = "a brand new passphrase"
    response = victim.post("/admin/password", data={"current": PASSWORD, "new": new, "confirm": new})
    assert response.status_code == 302
    assert victim.get("/admin/").status_code == 200  # a new session for the browser that changed it
    assert shut_out(thief) and shut_out(elsewhere)  # the copy had the same session as the victim


def test_an_admin_password_reset_ends_every_session_of_the_account(site):
    victim = logged_in(site, "organizer@isa.example")
    thief = stolen(site, victim)
    admin = logged_in(site, "admin@isa.example")
    target = user_id(site, "organizer@isa.example")
    assert admin.post(f"/admin/accounts/{target}/password", data={"password": "set by the admin 1"}).status_code == 302
    assert shut_out(thief) and shut_out(victim)
    assert admin.get("/admin/").status_code == 200


@pytest.mark.parametrize("data", [{"role": "viewer", "active": "y"}, {"role": "organizer"}],
                         ids=["role change", "deactivation"])  # fmt: skip
def test_a_role_change_or_deactivation_ends_every_session_of_the_account(site, data):
    victim = logged_in(site, "organizer@isa.example")
    elsewhere = logged_in(site, "organizer@isa.example")
    thief = stolen(site, victim)
    admin = logged_in(site, "admin@isa.example")
    target = user_id(site, "organizer@isa.example")
    assert thief.get("/admin/").status_code == 200

    assert admin.post(f"/admin/accounts/{target}/edit", data=data).status_code == 302
    assert shut_out(thief) and shut_out(victim) and shut_out(elsewhere)
    assert admin.get("/admin/").status_code == 200  # the admin's own session is untouched


def test_a_name_change_ends_no_session(site):
    victim = logged_in(site, "organizer@isa.example")
    admin = logged_in(site, "admin@isa.example")
    target = user_id(site, "organizer@isa.example")
    data = {"name": "Olga", "role": "organizer", "active": "y"}
    assert admin.post(f"/admin/accounts/{target}/edit", data=data).status_code == 302
    assert victim.get("/admin/").status_code == 200


def test_an_admin_who_changes_their_own_role_stays_logged_in_but_a_copy_does_not(site):
    admin = logged_in(site, "admin@isa.example")
    thief = stolen(site, admin)
    me = user_id(site, "admin@isa.example")
    assert admin.post(f"/admin/accounts/{me}/edit", data={"role": "organizer", "active": "y"}).status_code == 302
    assert admin.get("/admin/").status_code == 200 and admin.get("/admin/accounts").status_code == 403
    assert shut_out(thief)


def test_a_session_ends_after_the_idle_timeout(site):
    with time_machine.travel(START, tick=False) as clock:
        victim = logged_in(site, "organizer@isa.example")
        thief = stolen(site, victim)
        clock.shift(timedelta(hours=1, minutes=50))
        assert victim.get("/admin/").status_code == 200  # activity within the idle timeout keeps it alive
        clock.shift(timedelta(hours=1, minutes=50))
        assert thief.get("/admin/").status_code == 200  # 3 h 40 after the login, 1 h 50 after the last request
        clock.shift(timedelta(hours=2, minutes=1))
        assert shut_out(thief) and shut_out(victim)


def test_activity_does_not_extend_a_session_beyond_its_absolute_lifetime(site):
    with time_machine.travel(START, tick=False) as clock:
        victim = logged_in(site, "organizer@isa.example")
        thief = stolen(site, victim)
        for _ in range(5):  # a request every 95 minutes, up to 7 h 55 after the login
            clock.shift(timedelta(minutes=95))
            assert victim.get("/admin/").status_code == 200
        assert thief.get("/admin/").status_code == 200
        clock.shift(timedelta(minutes=6))  # 8 h 1 min after the login, 6 minutes after the last request
        assert shut_out(thief) and shut_out(victim)
        assert login(victim, "organizer@isa.example").status_code == 302  # logging in again works
        assert victim.get("/admin/").status_code == 200


def test_the_lifetimes_are_configurable(make_app):
    app = make_app(PERMANENT_SESSION_LIFETIME=3600, SESSION_IDLE_TIMEOUT=600)
    with app.app_context():
        create_user("organizer@isa.example", Role.ORGANIZER, PASSWORD)
        db.session.commit()
    with time_machine.travel(START, tick=False) as clock:
        victim = logged_in(app, "organizer@isa.example")
        clock.shift(timedelta(minutes=9))
        assert victim.get("/admin/").status_code == 200
        clock.shift(timedelta(minutes=11))
        assert shut_out(victim)
        victim = logged_in(app, "organizer@isa.example")
        for _ in range(6):  # up to 54 minutes after the login
            clock.shift(timedelta(minutes=9))
            assert victim.get("/admin/").status_code == 200
        clock.shift(timedelta(minutes=7))  # 61 minutes after the login
        assert shut_out(victim)


def test_a_remember_me_cookie_opens_nothing(site):
    from flask_login.utils import encode_cookie

    with site.app_context():
        value = encode_cookie(str(user_id(site, "admin@isa.example")))
    thief = site.test_client()
    thief.environ_base.update(THIEF)
    thief.set_cookie(site.config.get("REMEMBER_COOKIE_NAME", "remember_token"), value)
    assert shut_out(thief)


def test_the_server_keeps_no_usable_token(site):
    client = logged_in(site, "organizer@isa.example")
    cookie = client.get_cookie(site.config["SESSION_COOKIE_NAME"]).value
    with site.app_context():
        rows = db.session.scalars(sa.select(UserSession)).all()
        assert len(rows) == 1 and rows[0].revoked_at is None and len(rows[0].id) == 64
        from flask.sessions import SecureCookieSessionInterface

        token = SecureCookieSessionInterface().get_signing_serializer(site).loads(cookie)["login_session"]
        assert token != rows[0].id and token not in rows[0].id


# --- Secure cookies, HSTS, Cache-Control -----------------------------------------------------------------------

HTTPS = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7", "X-Forwarded-Host": "plenary.example.org"}


def set_cookies(response) -> dict[str, str]:
    """Set-Cookie headers by cookie name."""
    return {value.split("=", 1)[0]: value for value in response.headers.getlist("Set-Cookie")}


def secure(header: str) -> bool:
    return "secure" in [part.strip().lower() for part in header.split(";")]


def test_behind_a_tls_proxy_cookies_are_secure_and_hsts_is_sent(make_app):
    app = make_app(TRUSTED_PROXIES=1)
    with app.app_context():
        create_user("organizer@isa.example", Role.ORGANIZER, PASSWORD)
        db.session.commit()
    client = app.test_client()
    response = client.post("/admin/login", data={"email": "organizer@isa.example", "password": PASSWORD},
                           headers=HTTPS)  # fmt: skip
    assert response.status_code == 302
    assert secure(set_cookies(response)["session"])
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    language = client.get("/?lang=en", headers=HTTPS)
    assert secure(set_cookies(language)["plenary_lang"]) and "Strict-Transport-Security" in language.headers

    # The same app over plain HTTP: neither.
    plain = app.test_client()
    response = plain.post("/admin/login", data={"email": "organizer@isa.example", "password": PASSWORD})
    assert response.status_code == 302 and not secure(set_cookies(response)["session"])
    assert "Strict-Transport-Security" not in response.headers
    assert not secure(set_cookies(plain.get("/?lang=en"))["plenary_lang"])


def test_without_a_trusted_proxy_its_headers_make_nothing_secure(make_app):
    app = make_app(TRUSTED_PROXIES=0)
    with app.app_context():
        create_user("organizer@isa.example", Role.ORGANIZER, PASSWORD)
        db.session.commit()
    response = app.test_client().post("/admin/login", data={"email": "organizer@isa.example", "password": PASSWORD},
                                      headers=HTTPS)  # fmt: skip
    assert not secure(set_cookies(response)["session"]) and "Strict-Transport-Security" not in response.headers


def test_session_cookie_secure_makes_every_cookie_secure_even_over_http(make_app):
    app = make_app(SESSION_COOKIE_SECURE=True, HSTS_MAX_AGE=0)
    with app.app_context():
        create_user("organizer@isa.example", Role.ORGANIZER, PASSWORD)
        db.session.commit()
    client = app.test_client()
    response = client.post("/admin/login", data={"email": "organizer@isa.example", "password": PASSWORD})
    assert secure(set_cookies(response)["session"])
    assert secure(set_cookies(client.get("/?lang=zh"))["plenary_lang"])
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP (and switched off)


def test_hsts_max_age_is_configurable_and_zero_switches_it_off(make_app):
    for max_age, expected in ((600, "max-age=600"), (0, None)):
        app = make_app(TRUSTED_PROXIES=1, HSTS_MAX_AGE=max_age)
        assert app.test_client().get("/", headers=HTTPS).headers.get("Strict-Transport-Security") == expected


def test_pages_with_personal_data_are_never_stored_public_pages_may_be(app, client, accounts, open_plenary):
    plenary = open_plenary()
    registration = signup.register(plenary.id, person("zoe@example.org")).created[0]
    db.session.commit()
    token = token_for(registration)
    private = ["/admin/login", f"/plenaries/{plenary.slug}/register", f"/plenaries/{plenary.slug}/register/sent",
               f"/registrations/{token}", f"/registrations/{token}/edit", f"/registrations/{token}/cancel",
               f"/registrations/{token}/invite.ics", f"/registrations/{token}/data.json", "/registrations/nonsense"]
    for path in private:
        response = client.get(path)
        assert response.headers.get("Cache-Control") == "no-store", path
        assert response.headers.get("X-Robots-Tag") == "noindex", path

    login(client, "organizer@isa.example")
    for path in ("/admin/", f"/admin/plenaries/{plenary.slug}/checkin", "/admin/password", "/admin/nonsense"):
        response = client.get(path)
        assert response.status_code in (200, 404), path
        assert response.headers.get("Cache-Control") == "no-store", path

    for path in (f"/plenaries/{plenary.slug}", "/calendar.ics", f"/plenaries/{plenary.slug}.ics", "/", "/news/"):
        response = client.get(path)  # even for a logged-in organizer: nothing personal on them
        assert response.status_code == 200, path
        assert "no-store" not in response.headers.get("Cache-Control", ""), path
    assert client.get("/calendar.ics").headers["Cache-Control"] == "public, max-age=300"


def test_noting_a_session_after_another_writer_waits_instead_of_failing(site):
    """SQLite cannot turn a read that another writer overtook into a write ("database is locked" at once): the
    note of a request starts its own write transaction (seen as 500s in the back office under the browser test)."""
    from plenary.auth.sessions import live_session, start_session, touch_session

    uid = user_id(site, "organizer@isa.example")
    with site.app_context():
        with time_machine.travel(START, tick=False):
            token = start_session(db.session.get(User, uid))
            db.session.commit()
        later = START + timedelta(minutes=5)
        assert live_session(uid, token, later) is not None  # the request's read transaction is open now
        with db.engine.connect() as other:  # another worker writes and commits meanwhile
            other.execute(sa.update(User).where(User.email == "admin@isa.example").values(name="Another writer"))
            other.commit()
        assert touch_session(token, later)
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(UserSession, next(iter(db.session.scalars(sa.select(UserSession.id))))).last_seen_at \
            == later


def test_the_login_page_says_why_a_login_ended(site):
    """A stolen or stale cookie is sent to the login page with the reason; a fresh visitor sees no such note."""
    victim = logged_in(site, "organizer@isa.example")
    thief = stolen(site, victim)
    assert victim.post("/admin/logout").status_code == 302
    response = thief.post("/admin/plenaries/new", data={"number": "12"})
    assert response.status_code == 302 and "ended=1" in response.headers["Location"]
    page = thief.get(response.headers["Location"] + "&lang=de").get_data(as_text=True)
    assert "Ihre Anmeldung ist beendet" in page
    fresh = site.test_client().get("/admin/", follow_redirects=True).get_data(as_text=True)
    assert "Ihre Anmeldung ist beendet" not in fresh and "Anmelden" in fresh
