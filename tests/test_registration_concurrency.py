"""Capacity under a real burst: gunicorn with 4 worker processes, 200 people at once, 50 seats.

Each scenario migrates a database (SQLite file or the PostgreSQL test database), imports an
open plenary with 50 in-person seats and a waitlist, starts a real gunicorn on a free local
port and lets 200 clients submit the sign-up form at the same moment (threads released by a
barrier, each with its own session cookie and CSRF token). With the capacity lock the outcome
must be exact; with the lock switched off the same burst must break it, which shows that the
test can see the race at all.

A race window (``serve(race_window=…)``: tests/race_wsgi.py, a test-only WSGI module, patches
the app before serving; production's configuration knows nothing of it) makes each request that
found a free seat wait before it takes it, so that the race is visible reliably on two cores
without the lock (``serve(capacity_lock=False)``), and so that the lock is shown to hold even then. On SQLite the race
shows as "database is locked" errors rather than overbooking (see the last test).

bench/registration_burst.py reuses ``serve``, ``burst`` and ``create_race_plenary`` to measure.
"""

import email
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from plenary.extensions import db
from plenary.mail.models import OutboxMessage
from plenary.registration.models import Registration
from tests.conftest import plenary_document

ROOT = Path(__file__).resolve().parent.parent
SLUG = "race"
SEATS = 50
PEOPLE = 200
WORKERS = 4
CONTACT = "organizers@example.org"
#: Seconds each seat-taking request waits between its count and its insert: long enough that the
#: requests of 4 workers overlap in it on 2 busy cores (0.1 already overbooked every time, so this
#: has twice the margin), short enough that 50 seats × this stays ~10 s under the lock.
RACE_WINDOW = 0.2
#: Socket timeout of every request; gunicorn's worker timeout is longer, so no request dies silently.
REQUEST_TIMEOUT = 60
#: How long messages may take to be written after the burst (delivery starts right after each request).
MAIL_DEADLINE = 20


def create_race_plenary(app, seats: int = SEATS) -> int:
    """Migrate the app's database, import an open hybrid plenary with ``seats`` in-person seats; return its id."""
    from flask_migrate import upgrade

    from plenary.events.exchange import import_plenary

    now = datetime.now(UTC)
    document = plenary_document(
        slug=SLUG,
        starts_at=(now + timedelta(days=60)).isoformat(timespec="seconds"),
        ends_at=(now + timedelta(days=60, hours=4)).isoformat(timespec="seconds"),
        contact_email=CONTACT,
        agenda=[],
        registration={
            "opens_at": (now - timedelta(days=1)).isoformat(timespec="seconds"),
            "closes_at": (now + timedelta(days=30)).isoformat(timespec="seconds"),
            "capacity_in_person": seats,
            "capacity_online": None,
            "waitlist": True,
            "requires_approval": False,
        },
    )
    with app.app_context():
        upgrade()
        plenary, _ = import_plenary(document)
        db.session.commit()
        plenary_id = plenary.id
        db.session.remove()  # hold no transaction (or SQLite read lock) while gunicorn works
    return plenary_id


def free_port() -> int:
    """A TCP port on loopback that nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_request(port: int, method: str, path: str, body: str | None = None, headers: dict | None = None):
    """One HTTP request on a fresh connection (sync workers close it anyway); returns (status, headers, body)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


