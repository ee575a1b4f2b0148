"""Work at a time: `jobs run-due`, the worker loop, broadcasts rendered by the worker, pruning, retention."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from plenary.broadcasts import rendering
from plenary.broadcasts import services as broadcasts
from plenary.broadcasts.compose import Draft
from plenary.broadcasts.models import Broadcast
from plenary.extensions import db
from plenary.jobs import catalog
from plenary.jobs.registry import Job, run_due, work
from plenary.mail.delivery import deliver
from plenary.mail.models import OutboxMessage, OutboxStatus
from plenary.registration import locking, notifications, signup
from plenary.registration.models import Registration
from plenary.sqlite import BEGIN_IMMEDIATE
from tests.conftest import person

DRAFT = Draft(subject={"de": "Hinweis", "en": "Notice"}, body={"de": "Text", "en": "Text"})


@pytest.fixture
def smtp(smtp_server):
    """A running SMTP server on loopback."""
    return smtp_server()


@pytest.fixture
def app(make_app, smtp, tmp_path):
    """The app sending by SMTP to ``smtp``; nothing delivered after requests (the jobs do it)."""
    # No test here is about a slow server: a timeout long enough for a loaded CI machine (a stalled round would
    # leave the fixture's messages for the test's own run).
    app = make_app(MAIL_SERVER=smtp.host, MAIL_PORT=smtp.port, MAIL_TIMEOUT=15, MAIL_FILE_DIR=str(tmp_path / "eml"),
                   OUTBOX_DELIVER_AFTER_REQUEST=False)  # fmt: skip
    with app.app_context():
        yield app


@pytest.fixture
def plenary(open_plenary):
    """A plenary with five confirmed registrations (their own messages already delivered)."""
    plenary = open_plenary(capacity_in_person=20)
    for i in range(5):
        signup.register(plenary.id, person(f"p{i}@example.org", language="de" if i % 2 else "en"))
        db.session.commit()
    run_due(catalog.JOBS)
    pending = db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.status == OutboxStatus.PENDING))
    assert pending == 0, "the fixture's own messages were not all delivered"
    return plenary


def broadcast_rows() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "broadcast")))


def test_sending_a_broadcast_stores_it_and_renders_nothing_nor_takes_the_capacity_lock(app, plenary, monkeypatch):
    def no_lock(*args, **kwargs):
        raise AssertionError("a broadcast took the plenary's capacity lock")

    monkeypatch.setattr(locking, "lock_plenary", no_lock)
    broadcast = broadcasts.send(plenary.id, DRAFT, author="organizer@isa.example")
    db.session.commit()
    assert broadcast.recipient_count == 5 and len(broadcast.recipient_ids) == 5
    assert broadcast.rendered_at is None and broadcast_rows() == []


def test_jobs_run_due_renders_a_broadcast_once_and_delivers_it_on_one_connection(app, plenary, smtp, runner):
    broadcasts.send(plenary.id, DRAFT, author=None)
    db.session.commit()
    before = smtp.handler.greetings
    result = runner.invoke(args=["jobs", "run-due"])
    assert result.exit_code == 0, result.output
    assert "broadcasts 5" in result.output and "outbox 5" in result.output
    rows = broadcast_rows()
    assert len(rows) == 5 and {m.status for m in rows} == {OutboxStatus.SENT}
    assert len({m.registration_id for m in rows}) == 5
    assert smtp.handler.greetings - before == 1  # one SMTP connection for the round of five
    assert len([m for m in smtp.received if m.message["Subject"] in ("Hinweis", "Notice")]) == 5
    assert db.session.scalar(sa.select(Broadcast)).rendered_at is not None

    assert runner.invoke(args=["jobs", "run-due"]).exit_code == 0  # again: nothing new
    assert len(broadcast_rows()) == 5


def test_a_broadcast_interrupted_halfway_is_completed_without_duplicates(app, plenary, monkeypatch):
    broadcasts.send(plenary.id, DRAFT, author=None)
    db.session.commit()
    monkeypatch.setattr(rendering, "BATCH", 2)
    original, calls = rendering._render_batch, []

    class Killed(BaseException):
        """kill -9: nothing of the worker runs any more (no except clause, no release of its claim)."""

    def dies_in_the_second_batch(broadcast, ids):
        calls.append(ids)
        if len(calls) == 2:
            raise Killed
        return original(broadcast, ids)

    monkeypatch.setattr(rendering, "_render_batch", dies_in_the_second_batch)
    with pytest.raises(Killed):
        run_due(catalog.JOBS[:1])
    db.session.rollback()  # what a dead process's open transaction comes to
    assert len(broadcast_rows()) == 2  # the first batch was committed
    monkeypatch.setattr(rendering, "_render_batch", original)
    assert run_due(catalog.JOBS[:1]) == {"broadcasts": 0}  # still claimed by the dead worker
    with time_machine.travel(datetime.now(UTC) + rendering.RENDER_LEASE + timedelta(seconds=1)):
        assert run_due(catalog.JOBS[:1]) == {"broadcasts": 3}
    rows = broadcast_rows()
    assert len(rows) == 5 and len({m.registration_id for m in rows}) == 5


def test_a_broadcast_claimed_by_another_worker_is_left_alone(app, plenary):
    broadcast = broadcasts.send(plenary.id, DRAFT, author=None)
    db.session.commit()
    assert rendering.claim(broadcast.id, datetime.now(UTC))  # a second worker has it
    assert run_due(catalog.JOBS[:1]) == {"broadcasts": 0}
    assert broadcast_rows() == []


def test_the_database_refuses_a_second_message_of_a_broadcast_to_the_same_person(app, plenary):
    broadcasts.send(plenary.id, DRAFT, author=None)
    db.session.commit()
    run_due(catalog.JOBS[:1])
    first = broadcast_rows()[0]
    db.session.add(OutboxMessage(kind="broadcast", broadcast_id=first.broadcast_id,
                                 registration_id=first.registration_id, recipient=first.recipient, language="de",
                                 subject="x", body_text="x", body_html="x"))  # fmt: skip
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_sent_messages_are_pruned_after_the_configured_days(app, plenary, tmp_path):
    app.config["MAIL_SERVER"] = None  # the file backend, whose copies go too
    registration = db.session.scalar(sa.select(Registration).where(Registration.email == "p0@example.org"))
    notifications.notify(registration, "registration_link")
    db.session.commit()
    run_due(catalog.JOBS)
    message = db.session.scalar(sa.select(OutboxMessage).order_by(OutboxMessage.id.desc()))
    assert message.status == "sent" and list((tmp_path / "eml").glob(f"{message.id:06d}-*.eml"))
    sent_at = message.sent_at
    with time_machine.travel(sent_at + timedelta(days=89), tick=False):
        run_due(catalog.JOBS)
        db.session.expire_all()
        assert message.body_text and message.recipient == "p0@example.org" and message.pruned_at is None
    with time_machine.travel(sent_at + timedelta(days=90, minutes=1), tick=False):
        assert run_due(catalog.JOBS)["prune-sent-messages"] >= 1
        db.session.expire_all()
        assert (message.body_text, message.body_html, message.recipient, message.reply_to) == ("", "", None, None)
        assert message.pruned_at is not None and message.subject  # the history stays
        assert not list((tmp_path / "eml").glob(f"{message.id:06d}-*.eml"))
        assert run_due(catalog.JOBS)["prune-sent-messages"] == 0  # idempotent


def test_registrations_are_purged_after_the_retention_days_only_when_configured(app, plenary):
    ends_at = plenary.ends_at
    with time_machine.travel(ends_at + timedelta(days=400), tick=False):
        assert run_due(catalog.JOBS)["purge-registrations"] == 0  # off by default
        app.config["REGISTRATION_RETENTION_DAYS"] = 500
        assert run_due(catalog.JOBS)["purge-registrations"] == 0  # not yet
    app.config["REGISTRATION_RETENTION_DAYS"] = 30
    with time_machine.travel(ends_at + timedelta(days=31), tick=False):
        assert run_due(catalog.JOBS)["purge-registrations"] == 5
        assert run_due(catalog.JOBS)["purge-registrations"] == 0  # idempotent
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).where(Registration.anonymised_at.is_(None))) == 0


def test_the_worker_runs_each_job_at_its_own_pace_and_stops_when_asked(app):
    runs = []
    stop = threading.Event()

    def often(now, keep_going):
        runs.append("often")
        if runs.count("often") == 3:
            stop.set()
        return 1

    def hourly(now, keep_going):
        runs.append("hourly")
        return 0

    jobs = [Job("often", often, every=timedelta(0)), Job("hourly", hourly, every=timedelta(hours=1))]
    reports = []
    work(jobs, interval=0, stop=stop, report=reports.append)
    assert runs == ["often", "hourly", "often", "often"]
    assert reports == [{"often": 1, "hourly": 0}, {"often": 1}, {"often": 1}]


def test_a_failing_job_does_not_stop_the_worker(app):
    stop = threading.Event()
    runs = []

    def broken(now, keep_going):
        runs.append("broken")
        raise RuntimeError("boom")

    def last(now, keep_going):
        runs.append("last")
        stop.set()
        return 0

    work([Job("broken", broken, timedelta(0)), Job("last", last, timedelta(0))], 0, stop, lambda done: None)
    assert runs == ["broken", "last"]


def test_a_round_of_messages_uses_one_smtp_connection(app, plenary, smtp):
    messages = [notifications.notify(r, "registration_link") for r in db.session.scalars(sa.select(Registration)).all()]
    db.session.commit()
    ids = [m.id for m in messages]
    before = smtp.handler.greetings
    report = deliver(ids)
    assert len(report.sent) == 5 and report.connections == 1
    assert smtp.handler.greetings - before == 1


def test_one_compose_form_stores_one_broadcast(app, plenary):
    broadcasts.send(plenary.id, DRAFT, author="a@isa.example", form_token="form-1")
    db.session.commit()
    other = Draft(subject={"de": "Anders"}, body={"de": "Anders"})  # not identical: only the token tells
    with pytest.raises(broadcasts.BroadcastError, match="duplicate"):
        broadcasts.send(plenary.id, other, author="a@isa.example", form_token="form-1")
    db.session.rollback()
    db.session.add(Broadcast(plenary_id=plenary.id, form_token="form-1"))  # two at the same moment: the database
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_sending_a_broadcast_writes_from_the_start_so_it_waits_for_other_writers(app, plenary):
    """On SQLite a transaction that reads and then writes is refused at once ("database is locked") while a
    sign-up writes; one that begins as a write (BEGIN IMMEDIATE) waits. send() and the worker begin as writes."""
    broadcasts.send(plenary.id, DRAFT, author=None)
    if db.engine.dialect.name == "sqlite":
        assert db.session.connection().get_execution_options().get(BEGIN_IMMEDIATE) is True
    db.session.commit()


def test_a_failed_rendering_gives_up_its_claim_at_once(app, plenary, monkeypatch):
    broadcast = broadcasts.send(plenary.id, DRAFT, author=None)
    db.session.commit()

    def broken(*args):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(rendering, "_render_batch", broken)
    assert rendering.claim(broadcast.id, datetime.now(UTC))
    with pytest.raises(RuntimeError):
        rendering.render_claimed(broadcast.id)
    assert db.session.get(Broadcast, broadcast.id).locked_until is None  # the next turn need not wait
    monkeypatch.undo()
    assert rendering.claim(broadcast.id, datetime.now(UTC)) and rendering.render_claimed(broadcast.id) == 5
