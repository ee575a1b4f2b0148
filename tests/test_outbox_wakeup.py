"""The web workers store mail, the worker sends it: woken by NOTIFY on PostgreSQL, by a short poll on SQLite.

Nothing here measures time: the waits are given an hour and must return because the worker was woken
(or stopped), which a thread's join with a generous deadline shows.
"""

import threading

import pytest
import sqlalchemy as sa

from plenary.config import default_config
from plenary.extensions import db
from plenary.jobs import catalog
from plenary.jobs.registry import run_due
from plenary.mail.delivery import due_message_ids
from plenary.mail.models import OutboxMessage, OutboxStatus
from plenary.mail.wakeup import CHANNEL, _Listener, _Poller, waiter
from plenary.registration import signup
from tests.conftest import person
from tests.test_registration_concurrency import _form_data

#: Long enough that a wait returning at all shows it was woken (the join below gives it far less).
HOUR = 3600
JOIN_SECONDS = 30


@pytest.fixture
def app(make_app):
    app = make_app(OUTBOX_POLL_SECONDS=0.05)
    with app.app_context():
        yield app


def statements(app) -> list[str]:
    """Collects the SQL the app's engine executes from now on (a list that grows)."""
    seen: list[str] = []
    sa.event.listen(db.engine, "before_cursor_execute", lambda conn, cursor, statement, *rest: seen.append(statement))
    return seen


def test_by_default_the_web_worker_stores_a_registrations_mail_and_sends_none(app, open_plenary, tmp_path):
    assert default_config(app)["OUTBOX_DELIVER_AFTER_REQUEST"] is False
    plenary = open_plenary(capacity_in_person=20)
    app.config["OUTBOX_DELIVER_AFTER_REQUEST"] = default_config(app)["OUTBOX_DELIVER_AFTER_REQUEST"]
    response = app.test_client().post(f"/plenaries/{plenary.slug}/register", data=_form_data(1, "a@example.org", ""),
                                      content_type="application/x-www-form-urlencoded")  # fmt: skip
    assert response.status_code == 302
    assert "outbox_courier" not in app.extensions  # no delivery thread in the web worker
    messages = db.session.scalars(sa.select(OutboxMessage)).all()
    assert sorted(m.kind for m in messages) == ["organizer_new_registration", "registration_confirmed"]
    assert {m.status for m in messages} == {OutboxStatus.PENDING}
    assert not list((tmp_path / "mail").glob("*.eml"))

    run_due(catalog.JOBS)  # what the worker does in a round
    db.session.expire_all()
    assert {m.status for m in db.session.scalars(sa.select(OutboxMessage))} == {OutboxStatus.SENT}
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 2


def test_a_transaction_that_queues_mail_notifies_once_on_postgresql_and_never_on_sqlite(app, open_plenary):
    plenary = open_plenary(capacity_in_person=20)
    seen = statements(app)
    signup.register(plenary.id, person("a@example.org"))  # two messages: the person's and the organizers'
    db.session.commit()
    signup.register(plenary.id, person("b@example.org"))
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 4
    notifies = [s for s in seen if s.startswith("NOTIFY")]
    if db.engine.dialect.name == "postgresql":
        assert notifies == [f"NOTIFY {CHANNEL}"] * 2
    else:
        assert notifies == []


def _waiting(app, wait, stop: threading.Event | None = None) -> list[str]:
    """Run ``wait(HOUR)`` in a thread (as the worker does, in an app context), ``stop`` it once started if given;
    return what became of it: ["returned"] if it returned within JOIN_SECONDS."""
    outcome: list[str] = []

    def run() -> None:
        with app.app_context():
            wait(HOUR)
        outcome.append("returned")

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    if stop is not None:
        stop.set()
    thread.join(JOIN_SECONDS)
    return outcome


def test_the_waiting_worker_wakes_when_mail_is_committed(app, open_plenary):
    plenary = open_plenary(capacity_in_person=20)
    stop = threading.Event()
    wait = waiter(stop, lambda: due_message_ids(limit=1))  # the worker listens (PostgreSQL) before anything is queued
    # PostgreSQL: LISTEN (not the fallback to polling); SQLite: polling.
    assert type(wait) is (_Listener if db.engine.dialect.name == "postgresql" else _Poller)
    try:
        signup.register(plenary.id, person("a@example.org"))
        db.session.commit()
        assert _waiting(app, wait) == ["returned"]
    finally:
        stop.set()
        wait.close()


def test_a_stop_ends_the_wait(app):
    stop = threading.Event()
    wait = waiter(stop, lambda: due_message_ids(limit=1))
    try:
        assert _waiting(app, wait, stop) == ["returned"]
    finally:
        wait.close()


def test_a_rolled_back_registration_wakes_nobody_on_postgresql(app, open_plenary):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("NOTIFY is PostgreSQL's; SQLite's worker polls the outbox and finds nothing")
    plenary = open_plenary(capacity_in_person=20)
    stop = threading.Event()
    wait = waiter(stop, lambda: due_message_ids(limit=1))
    try:
        signup.register(plenary.id, person("a@example.org"))
        db.session.rollback()
        # Nothing was delivered to the listening connection: a look without waiting finds no notification.
        assert list(wait.connection.notifies(timeout=0.5, stop_after=1)) == []
        signup.register(plenary.id, person("a@example.org"))
        db.session.commit()
        assert [n.channel for n in wait.connection.notifies(timeout=JOIN_SECONDS, stop_after=1)] == [CHANNEL]
    finally:
        wait.close()


def test_a_lost_listen_connection_is_replaced_and_wakes_again(app, open_plenary):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("LISTEN is PostgreSQL's; SQLite's worker polls")
    plenary = open_plenary(capacity_in_person=20)
    stop = threading.Event()
    wait = waiter(stop, lambda: due_message_ids(limit=1))
    try:
        lost = wait.connection
        # The server ends the listening connection (a restart, an idle-session timeout, an admin).
        db.session.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": lost.info.backend_pid})
        db.session.commit()
        assert _waiting(app, wait) == ["returned"]  # the lost connection ends this wait (a round runs)
        assert wait.connection is None and lost.closed
        # Mail committed while nobody listens: the next wait listens on a new connection, finds it due, returns.
        signup.register(plenary.id, person("a@example.org"))
        db.session.commit()
        assert _waiting(app, wait) == ["returned"]
        assert wait.connection is not None and wait.connection is not lost
        # And the new connection hears the next commit.
        signup.register(plenary.id, person("b@example.org"))
        db.session.commit()
        assert [n.channel for n in wait.connection.notifies(timeout=JOIN_SECONDS, stop_after=1)] == [CHANNEL]
    finally:
        stop.set()
        wait.close()