@contextmanager
def serve(database_url: str, mail_dir: Path, log_path: Path, workers: int = WORKERS,
          ready_path: str = f"/plenaries/{SLUG}/register", race_window: float = 0, capacity_lock: bool = True,
          **config) -> Iterator[int]:  # fmt: skip
    """Run ``gunicorn -w <workers> wsgi:app`` on a free port until the block ends; yields the port.

    The app is configured only through FLASK_* variables, as in production; ``config`` adds
    more (``OUTBOX_DELIVER_AFTER_REQUEST=False``). ``race_window`` (seconds) or ``capacity_lock=False``
    serve tests/race_wsgi.py's app instead, which patches the capacity decision to show the race.
    The server's log goes to ``log_path``; it is serving once ``ready_path`` answers 200.
    """
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_") and k != "DATABASE_URL"}
    settings = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "race-test-secret",
        "RATELIMIT_ENABLED": False,
        "MAIL_FILE_DIR": str(mail_dir),
        "OUTBOX_DELIVER_AFTER_REQUEST": True,
        **config,
    }
    for key, value in settings.items():
        # from_prefixed_env parses values as JSON; plain strings (paths, URLs) stay strings.
        env[f"FLASK_{key}"] = value if isinstance(value, str) else json.dumps(value)
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    command = [gunicorn, "-w", str(workers), "-b", f"127.0.0.1:{port}", "--timeout", "120",
               "--graceful-timeout", "10", "--log-level", "warning", "wsgi:app"]  # fmt: skip
    if race_window or not capacity_lock:
        env["RACE_WINDOW_SECONDS"] = str(race_window)
        env["RACE_NO_CAPACITY_LOCK"] = "0" if capacity_lock else "1"
        command[-1] = "tests.race_wsgi:app"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_until_serving(process, port, log_path, ready_path)
        yield port
    finally:
        stop(process)


@contextmanager
def jobs_worker(database_url: str, mail_dir: Path, log_path: Path) -> Iterator[subprocess.Popen]:
    """Run ``flask jobs worker`` (the production worker) on the database until the block ends."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_") and k != "DATABASE_URL"}
    env.update(FLASK_SQLALCHEMY_DATABASE_URI=database_url, FLASK_SECRET_KEY="race-test-secret",
               FLASK_MAIL_FILE_DIR=str(mail_dir))  # fmt: skip
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker", "--interval", "1"]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> None:
    """End a process started by a test (if it still runs): politely, then for good."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _wait_until_serving(process: subprocess.Popen, port: int, log_path: Path, path: str, seconds: float = 30) -> None:
    """Return once ``path`` answers 200; fail with gunicorn's log if it dies or never does."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{log_path.read_text()}")
        try:
            status, _, _ = http_request(port, "GET", path)
        except OSError:
            time.sleep(0.1)
            continue
        if status == 200:
            return
        raise RuntimeError(f"{path} answered {status}:\n{log_path.read_text()}")
    raise RuntimeError(f"gunicorn did not answer within {seconds} s:\n{log_path.read_text()}")


@dataclass
class Submission:
    """One client's POST: what it sent and what it got."""

    email: str
    status: int
    location: str | None
    started: float  # time.perf_counter() when the barrier released this client
    finished: float

    @property
    def seconds(self) -> float:
        """The POST's latency."""
        return self.finished - self.started


CSRF_INPUT = re.compile(rb'<input[^>]*name="csrf_token"[^>]*>')
VALUE = re.compile(rb'value="([^"]*)"')
LANGUAGES = ("de", "en", "zh")


def _form_session(port: int, slug: str) -> tuple[str, str]:
    """GET the form as a new visitor; return its cookies (as a Cookie header) and CSRF token."""
    status, headers, body = http_request(port, "GET", f"/plenaries/{slug}/register")
    if status != 200:
        raise RuntimeError(f"GET of the form answered {status}")
    cookies = "; ".join(value.split(";", 1)[0] for value in headers.get_all("Set-Cookie") or [])
    token = VALUE.search(CSRF_INPUT.search(body).group(0)).group(1).decode()
    return cookies, token


def _form_data(index: int, address: str, token: str) -> str:
    """A complete, valid submission (honeypot empty); the language cycles through all three."""
    return urlencode({
        "csrf_token": token, "salutation": "", "honorific": "Dr.", "first_name": "Delegate",
        "last_name": f"Nr. {index}", "name_zh": "", "organisation": "Stadt Köln", "position": "Referent",
        "member_city": "", "country": "DE", "email": address, "phone": "", "attendance": "in_person",
        "language": LANGUAGES[index % 3], "dietary": "", "remarks": "", "consent_privacy": "y",
        "website": "", "submit": "Register",
    })  # fmt: skip


