"""Limits that hold: what counts against which budget, what a single anonymous request may cost, startup warnings."""

import logging

import pytest
import sqlalchemy as sa

from plenary import create_app
from plenary.auth.models import Role
from plenary.auth.services import create_user
from plenary.extensions import db
from plenary.registration import signup
from plenary.registration.forms import DelegateForm
from plenary.registration.models import Registration
from plenary.registration.tokens import token_for
from tests.conftest import PASSWORD, open_registration, person, plenary_document
from tests.test_registration_views import FORM

REGISTER = "/plenaries/test-plenary/register"


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Registration))


@pytest.fixture
def limited(make_app):
    """Factory: an app with rate limiting on (``config`` overrides) and an open plenary with room for many."""

    def make(**config):
        from plenary.events.exchange import import_plenary

        app = make_app(RATELIMIT_ENABLED=True, **config)
        with app.app_context():
            import_plenary(plenary_document(registration=open_registration(capacity_in_person=500)))
            db.session.commit()
        return app

    return make


def _submission(i: int, **extra) -> dict:
    return FORM | {"email": f"delegate{i}@example.org"} | extra


# Registration: stored submissions, row presses, forms with mistakes


@pytest.mark.parametrize("row_key", [{"add_delegate": ""}, {"add_delegate": "1"}, {"remove_delegate": "x"},
                                     {"remove_delegate": "0"}])  # fmt: skip
def test_a_submission_with_a_row_key_never_stores(limited, monkeypatch, row_key):
    app = limited(REGISTRATION_RATE_LIMIT="3 per minute", REGISTRATION_FORM_RATE_LIMIT="100 per minute")
    calls = []
    monkeypatch.setattr(signup, "register", lambda *args, **kwargs: calls.append(args))
    client = app.test_client()
    with app.app_context():
        codes = {client.post(REGISTER, data=_submission(i, **row_key)).status_code for i in range(4)}
        assert codes == {200} and calls == [] and _count() == 0


def test_the_registration_limit_holds_with_row_keys_in_the_body(limited):
    app = limited(REGISTRATION_RATE_LIMIT="3 per minute", REGISTRATION_FORM_RATE_LIMIT="100 per minute")
    client = app.test_client()
    with app.app_context():
        tries = [_submission(i, add_delegate="") if i % 2 else _submission(i) for i in range(8)]
        tries += [_submission(100 + i, remove_delegate="x") for i in range(4)]
        tries += [_submission(200 + i) for i in range(4)]
        codes = [client.post(REGISTER, data=data).status_code for data in tries]
        assert _count() == 3  # N = 3: of 16 submissions (half of them with add/remove keys) at most 3 are stored
        assert codes.count(302) == 3 and codes[-1] == 429


def _delegation(i: int, size: int) -> dict:
    """A submission of a head and ``size`` delegates at strangers' addresses."""
    rows = {}
    for n in range(size):
        rows |= {f"delegates-{n}-first_name": "Claim", f"delegates-{n}-last_name": f"Seat {n}",
                 f"delegates-{n}-email": f"stranger{i}-{n}@victims.example", f"delegates-{n}-attendance": "in_person"}
    return _submission(i) | rows


def test_the_budget_counts_people_not_submissions(limited):
    """Seen: 11 submissions of a head and 20 delegates each stored 210 people (and mailed 200 strangers)."""
    app = limited(REGISTRATION_RATE_LIMIT="6 per minute", REGISTRATION_FORM_RATE_LIMIT="100 per minute")
    client = app.test_client()
    with app.app_context():
        assert client.post(REGISTER, data=_delegation(1, 4)).status_code == 302  # 5 people of 6
        assert _count() == 5
        assert client.post(REGISTER, data=_delegation(2, 1)).status_code == 429  # 2 more do not fit: nothing stored
        assert _count() == 5
        assert client.post(REGISTER, data=_submission(3)).status_code == 302  # the one that fits
        assert _count() == 6


