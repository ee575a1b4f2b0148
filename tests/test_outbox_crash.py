"""Mail exactly once: crashes, stalled servers and lost answers, against a real SMTP server.

The crash tests run real processes: the outbox worker (``flask outbox send --watch``) or
gunicorn, sending to aiosmtpd on loopback (``tests/smtp_server.py``) that takes a moment
before it answers each DATA, so that ``kill -9`` lands while a message is on its way. Then
a new worker takes over, and the test counts what the server got: every message, each once,
but for at most the one whose SMTP transaction was in flight at the kill (the server may have
taken it without the worker learning so). That one goes out again only once its lease has run
out (a small OUTBOX_LEASE_SECONDS here), with the same Message-ID.

Timing comes from configuration (lease, timeout, the server's delay); the tests wait for
conditions in bounded polling loops and assert no durations.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from plenary.db import utcnow
from plenary.events.exchange import import_plenary
from plenary.extensions import db
from plenary.mail.delivery import deliver_due, lease_seconds, smtp_budget
from plenary.mail.hooks import wait_for_deliveries
from plenary.mail.models import OutboxMessage, OutboxStatus
from tests.conftest import plenary_document
from tests.test_outbox import registration_form
from tests.test_registration_concurrency import SLUG, burst, serve, stop

ROOT = Path(__file__).resolve().parent.parent
PUBLIC_URL = "https://plenary.example.org"
LEASE = 6  # seconds: OUTBOX_LEASE_SECONDS of the crash tests (room for a busy SQLite writer on two busy cores)
TIMEOUT = 4  # seconds: MAIL_TIMEOUT of the crash tests (within 4/5 of the lease)
#: Bound of every wait for a condition (generous: two busy cores), never an assertion about time.
PATIENCE = 120


@pytest.fixture
def smtp_app_config():
    """conftest's ``smtp_app`` with this module's public address and a short timeout (and conftest's lease)."""
    return {"PUBLIC_URL": PUBLIC_URL, "MAIL_TIMEOUT": 1}


@pytest.fixture
def app(smtp_app):
    """The app sending by SMTP to ``smtp``, with a short timeout (and conftest's lease)."""
    return smtp_app


def queue_messages(count: int) -> list[int]:
    """Put ``count`` plain messages (one recipient each) in the outbox and commit; return their ids."""
    messages = [
        OutboxMessage(kind="crash_test", recipient=f"person{i:03d}@example.org", language="en",
                      subject=f"Message {i}", body_text=f"Text {i}", body_html=f"<p>HTML {i}</p>")  # fmt: skip
        for i in range(count)
    ]
    db.session.add_all(messages)
    db.session.commit()
    ids = [m.id for m in messages]
    db.session.remove()  # hold no transaction (or SQLite lock) while other processes work
    return ids


def rows() -> list[OutboxMessage]:
    """The outbox as the database has it now (read in a transaction of its own, then let go)."""
    db.session.remove()
    result = list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))
    db.session.expunge_all()
    db.session.remove()
    return result


def message_id(outbox_id: int) -> str:
    """The Message-ID header of an outbox row's mail."""
    return f"<outbox-{outbox_id}@plenary.example.org>"


def received_ids(smtp) -> Counter:
    """How often the server got each Message-ID."""
    return Counter(str(mail.message["Message-ID"]) for mail in smtp.received)


def wait_for(condition, what: str, seconds: float = PATIENCE, process: subprocess.Popen | None = None) -> None:
    """Poll ``condition`` until it holds; fail (with ``what``) if it does not within ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        if process is not None and process.poll() is not None:
            pytest.fail(f"{what}: the process exited with {process.returncode}")
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting: {what}")
        time.sleep(0.02)


def app_environment(database_url: str, smtp, **config) -> dict:
    """The environment of a process of the app, configured only by FLASK_* variables (as in production)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_") and k != "DATABASE_URL"}
    settings = {
        "SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "crash-test-secret", "PUBLIC_URL": PUBLIC_URL,
        "MAIL_SERVER": smtp.host, "MAIL_PORT": smtp.port, "MAIL_TIMEOUT": TIMEOUT, "OUTBOX_LEASE_SECONDS": LEASE,
        "RATELIMIT_ENABLED": False, **config,
    }  # fmt: skip
    for key, value in settings.items():
        env[f"FLASK_{key}"] = value if isinstance(value, str) else json.dumps(value)
    return env