def burst(port: int, count: int = PEOPLE, slug: str = SLUG) -> list[Submission]:
    """``count`` clients each fetch the form, then all POST at the same moment; returns their results."""
    barrier = threading.Barrier(count, timeout=120)

    def one(index: int) -> Submission:
        address = f"delegate{index:03d}@example.org"
        try:
            cookies, token = _form_session(port, slug)
        except BaseException:
            barrier.abort()  # release the others at once instead of letting them time out
            raise
        body = _form_data(index, address, token)
        headers = {"Cookie": cookies, "Content-Type": "application/x-www-form-urlencoded"}
        barrier.wait()
        started = time.perf_counter()
        status, response_headers, _ = http_request(port, "POST", f"/plenaries/{slug}/register", body, headers)
        return Submission(address, status, response_headers.get("Location"), started, time.perf_counter())

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


def _registrations(app, plenary_id: int) -> list[Registration]:
    with app.app_context():
        rows = db.session.scalars(
            sa.select(Registration).where(Registration.plenary_id == plenary_id).order_by(Registration.id)
        ).all()
        db.session.expunge_all()
        return list(rows)


def _log_tail(log_path: Path, lines: int = 60) -> str:
    return "\n".join(log_path.read_text(errors="replace").splitlines()[-lines:])


def _delivered_files(app, mail_dir: Path, seconds: float = MAIL_DEADLINE) -> tuple[list[OutboxMessage], list[Path]]:
    """Wait (polling, at most ``seconds``) until no message is pending; return messages and .eml files."""
    deadline = time.monotonic() + seconds
    while True:
        with app.app_context():
            messages = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
            db.session.expunge_all()
        files = sorted(mail_dir.glob("*.eml"))
        if all(m.status != "pending" for m in messages) and len(files) >= len(messages):
            return list(messages), files
        if time.monotonic() > deadline:
            return list(messages), files  # the assertions below say what is missing
        time.sleep(0.2)


@pytest.mark.parametrize("race_window", [0, RACE_WINDOW], ids=["no-delay", "with-race-window"])
def test_burst_fills_exactly_the_seats_then_the_waitlist(make_app, database_url, tmp_path, race_window):
    app = make_app(create_schema=False)
    plenary_id = create_race_plenary(app)
    mail_dir, log = tmp_path / "mail", tmp_path / "gunicorn.log"
    with serve(database_url, mail_dir, log, race_window=race_window) as port:
        submissions = burst(port)
        messages, files = _delivered_files(app, mail_dir)

    failed = [(s.email, s.status) for s in submissions if s.status != 302]
    assert failed == [], f"{len(failed)} POSTs were not redirected:\n{_log_tail(log)}"
    assert {s.location.split("://", 1)[-1].split("/", 1)[-1] for s in submissions} == {
        f"plenaries/{SLUG}/register/sent"
    }

    registrations = _registrations(app, plenary_id)
    assert sorted(r.email for r in registrations) == sorted(s.email for s in submissions)
    assert Counter(r.status for r in registrations) == {"confirmed": SEATS, "waitlisted": PEOPLE - SEATS}
    # Seats went in the order the lock was taken, which is the order of the ids.
    confirmed = [r.id for r in registrations if r.status == "confirmed"]
    waitlisted = [r.id for r in registrations if r.status == "waitlisted"]
    assert max(confirmed) < min(waitlisted)

    # Every person exactly one message, addressed to them and saying what happened to them, in
    # their language; the organizers one notice per person.
    to_people = [m for m in messages if m.recipient != CONTACT]
    assert Counter(m.recipient for m in to_people) == {r.email: 1 for r in registrations}
    by_email = {r.email: r for r in registrations}
    for message in to_people:
        registration = by_email[message.recipient]
        assert message.registration_id == registration.id
        assert message.kind == f"registration_{registration.status}"
        assert message.language == registration.language
    assert [m.kind for m in messages if m.recipient == CONTACT] == ["organizer_new_registration"] * PEOPLE

    # Delivered right after each request: every message sent once (one claim), one .eml file each.
    outcomes = Counter((m.status, m.attempts) for m in messages)
    assert outcomes == {("sent", 1): len(messages)}, f"(status, attempts) of the messages: {outcomes}\n{_log_tail(log)}"
    assert sorted(int(f.name.split("-", 1)[0]) for f in files) == [m.id for m in messages]
    addressed = Counter()
    for path in files:
        with open(path, "rb") as fh:
            addressed[email.message_from_binary_file(fh)["To"]] += 1
    assert addressed == Counter({**{s.email: 1 for s in submissions}, CONTACT: PEOPLE})


