"""Scale out: two app servers (gunicorn with gunicorn.conf.py, 2 workers each) on one PostgreSQL and one Redis.

Nothing is per server: the session cookie is signed with the shared FLASK_SECRET_KEY (a form fetched from one
server is submitted to the other), rate limits and the page cache live in Redis (db 8 of the local server, or
TEST_SCALE_REDIS_URL), files in the database's store, the outbox's leases in PostgreSQL. The test sends the
200-person burst to both servers at once (alternating), runs two outbox workers (``flask jobs run-due``) side by
side, then checks: exactly the seats confirmed, every person exactly one message, a document uploaded through
A served byte for byte by B, a change made on A shown at once by B's (cached) public page, a login budget
counted across both, and no token of a personal link in either access log.

PostgreSQL only: several servers share one database server, which SQLite (a file on one host) cannot be.
"""

import json
import os
import re
import subprocess
import sys
import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from plenary.agenda.models import AgendaItem
from plenary.auth.models import Role
from plenary.auth.services import create_user
from plenary.extensions import db
from plenary.mail.models import OutboxMessage
from plenary.registration.models import Registration
from tests.conftest import PASSWORD, open_registration, plenary_document
from tests.test_admin_plenaries import form_fields
from tests.test_registration_concurrency import (
    CSRF_INPUT,
    VALUE,
    _form_data,
    _wait_until_serving,
    free_port,
    http_request,
    stop,
)

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("TEST_SCALE_REDIS_URL", "redis://127.0.0.1:6379/8")
SLUG = "scale"
SEATS = 50
PEOPLE = 200
CONTACT = "organizers@example.org"
ORGANIZER = "organizer@isa.example"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n" + os.urandom(2048)


@pytest.fixture
def postgres_url(database_url) -> str:
    """The PostgreSQL test database (skipped on SQLite with the reason; conftest fails it in CI when missing)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("scale-out runs several app servers on one database server: PostgreSQL only (SQLite is a file "
                    "on one host)")  # fmt: skip
    return database_url


@pytest.fixture
def redis_db():
    """Redis db 8 (rate limits and the page cache of both servers), emptied before and after."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI") or os.environ.get("PLENARY_REQUIRE_POSTGRES"):
            raise
        pytest.skip(f"Redis is not running at {REDIS_URL}")
    client.flushdb()
    yield client
    client.flushdb()


def _environment(database_url: str, mail_dir: Path) -> dict:
    """What every server and worker of the site gets: the same FLASK_* settings (as in env.example)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "GUNICORN_")) and k != "DATABASE_URL"}
    settings = {
        "SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "scale-out-shared-secret",
        "PUBLIC_URL": "https://plenary.example.org", "MAIL_FILE_DIR": str(mail_dir),
        "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": REDIS_URL, "CACHE_REDIS_URL": REDIS_URL,
        "TRUSTED_PROXIES": 1, "LOGIN_RATE_LIMIT": "3 per minute",
        # Every test client comes from 127.0.0.1: the burst must not meet the per-address budgets.
        "REGISTRATION_RATE_LIMIT": "1000 per minute", "REGISTRATION_FORM_RATE_LIMIT": "1000 per minute",
        "OUTBOX_DELIVER_AFTER_REQUEST": False,  # the workers send (flask jobs run-due), as with M workers
    }  # fmt: skip
    for key, value in settings.items():
        env[f"FLASK_{key}"] = value if isinstance(value, str) else json.dumps(value)
    return env


@contextmanager
def app_server(env: dict, log_path: Path, access_log: Path, instance: Path):
    """``gunicorn -c gunicorn.conf.py`` with 2 workers on a free port, its own instance folder; yields the port."""
    port = free_port()
    env = env | {"WEB_CONCURRENCY": "2", "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_ACCESS_LOG": str(access_log),
                 "SCALE_INSTANCE_PATH": str(instance)}  # fmt: skip
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    with open(log_path, "wb") as log:
        process = subprocess.Popen([gunicorn, "-c", "gunicorn.conf.py", "tests.scale_wsgi:app"], cwd=ROOT, env=env,
                                   stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        _wait_until_serving(process, port, log_path, "/healthz")
        yield port
    finally:
        stop(process)


class Browser:
    """One visitor with a cookie jar, talking to whichever server it is pointed at."""

    def __init__(self):
        self.cookies: dict[str, str] = {}

    def request(self, port: int, method: str, path: str, body: bytes | str | None = None,
                content_type: str | None = None, headers: dict | None = None):  # fmt: skip
        """Send one request with the jar's cookies; keep what it sets; return (status, headers, body)."""
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if content_type:
            headers["Content-Type"] = content_type
        status, answer, data = http_request(port, method, path, body, headers)
        for cookie in answer.get_all("Set-Cookie") or []:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            self.cookies[name] = value
        return status, answer, data

    def form(self, port: int, path: str, action: str) -> dict:
        """The values of the form at ``path`` whose action contains ``action`` (its CSRF token included)."""
        status, _, body = self.request(port, "GET", path)
        assert status == 200, (path, status)
        return form_fields(body.decode(), action)


