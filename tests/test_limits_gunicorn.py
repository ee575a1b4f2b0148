"""Limits hold across the worker processes of a real gunicorn, counted in Redis (db 2 of the local server).

With memory:// each of the 4 workers would count on its own (up to 4 × the limit); with Redis the limit is
exact. The login attempts are sent one after another (each on a new connection, so any worker may take it):
the question there is whether the workers share their counts. The registrations come as one parallel burst,
half of them with an "add a delegate" key in the body (the bypass that was seen).
"""

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from plenary.auth.models import Role
from plenary.auth.services import create_user
from plenary.extensions import db
from plenary.registration.models import Registration
from tests.conftest import PASSWORD, open_registration, plenary_document
from tests.test_registration_concurrency import http_request, serve

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/2")
WORKERS = 4


@pytest.fixture
def redis_db():
    """The Redis database the limiter counts in, emptied before and after."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"Redis is not running at {REDIS_URL}")
    client.flushdb()
    yield client
    client.flushdb()


@contextmanager
def gunicorn(database_url: str, log_path: Path, **config):
    """``gunicorn -w 4 wsgi:app`` on a free port, configured through FLASK_* variables only; yields the port."""
    settings = {"SECRET_KEY": "limits-test-secret", "PUBLIC_URL": "https://plenary.example.org",
                "RATELIMIT_ENABLED": True, "OUTBOX_DELIVER_AFTER_REQUEST": False, **config}  # fmt: skip
    with serve(database_url, log_path.parent / "mail", log_path, workers=WORKERS, ready_path="/admin/login",
               **settings) as port:  # fmt: skip
        yield port


def _attempt(port: int, email: str, password: str, address: str) -> int:
    body = urlencode({"email": email, "password": password})
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": address}
    return http_request(port, "POST", "/admin/login", body, headers)[0]


def test_login_limits_hold_across_four_workers(make_app, database_url, tmp_path, redis_db):
    app = make_app()
    with app.app_context():
        create_user("owner@isa.example", Role.ORGANIZER, PASSWORD)
        db.session.commit()
        db.session.remove()
    log = tmp_path / "gunicorn.log"
    config = {"RATELIMIT_STORAGE_URI": REDIS_URL, "WTF_CSRF_ENABLED": False, "TRUSTED_PROXIES": 1,
              "LOGIN_RATE_LIMIT": "5 per minute", "LOGIN_ACCOUNT_RATE_LIMIT": "8 per hour"}  # fmt: skip
    with gunicorn(database_url, log, **config) as port:
        # Per address: 5 failures, then every attempt from there waits, on whichever worker it lands.
        from_one = [_attempt(port, "owner@isa.example", "guess!", "192.0.2.1") for _ in range(16)]
        # Per account: 5 failures so far; from fresh addresses 3 more fail, then the account refuses strangers.
        from_many = [_attempt(port, "owner@isa.example", "guess!", f"192.0.2.{10 + i}") for i in range(6)]
        # Another account from a fresh address is not affected.
        other = _attempt(port, "nobody@isa.example", "guess!", "192.0.2.50")
    assert from_one == [400] * 5 + [429] * 11, log.read_text()
    assert from_many == [400] * 3 + [429] * 3, log.read_text()
    assert other == 400
    assert "RATELIMIT_STORAGE_URI=memory" not in log.read_text()  # no per-process warning with Redis


def test_a_parallel_burst_of_registrations_from_one_address_stores_exactly_the_budget(
        make_app, database_url, tmp_path, redis_db):  # fmt: skip
    from plenary.events.exchange import import_plenary
    from tests.test_registration_views import FORM

    app = make_app()
    with app.app_context():
        import_plenary(plenary_document(registration=open_registration(capacity_in_person=500)))
        db.session.commit()
        db.session.remove()
    config = {"RATELIMIT_STORAGE_URI": REDIS_URL, "WTF_CSRF_ENABLED": False, "MAIL_FILE_DIR": str(tmp_path / "mail"),
              "REGISTRATION_RATE_LIMIT": "5 per minute", "REGISTRATION_FORM_RATE_LIMIT": "100 per minute"}  # fmt: skip
    bodies = [urlencode(FORM | {"email": f"burst{i}@example.org"} | ({"add_delegate": ""} if i % 2 else {}))
              for i in range(16)]  # fmt: skip
    barrier = threading.Barrier(len(bodies), timeout=60)

    def submit(body: str) -> int:
        barrier.wait()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        return http_request(port, "POST", "/plenaries/test-plenary/register", body, headers)[0]

    log = tmp_path / "gunicorn.log"
    with gunicorn(database_url, log, **config) as port, ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        codes = list(pool.map(submit, bodies))
    with app.app_context():
        stored = db.session.scalar(sa.select(sa.func.count()).select_from(Registration))
    assert stored == 5, (codes, log.read_text())
    assert sorted(codes[0::2]) == [302] * 5 + [429] * 3 and codes[1::2] == [200] * 8, codes