def test_a_budget_smaller_than_a_full_delegation_warns_at_startup(tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'w.sqlite'}",
                    "REGISTRATION_RATE_LIMIT": "10 per minute", "REGISTRATION_MAX_DELEGATES": 20})  # fmt: skip
    assert any("full delegation (21)" in record.getMessage() for record in caplog.records)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'w.sqlite'}"})
    assert not any("full delegation" in record.getMessage() for record in caplog.records)


def test_forms_with_mistakes_do_not_use_up_the_registration_budget(limited):
    app = limited(REGISTRATION_RATE_LIMIT="2 per minute", REGISTRATION_FORM_RATE_LIMIT="100 per minute")
    client = app.test_client()
    with app.app_context():
        mistakes = [client.post(REGISTER, data=_submission(i) | {"consent_privacy": ""}).status_code for i in range(6)]
        assert mistakes == [400] * 6
        codes = [client.post(REGISTER, data=_submission(10 + i)).status_code for i in range(3)]
        assert codes == [302, 302, 429] and _count() == 2


def test_row_presses_have_their_own_larger_budget(limited):
    app = limited(REGISTRATION_RATE_LIMIT="2 per minute", REGISTRATION_FORM_RATE_LIMIT="5 per minute")
    client = app.test_client()
    with app.app_context():
        codes = [client.post(REGISTER, data=_submission(i, add_delegate="1")).status_code for i in range(6)]
        assert codes == [200] * 5 + [429] and _count() == 0
        other = app.test_client()
        assert other.post(REGISTER, data=_submission(50), environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code == 302


def test_the_budget_is_per_address(limited):
    app = limited(REGISTRATION_RATE_LIMIT="1 per minute")
    client = app.test_client()
    with app.app_context():
        first = client.post(REGISTER, data=_submission(1), environ_base={"REMOTE_ADDR": "10.0.0.1"})
        again = client.post(REGISTER, data=_submission(2), environ_base={"REMOTE_ADDR": "10.0.0.1"})
        elsewhere = client.post(REGISTER, data=_submission(3), environ_base={"REMOTE_ADDR": "10.0.0.2"})
        assert (first.status_code, again.status_code, elsewhere.status_code) == (302, 429, 302)


def test_every_post_on_personal_pages_is_limited(limited):
    app = limited(REGISTRATION_PERSONAL_RATE_LIMIT="4 per minute")
    with app.app_context():
        from plenary.events.models import Plenary

        plenary = db.session.scalar(sa.select(Plenary))
        registration = signup.register(plenary.id, person("anna@example.org")).created[0]
        db.session.commit()
        token = token_for(registration)
        client = app.test_client()
        # One budget for all of them, also for made-up links (guessing costs the same).
        codes = [client.post(f"/registrations/{token}/edit", data={"first_name": ""}).status_code,
                 client.post(f"/registrations/{token}/attendance", data={"attendance": "x"}).status_code,
                 client.post("/registrations/not-a-token/cancel").status_code,
                 client.post("/registrations/not-a-token/erase").status_code]  # fmt: skip
        assert 429 not in codes
        for action in ("edit", "attendance", "cancel", "reactivate", "erase"):
            assert client.post(f"/registrations/{token}/{action}").status_code == 429, action
        assert client.get(f"/registrations/{token}").status_code == 200  # reading stays open
        assert registration.status == "confirmed"


# Amplification: many delegate rows


def _rows(count: int) -> dict:
    return {f"delegates-{i}-{name}": value for i in range(count)
            for name, value in (("first_name", "Wei"), ("last_name", f"Zhang {i}"),
                                ("email", f"wei{i}@example.cn"), ("position", "Referent"),
                                ("attendance", "online"))}  # fmt: skip


@pytest.fixture
def delegate_forms_built(monkeypatch):
    """How many delegate rows WTForms built (each row is one DelegateForm)."""
    built = []
    original = DelegateForm.__init__

    def counting(self, *args, **kwargs):
        built.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(DelegateForm, "__init__", counting)
    return built


def test_ten_thousand_rows_are_refused_before_any_is_built(make_app, delegate_forms_built):
    # The body cap for anonymous requests is raised here so that the row check itself is what refuses.
    app = make_app(ANONYMOUS_MAX_CONTENT_LENGTH=4 * 1024 * 1024, REGISTRATION_MAX_DELEGATES=20)
    with app.app_context():
        from plenary.events.exchange import import_plenary

        import_plenary(plenary_document(registration=open_registration(capacity_in_person=50_000)))
        db.session.commit()
        data = FORM | _rows(10_000)
        response = app.test_client().post(REGISTER + "?lang=en", data=data)
        body = response.get_data(as_text=True)
        assert response.status_code == 400
        assert "At most 20 further delegates per submission." in body
        assert len(response.data) < 150_000  # the normal form with 20 rows, not 10,000 of them
        assert 'value="Zoë"' in body and 'name="delegates-19-email"' in body and "delegates-20-" not in body
        assert len(delegate_forms_built) <= 20
        assert _count() == 0


def test_one_row_too_many_is_refused_with_the_message_in_the_visitors_language(make_app):
    app = make_app(REGISTRATION_MAX_DELEGATES=2)
    with app.app_context():
        from plenary.events.exchange import import_plenary

        import_plenary(plenary_document(registration=open_registration(capacity_in_person=50)))
        db.session.commit()
        client = app.test_client()
        refused = client.post(REGISTER + "?lang=de", data=FORM | _rows(3))
        assert refused.status_code == 400 and _count() == 0
        assert "Pro Anmeldung sind höchstens 2 weitere Delegationsmitglieder möglich." in refused.get_data(as_text=True)
        # A press of "add a delegate" with too many rows is refused the same way.
        assert client.post(REGISTER, data=FORM | _rows(3) | {"add_delegate": "1"}).status_code == 400
        assert client.post(REGISTER, data=FORM | _rows(2)).status_code == 302 and _count() == 3


def test_a_large_anonymous_body_is_refused_before_it_is_read(make_app, delegate_forms_built):
    app = make_app()
    with app.app_context():
        from plenary.events.exchange import import_plenary

        import_plenary(plenary_document(registration=open_registration()))
        db.session.commit()
        client = app.test_client()
        response = client.post(REGISTER + "?lang=en", data=FORM | _rows(10_000))  # about 1.8 MB
        assert response.status_code == 413 and len(response.data) < 20_000
        assert "What you sent is larger than this page accepts." in response.get_data(as_text=True)
        assert delegate_forms_built == [] and _count() == 0
        login = client.post("/admin/login?lang=en", data={"email": "a@example.org", "password": "x" * 600_000})
        assert login.status_code == 413


def test_staff_keep_the_large_limit_for_uploads(make_app):
    from flask import request

    app = make_app()
    app.add_url_rule("/probe", "probe", lambda: str(request.max_content_length), methods=["POST"])
    app.add_url_rule("/admin/probe", "admin_probe", lambda: str(request.max_content_length), methods=["POST"])
    with app.app_context():
        create_user("organizer@isa.example", Role.ORGANIZER, PASSWORD)
        db.session.commit()
    client = app.test_client()
    small = str(app.config["ANONYMOUS_MAX_CONTENT_LENGTH"])
    assert client.post("/probe").get_data(as_text=True) == small
    assert client.post("/admin/probe").get_data(as_text=True) == small  # not logged in
    assert client.post("/admin/login", data={"email": "organizer@isa.example", "password": PASSWORD}).status_code == 302
    assert client.post("/admin/probe").get_data(as_text=True) == str(app.config["MAX_CONTENT_LENGTH"])
    assert client.post("/probe").get_data(as_text=True) == str(app.config["MAX_CONTENT_LENGTH"])


# Logins: failures per address and per account


def _login(client, email, password, address):
    return client.post("/admin/login?lang=en", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})  # fmt: skip