def start_worker(env: dict, log_path: Path) -> subprocess.Popen:
    """``flask --app wsgi outbox send --watch`` as a process of its own."""
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "outbox", "send", "--watch", "--interval", "0.1"]
    with open(log_path, "ab") as log:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def claimed_rows() -> list[OutboxMessage]:
    """Messages a worker has claimed and not recorded: pending with a lease."""
    return [m for m in rows() if m.status == OutboxStatus.PENDING and m.locked_until is not None]


def assert_each_arrived_once_but_the_one_in_flight(smtp, ids: list[int], in_flight: list[OutboxMessage]) -> None:
    """Every message arrived; only the one claimed at the kill may have arrived twice, and only after its lease."""
    counts = received_ids(smtp)
    assert set(counts) == {message_id(i) for i in ids}, "messages are missing (or strangers arrived)"
    duplicates = {mid: n for mid, n in counts.items() if n > 1}
    assert sum(n - 1 for n in duplicates.values()) <= 1, f"more than one message sent twice: {duplicates}"
    assert set(duplicates) <= {message_id(m.id) for m in in_flight}, "a message sent twice was not in flight"
    final = {m.id: m for m in rows()}
    assert {final[i].status for i in ids} == {OutboxStatus.SENT}
    for claimed in in_flight:
        # The new worker waited for the dead one's lease: the message was not taken while it might be sending.
        assert final[claimed.id].sent_at >= claimed.locked_until
        assert final[claimed.id].attempts == claimed.attempts + 1


# --- crash of the outbox worker ----------------------------------------------------------------


def test_killed_worker_costs_at_most_the_message_in_flight(app, smtp, database_url, tmp_path):
    ids = queue_messages(200)
    smtp.handler.data_delay = 0.03  # the kill lands while a message is being taken, most of the time
    env = app_environment(database_url, smtp)
    log = tmp_path / "worker.log"

    first = start_worker(env, log)
    try:
        wait_for(lambda: len(smtp.received) >= 40, "the first worker delivers", process=first)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        stop(first)
    at_kill = len(smtp.received)
    in_flight = claimed_rows()
    assert len(in_flight) <= 1, "the dead worker held more than the message it was sending"
    assert 40 <= at_kill < 200, log.read_text()

    second = start_worker(env, log)
    try:
        wait_for(lambda: {m.status for m in rows()} == {OutboxStatus.SENT}, "the new worker delivers the rest",
                 process=second)  # fmt: skip
    finally:
        stop(second)
    wait_for(lambda: len(received_ids(smtp)) == len(ids), "the server has every message")

    assert_each_arrived_once_but_the_one_in_flight(smtp, ids, in_flight)
    # Each arrival carries its outbox row's Message-ID: a repeat is recognisable as the same message.
    assert all(mail.message["Message-ID"] for mail in smtp.received)


def test_stopped_worker_finishes_its_message_and_sends_nothing_twice(app, smtp, database_url, tmp_path):
    """SIGTERM (systemctl stop, a deploy) ends the worker between two messages, not in the middle of one."""
    ids = queue_messages(100)
    smtp.handler.data_delay = 0.05  # the signal arrives while a message is being taken
    env = app_environment(database_url, smtp)
    log = tmp_path / "worker.log"

    first = start_worker(env, log)
    try:
        wait_for(lambda: len(smtp.received) >= 20, "the first worker delivers", process=first)
        first.terminate()
        assert first.wait(timeout=PATIENCE) == 0, log.read_text()
    finally:
        stop(first)
    assert claimed_rows() == [], "the stopped worker left a message claimed but unrecorded"
    assert len(smtp.received) < len(ids)

    second = start_worker(env, log)
    try:
        wait_for(lambda: {m.status for m in rows()} == {OutboxStatus.SENT}, "the new worker delivers the rest",
                 process=second)  # fmt: skip
    finally:
        stop(second)
    assert received_ids(smtp) == {message_id(i): 1 for i in ids}


# --- crash of a gunicorn worker while it delivers after its requests --------------------------