def _burst(ports: list[int]) -> list[tuple[str, int]]:
    """PEOPLE visitors, alternating: each fetches the form from one server and submits it to the other, all at
    the same moment; (email, status) of each."""
    barrier = threading.Barrier(PEOPLE, timeout=120)

    def one(index: int) -> tuple[str, int]:
        address, browser = f"delegate{index:03d}@example.org", Browser()
        first, second = ports[index % 2], ports[(index + 1) % 2]
        try:
            status, _, body = browser.request(first, "GET", f"/plenaries/{SLUG}/register")
            assert status == 200, status
            token = VALUE.search(CSRF_INPUT.search(body).group(0)).group(1).decode()
        except BaseException:
            barrier.abort()
            raise
        barrier.wait()
        status, _, _ = browser.request(second, "POST", f"/plenaries/{SLUG}/register", _form_data(index, address, token),
                                       "application/x-www-form-urlencoded")  # fmt: skip
        return address, status

    with ThreadPoolExecutor(max_workers=PEOPLE) as pool:
        return list(pool.map(one, range(PEOPLE)))


def _multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    """A multipart/form-data body and its content type."""
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, value in fields.items()]  # fmt: skip
    for name, (filename, data) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: application/pdf\r\n\r\n".encode() + data + b"\r\n")  # fmt: skip
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _run_workers(env: dict, instance: Path, count: int = 2) -> None:
    """``count`` outbox workers (``flask jobs run-due``, on a host of their own) at once, until nothing is due."""
    flask = str(Path(sys.executable).with_name("flask"))
    processes = [subprocess.Popen([flask, "--app", "tests.scale_wsgi", "jobs", "run-due"], cwd=ROOT,
                                  env=env | {"SCALE_INSTANCE_PATH": str(instance / str(n))}, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT) for n in range(count)]  # fmt: skip
    for process in processes:
        output, _ = process.communicate(timeout=300)
        assert process.returncode == 0, output.decode(errors="replace")


def _logs(*paths: Path) -> str:
    return "\n".join(path.read_text(errors="replace")[-4000:] for path in paths if path.exists())