@pytest.fixture
def login_app(make_app):
    """Factory: rate limits on, with two accounts (owner@isa.example and other@isa.example)."""

    def make(**config):
        app = make_app(RATELIMIT_ENABLED=True, **config)
        with app.app_context():
            create_user("owner@isa.example", Role.ORGANIZER, PASSWORD)
            create_user("other@isa.example", Role.ORGANIZER, PASSWORD)
            db.session.commit()
        return app

    return make


def test_failures_from_one_address_do_not_lock_the_owner_out_elsewhere(login_app):
    app = login_app(LOGIN_RATE_LIMIT="3 per minute")
    attacker = app.test_client()
    codes = [_login(attacker, "owner@isa.example", "guess!", "203.0.113.7").status_code for _ in range(5)]
    assert codes == [400, 400, 400, 429, 429]
    assert _login(attacker, "owner@isa.example", PASSWORD, "203.0.113.7").status_code == 429  # that address waits
    assert _login(app.test_client(), "owner@isa.example", PASSWORD, "198.51.100.1").status_code == 302


def test_only_failures_count_against_an_address(login_app):
    app = login_app(LOGIN_RATE_LIMIT="2 per minute")
    for _ in range(5):
        assert _login(app.test_client(), "owner@isa.example", PASSWORD, "198.51.100.1").status_code == 302