def _gunicorn_worker_pid(port: int) -> int:
    """The pid of the worker process of the gunicorn listening on ``port`` (the child of its master)."""
    marker = f"127.0.0.1:{port}".encode()
    parents = {}
    for entry in filter(str.isdecimal, os.listdir("/proc")):
        try:
            if marker in Path(f"/proc/{entry}/cmdline").read_bytes():
                parents[int(entry)] = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except OSError:  # the process has gone meanwhile
            continue
    [worker] = [pid for pid, parent in parents.items() if parent in parents]
    return worker


def test_killed_gunicorn_worker_costs_at_most_the_message_in_flight(make_app, smtp, database_url, tmp_path):
    app = make_app()
    now = datetime.now(UTC)
    document = plenary_document(
        slug=SLUG, agenda=[],
        starts_at=(now + timedelta(days=60)).isoformat(timespec="seconds"),
        ends_at=(now + timedelta(days=60, hours=4)).isoformat(timespec="seconds"),
        registration={"opens_at": (now - timedelta(days=1)).isoformat(timespec="seconds"),
                      "closes_at": (now + timedelta(days=30)).isoformat(timespec="seconds"),
                      "capacity_in_person": 500, "capacity_online": None, "waitlist": True,
                      "requires_approval": False},
    )  # fmt: skip
    with app.app_context():
        import_plenary(document)
        db.session.commit()
        db.session.remove()
    smtp.handler.data_delay = 0.1
    config = {"PUBLIC_URL": PUBLIC_URL, "MAIL_SERVER": smtp.host, "MAIL_PORT": smtp.port, "MAIL_TIMEOUT": TIMEOUT,
              "OUTBOX_LEASE_SECONDS": LEASE}  # fmt: skip
    log = tmp_path / "gunicorn.log"
    with serve(database_url, tmp_path / "eml", log, workers=1, **config) as port:
        # 30 people register at once; the worker delivers each request's mail after its response.
        clients = threading.Thread(target=_try, args=(burst, port, 30))
        clients.start()
        try:
            wait_for(lambda: len(smtp.received) >= 8, "the gunicorn worker delivers after its requests")
            os.kill(_gunicorn_worker_pid(port), signal.SIGKILL)
            at_kill = len(smtp.received)
            with app.app_context():
                # Before gunicorn's new worker is up: what the dead one held. One delivery thread per
                # process, one message at a time: it was sending one message at most.
                in_flight = claimed_rows()
        finally:
            clients.join(PATIENCE)
        assert len(in_flight) <= 1, f"the dead worker held {len(in_flight)} claimed messages"
        with app.app_context():
            worker = start_worker(app_environment(database_url, smtp), tmp_path / "worker.log")
            try:
                wait_for(lambda: rows() and {m.status for m in rows()} == {OutboxStatus.SENT},
                         "the outbox worker delivers what the dead worker left", process=worker)  # fmt: skip
            finally:
                stop(worker)
            ids = [m.id for m in rows()]
            wait_for(lambda: len(received_ids(smtp)) == len(ids), "the server has every message")
            assert at_kill < len(ids)
            assert_each_arrived_once_but_the_one_in_flight(smtp, ids, in_flight)


def _try(function, *args):
    """``function(*args)``, or the exception it raised (a request cut off by the kill)."""
    try:
        return function(*args)
    except Exception as exc:  # noqa: BLE001 - the kill breaks some connections, by design
        return exc


# --- stalled and slow servers ------------------------------------------------------------------


def test_a_stalled_server_costs_one_timeout_and_loses_nothing(app, smtp):
    app.config["OUTBOX_MAX_ATTEMPTS"] = 2
    ids = queue_messages(5)
    smtp.stall()  # accepts connections, never answers

    report = deliver_due()

    # The first message waited one timeout and is retried later; the round stopped there.
    assert report.retrying == [ids[0]] and report.sent == [] and report.failed == [] and report.stalled
    assert smtp.stalled_connections == 1
    first, *others = rows()
    assert first.status == OutboxStatus.PENDING and first.attempts == 1 and first.locked_until is None
    assert "Timeout" in first.last_error
    assert first.next_attempt_at >= utcnow() + timedelta(seconds=50)  # backoff, not straight again
    assert [(m.status, m.attempts, m.locked_until) for m in others] == [(OutboxStatus.PENDING, 0, None)] * 4
    assert due_ids() == ids[1:]  # still due: the next round tries them

    # Stalls never make a message fail for good, however often (timeouts are not the server's answer).
    for day in range(1, 6):
        assert deliver_due(now=utcnow() + timedelta(days=day)).failed == []
    assert {m.status for m in rows()} == {OutboxStatus.PENDING}

    smtp.start()
    report = deliver_due(now=utcnow() + timedelta(days=30))
    assert sorted(report.sent) == ids
    assert received_ids(smtp) == {message_id(i): 1 for i in ids}