def test_two_app_servers_on_one_database_and_one_redis(make_app, postgres_url, redis_db, tmp_path):
    from flask_migrate import upgrade

    from plenary.events.editing import save_plenary

    app = make_app(create_schema=False)
    with app.app_context():
        upgrade()
        save_plenary(plenary_document(slug=SLUG, agenda=[], contact_email=CONTACT, registration=open_registration(
            capacity_in_person=SEATS, waitlist=True)))  # fmt: skip
        create_user(ORGANIZER, Role.ORGANIZER, PASSWORD)
        db.session.commit()
        plenary_id = db.session.scalar(sa.text("SELECT id FROM plenary"))
        db.session.remove()
    mail_dir = tmp_path / "mail"
    env = _environment(postgres_url, mail_dir)
    logs = [tmp_path / name for name in ("a.log", "a-access.log", "b.log", "b-access.log")]
    with ExitStack() as servers:
        a = servers.enter_context(app_server(env, logs[0], logs[1], tmp_path / "instance-a"))
        b = servers.enter_context(app_server(env, logs[2], logs[3], tmp_path / "instance-b"))

        # The burst, to both at once: exactly the seats, then the waiting list.
        results = _burst([a, b])
        assert Counter(status for _, status in results) == {302: PEOPLE}, _logs(*logs)
        with app.app_context():
            registrations = db.session.scalars(sa.select(Registration).where(Registration.plenary_id == plenary_id)
                                               .order_by(Registration.id)).all()  # fmt: skip
            assert Counter(r.status for r in registrations) == {"confirmed": SEATS, "waitlisted": PEOPLE - SEATS}
            assert sorted(r.email for r in registrations) == sorted(email for email, _ in results)
            statuses = {r.email: str(r.status) for r in registrations}
            db.session.remove()

        # Two workers side by side: every message claimed and sent once.
        _run_workers(env, tmp_path / "instance-worker")
        with app.app_context():
            messages = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
            to_people = Counter((m.recipient, m.kind) for m in messages if m.recipient != CONTACT)
            assert to_people == {(email, f"registration_{status}"): 1 for email, status in statuses.items()}
            assert Counter((m.status, m.attempts) for m in messages) == {("sent", 1): len(messages)}
            db.session.remove()
        assert sorted(int(path.name.split("-", 1)[0]) for path in mail_dir.glob("*.eml")) == [m.id for m in messages]

        # Rate limits are counted in Redis: 3 failed logins per address, whichever server takes them.
        stranger = Browser()
        attempts = []
        for port in (a, b, a, b):
            fields = stranger.form(port, "/admin/login", "")  # the form posts to its own address
            attempts.append(stranger.request(port, "POST", "/admin/login", urlencode(
                fields | {"email": "nobody@isa.example", "password": "guess!"}), "application/x-www-form-urlencoded",
                {"X-Forwarded-For": "192.0.2.7"})[0])  # fmt: skip
        assert attempts == [400, 400, 400, 429]

        # The organizer logs in on A (the session is a signed cookie: B knows it too) and uploads a document on A.
        organizer = Browser()
        fields = organizer.form(a, "/admin/login", "")
        status, headers, _ = organizer.request(a, "POST", "/admin/login", urlencode(
            fields | {"email": ORGANIZER, "password": PASSWORD}), "application/x-www-form-urlencoded")  # fmt: skip
        assert status == 302, _logs(*logs)
        assert organizer.request(b, "GET", f"/admin/plenaries/{SLUG}/agenda")[0] == 200  # logged in on B as well
        fields = organizer.form(a, f"/admin/plenaries/{SLUG}/agenda/new", "/agenda/new")
        fields |= {"kind": "presentation", "title-de": "Studie", "title-en": "Study", "day": "2031-10-15",
                   "start_time": "10:00", "duration_minutes": "30", "document_title-de": "Studie"}  # fmt: skip
        body, content_type = _multipart(fields, {"document_file": ("study.pdf", PDF)})
        status, _, page = organizer.request(a, "POST", f"/admin/plenaries/{SLUG}/agenda/new", body, content_type)
        assert status == 302, page.decode(errors="replace")[-3000:]
        with app.app_context():
            name = db.session.scalar(sa.select(AgendaItem.document_name).where(AgendaItem.document_name.is_not(None)))
            db.session.remove()
        status, headers, served = Browser().request(b, "GET", f"/documents/{name}.pdf")
        assert (status, served) == (200, PDF)
        assert headers["Content-Type"] == "application/pdf" and headers["Content-Disposition"].startswith("inline;")
        unchanged = Browser().request(b, "GET", f"/documents/{name}.pdf", headers={"If-None-Match": headers["ETag"]})
        assert unchanged[0] == 304

        # A change on A shows at once on B's public page (fetched first, so that B has cached it).
        visitor = Browser()
        for _ in range(2):
            status, _, page = visitor.request(b, "GET", f"/plenaries/{SLUG}?lang=de")
            assert status == 200 and "42. Plenarversammlung" in page.decode()
        # B answered the second fetch from the shared cache: the page is stored in Redis, under its language.
        assert redis_db.keys(f"plenary:page:*:de:/plenaries/{SLUG}?lang=de")
        fields = organizer.form(a, f"/admin/plenaries/{SLUG}/edit", f"/admin/plenaries/{SLUG}/edit")
        status, _, page = organizer.request(a, "POST", f"/admin/plenaries/{SLUG}/edit", urlencode(
            fields | {"title-de": "43. Plenarversammlung, verlegt"}), "application/x-www-form-urlencoded")  # fmt: skip
        assert status == 302, page.decode(errors="replace")[-3000:]
        status, _, page = visitor.request(b, "GET", f"/plenaries/{SLUG}?lang=de")
        assert status == 200 and "43. Plenarversammlung, verlegt" in page.decode()

        # Personal links leave no token in the access logs (gunicorn.conf.py).
        secret = "Tok3n-" + uuid.uuid4().hex
        for path in (f"/registrations/{secret}", f"/join/{secret}", f"/survey/{secret}?x=1"):
            assert Browser().request(a, "GET", path)[0] == 404
            assert Browser().request(b, "GET", path)[0] == 404
    access = logs[1].read_text() + logs[3].read_text()
    assert secret not in access and access.count('"GET /registrations/… HTTP/1.1" 404') == 2
    assert f"/documents/{name}.pdf" in logs[3].read_text()  # other paths are logged as they are
    assert not re.search(r"delegate\d{3}@example\.org", access)
    # Neither server kept a file of its own (no uploads, no secret key file).
    assert sorted(p.name for p in (tmp_path / "instance-a").iterdir()) == []
    assert sorted(p.name for p in (tmp_path / "instance-b").iterdir()) == []