def test_failures_against_one_account_from_many_addresses_are_limited(login_app):
    app = login_app(LOGIN_RATE_LIMIT="100 per minute", LOGIN_ACCOUNT_RATE_LIMIT="4 per hour")
    owner_address = "198.51.100.1"
    assert _login(app.test_client(), "owner@isa.example", PASSWORD, owner_address).status_code == 302
    client = app.test_client()
    codes = [_login(client, "OWNER@isa.example ", "guess!", f"203.0.113.{i}").status_code for i in range(1, 7)]
    assert codes == [400, 400, 400, 400, 429, 429]  # the account's budget counts across addresses and spellings
    assert _login(client, "owner@isa.example", PASSWORD, "203.0.113.9").status_code == 429  # an unknown address
    # The owner, at an address the account has logged in from, still gets in; so does any other account.
    assert _login(app.test_client(), "owner@isa.example", PASSWORD, owner_address).status_code == 302
    assert _login(app.test_client(), "other@isa.example", PASSWORD, "203.0.113.9").status_code == 302
    assert _login(app.test_client(), "other@isa.example", "guess!", "203.0.113.9").status_code == 400


def test_unknown_accounts_are_limited_alike(login_app):
    app = login_app(LOGIN_RATE_LIMIT="100 per minute", LOGIN_ACCOUNT_RATE_LIMIT="2 per hour")
    client = app.test_client()
    for email in ("owner@isa.example", "nobody@isa.example"):
        codes = [_login(client, email, "guess!", f"203.0.113.{i}").status_code for i in range(1, 4)]
        assert codes == [400, 400, 429], email


def test_every_failure_gets_the_same_answer_and_the_refusal_is_in_the_visitors_language(login_app):
    app = login_app(LOGIN_RATE_LIMIT="2 per minute")
    client = app.test_client()
    wrong = _login(client, "owner@isa.example", "guess!", "203.0.113.7").get_data(as_text=True)
    unknown = _login(client, "nobody@isa.example", "guess!", "203.0.113.7").get_data(as_text=True)
    assert "Email or password is wrong." in wrong and wrong.replace("owner@", "nobody@") == unknown
    refused = client.post("/admin/login?lang=de", data={"email": "owner@isa.example", "password": "x"},
                          environ_base={"REMOTE_ADDR": "203.0.113.7"})  # fmt: skip
    assert refused.status_code == 429 and "Zu viele Versuche" in refused.get_data(as_text=True)


# Per-process counting: the warning at startup


def _production_app(tmp_path, **config):
    return create_app({"SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite'}",
                       "PUBLIC_URL": "https://plenary.example.org", **config}, instance_path=str(tmp_path))  # fmt: skip