def test_requests_share_one_delivery_thread_that_gives_way_to_a_stalled_server(app, client, open_plenary, smtp):
    """After-request deliveries do not pile up behind a hung server: one thread, one timeout, the rest left due."""
    app.config.update(OUTBOX_DELIVER_AFTER_REQUEST=True, MAIL_TIMEOUT=5)  # the requests end well within one timeout
    plenary = open_plenary()
    smtp.stall()
    earlier = set(threading.enumerate())  # a courier of an earlier test's app may still be idling
    threads_at_once = []
    for i in range(4):
        response = client.post(f"/plenaries/{plenary.slug}/register", data=registration_form(f"p{i}@example.org"))
        assert response.status_code == 302
        response.close()
        ours = set(threading.enumerate()) - earlier
        threads_at_once.append(sum(t.name.startswith("outbox") and t.is_alive() for t in ours))
    wait_for_deliveries(app)

    assert max(threads_at_once) == 1
    messages = rows()
    assert len(messages) == 8 and {m.status for m in messages} == {OutboxStatus.PENDING}
    attempted = [m for m in messages if m.attempts]
    # Each attempt cost one stalled connection, and most messages none: they wait, due, for the worker.
    assert len(attempted) == smtp.stalled_connections < len(messages)
    assert all(m.locked_until is None for m in messages)
    assert len(due_ids()) == len(messages) - len(attempted)


def due_ids() -> list[int]:
    """Ids of pending messages that are due now."""
    now = utcnow()
    return [m.id for m in rows() if m.status == OutboxStatus.PENDING and m.next_attempt_at <= now]


def test_a_server_that_takes_the_message_but_not_quit_gets_it_once(app, smtp):
    """The end of DATA answered 250: the message is delivered, whatever happens to QUIT."""
    ids = queue_messages(2)
    smtp.handler.quit_delay = 5  # longer than MAIL_TIMEOUT (1 s)

    report = deliver_due()

    assert sorted(report.sent) == ids and report.retrying == []
    assert {(m.status, m.attempts) for m in rows()} == {(OutboxStatus.SENT, 1)}
    smtp.handler.quit_delay = 0
    assert deliver_due(now=utcnow() + timedelta(days=1)).sent == []
    assert received_ids(smtp) == {message_id(i): 1 for i in ids}


def test_an_answer_lost_after_data_repeats_only_that_message_with_its_message_id(app, smtp):
    """The documented limit: the server kept the message but its 250 came too late; it is sent again, same id."""
    [lost, other] = queue_messages(2)
    smtp.handler.data_delay = 3  # the server answers the end of DATA after MAIL_TIMEOUT (1 s)

    report = deliver_due()

    assert report.retrying == [lost] and report.stalled
    wait_for(lambda: len(smtp.received) == 1, "the server finishes taking the message")
    smtp.handler.data_delay = 0
    report = deliver_due(now=utcnow() + timedelta(minutes=5))
    assert sorted(report.sent) == [lost, other]
    assert received_ids(smtp) == {message_id(lost): 2, message_id(other): 1}


def test_the_default_lease_resumes_a_dead_workers_message_within_a_minute(plain_app):
    interval = 5.0  # flask outbox send --watch --interval (its default)
    assert lease_seconds() + interval <= 60
    # The whole SMTP exchange may take MAIL_TIMEOUT, which ends well before the claim does.
    assert smtp_budget() == plain_app.config["MAIL_TIMEOUT"]
    assert smtp_budget() <= lease_seconds() * 0.8