def test_burst_with_the_worker_sending_gives_every_person_one_message(make_app, database_url, tmp_path):
    """As in production: the web workers only store the mail (the default), the worker sends it during the burst."""
    app = make_app(create_schema=False)
    plenary_id = create_race_plenary(app)
    mail_dir, log = tmp_path / "mail", tmp_path / "gunicorn.log"
    with (jobs_worker(database_url, mail_dir, tmp_path / "worker.log") as worker,
          serve(database_url, mail_dir, log, OUTBOX_DELIVER_AFTER_REQUEST=False) as port):  # fmt: skip
        submissions = burst(port)
        messages, files = _delivered_files(app, mail_dir, seconds=120)
        assert worker.poll() is None, (tmp_path / "worker.log").read_text()

    assert Counter(s.status for s in submissions) == {302: PEOPLE}, _log_tail(log)
    registrations = _registrations(app, plenary_id)
    assert Counter(r.status for r in registrations) == {"confirmed": SEATS, "waitlisted": PEOPLE - SEATS}
    to_people = [m for m in messages if m.recipient != CONTACT]
    assert Counter(m.recipient for m in to_people) == {r.email: 1 for r in registrations}
    by_email = {r.email: r for r in registrations}
    assert all(m.kind == f"registration_{by_email[m.recipient].status}" for m in to_people)
    assert all(m.language == by_email[m.recipient].language for m in to_people)
    outcomes = Counter((m.status, m.attempts) for m in messages)
    assert outcomes == {("sent", 1): 2 * PEOPLE}, f"{outcomes}\n{(tmp_path / 'worker.log').read_text()[-3000:]}"
    assert sorted(int(f.name.split("-", 1)[0]) for f in files) == [m.id for m in messages]


def test_without_the_lock_the_burst_breaks_capacity(make_app, database_url, tmp_path):
    app = make_app(create_schema=False)
    plenary_id = create_race_plenary(app)
    log = tmp_path / "gunicorn.log"
    # Mail is not the question here: no delivery after the request, so each worker's time goes
    # to registering and the windows of the workers overlap as much as they can.
    with serve(database_url, tmp_path / "mail", log, capacity_lock=False, race_window=RACE_WINDOW,
               OUTBOX_DELIVER_AFTER_REQUEST=False) as port:  # fmt: skip
        submissions = burst(port)
    registrations = _registrations(app, plenary_id)
    confirmed = sum(r.status == "confirmed" for r in registrations)
    server_errors = sum(s.status >= 500 for s in submissions)
    if database_url.startswith("postgresql"):
        # READ COMMITTED: each worker counts the seats committed so far, waits, inserts. Workers
        # whose counts overlap all see a free seat and take it: more than 50 confirmed.
        assert server_errors == 0, _log_tail(log)
        assert confirmed > SEATS, f"no overbooking without the lock ({confirmed} confirmed): the race went unseen"
    else:
        # SQLite is serialisable: a deferred transaction that has counted (read) and then wants to
        # write after another worker committed is refused at once with "database is locked"
        # (SQLITE_BUSY_SNAPSHOT; the busy timeout does not apply), which answers 500. A transaction
        # that slips through alone keeps the count right, so the broken invariant on SQLite is
        # "no 5xx" — or overbooking, should SQLite ever let two overlapping writers through.
        assert server_errors > 0 or confirmed > SEATS, (
            f"without the lock: {confirmed} confirmed and no server errors; the race went unseen"
        )