def _limit_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.levelno == logging.WARNING and "FLASK_RATELIMIT_STORAGE_URI" in r.getMessage()]  # fmt: skip


def test_memory_storage_outside_debug_warns_at_startup(tmp_path, caplog, monkeypatch):
    monkeypatch.setenv("SERVER_SOFTWARE", "gunicorn/27.0.1")
    with caplog.at_level(logging.WARNING):
        _production_app(tmp_path)
    (message,) = _limit_warnings(caplog)
    assert "each worker process counts on its own" in message and "gunicorn" in message
    assert "redis://" in message


def test_no_warning_for_flask_commands(tmp_path, caplog):
    """`flask db upgrade`, `flask demo`, `flask run` are one process each: scripts/run printed the warning 3 times."""
    import click

    with caplog.at_level(logging.WARNING), click.Context(click.Command("demo")):
        _production_app(tmp_path)
    assert _limit_warnings(caplog) == []


def test_no_warning_with_redis_or_in_testing(tmp_path, caplog, monkeypatch):
    monkeypatch.setenv("SERVER_SOFTWARE", "gunicorn/27.0.1")
    with caplog.at_level(logging.WARNING):
        _production_app(tmp_path, RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/2")
        _production_app(tmp_path, TESTING=True)
        _production_app(tmp_path, RATELIMIT_ENABLED=False)
    assert _limit_warnings(caplog) == []


def test_with_redis_unreachable_logins_and_registrations_still_work_and_are_limited_per_process(limited, caplog,
                                                                                              monkeypatch):
    """Seen: with the limiter's Redis down, every login and registration answered 500 (pages still 200)."""
    app = limited(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0",  # nothing listens on port 1
                  REGISTRATION_RATE_LIMIT="2 per minute", LOGIN_RATE_LIMIT="100 per minute")  # fmt: skip
    from flask.logging import default_handler

    from plenary.extensions import limiter

    # Flask-Limiter keeps "the storage is dead" on its one extension object (per process, as in production): this
    # test starts, and leaves the process, with it alive, whatever ran before.
    monkeypatch.setattr(limiter, "_storage_dead", False)

    # A Redis that hangs costs a quarter of a second (the default), and the fallback is said in the server's log.
    pool = limiter._storage.storage.connection_pool.connection_kwargs
    assert pool["socket_timeout"] == pool["socket_connect_timeout"] == 0.25
    assert default_handler in logging.getLogger("flask-limiter").handlers
    with app.app_context():
        create_user("organizer@isa.example", Role.ORGANIZER, PASSWORD)
        db.session.commit()
    client = app.test_client()
    with caplog.at_level(logging.WARNING):
        login = client.post("/admin/login", data={"email": "organizer@isa.example", "password": PASSWORD})
        assert login.status_code == 302  # logged in
        assert [client.post(REGISTER, data=_submission(i)).status_code for i in range(3)] == [302, 302, 429]
    with app.app_context():
        assert _count() == 2  # the budget still holds, counted in this process
    assert "rate limit storage unreachable" in caplog.text.lower()  # Flask-Limiter's warning, or ratelimits.py's


def test_a_server_on_sqlite_that_shares_redis_warns_at_startup(tmp_path, caplog):
    """Seen: a misspelt DATABASE_URL made one app server of a Redis site run on its own SQLite file, silently."""
    sqlite = f"sqlite:///{tmp_path / 'w.sqlite'}"
    with caplog.at_level(logging.WARNING):
        create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": sqlite, "CACHE_REDIS_URL": "redis://127.0.0.1:6379/15"})
    assert any("keeps its data in SQLite" in r.getMessage() and "FLASK_CACHE_REDIS_URL" in r.getMessage()
               for r in caplog.records)  # fmt: skip
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": sqlite})  # the embedded default: nothing to say
    assert not any("keeps its data in SQLite" in r.getMessage() for r in caplog.records)
