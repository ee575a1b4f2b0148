"""The fix round of badges, questions and certificates: requests at the same moment (threads, each with its own
client, session and connection, against a file SQLite database or PostgreSQL) give one result and no 500;
stalled batches say so; unknown badge filters are refused; batch files are private; the deadline form keeps
what was typed."""

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from plenary.attendance import services as attendance
from plenary.attendance.models import AttendanceChannel, AttendanceSource
from plenary.badges import batches
from plenary.badges.models import BadgeBatch, BatchStatus
from plenary.badges.selection import BadgeSelection, selected
from plenary.badges.services import cards_for
from plenary.documents.models import DocumentKind, IssuedDocument
from plenary.extensions import db
from plenary.mail.models import OutboxMessage
from plenary.questions.models import Answer, Question
from plenary.registration import signup
from plenary.registration.tokens import token_for
from tests.badge_helpers import add_person
from tests.conftest import login, person

AT_ONCE = 4
ENDS = datetime(2031, 10, 15, 10, 30, tzinfo=UTC)


def at_once(app, action, count: int = AT_ONCE) -> list:
    """Run ``action(client)`` in ``count`` threads that start together, each with its own logged-in client."""
    clients = []
    for _ in range(count):
        client = app.test_client()
        login(client, "organizer@isa.example")
        clients.append(client)
    barrier = threading.Barrier(count, timeout=60)

    def one(client):
        barrier.wait()
        return action(client)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, clients))


@pytest.fixture
def printing(app, make_plenary, accounts, tmp_path):
    """A plenary with five confirmed people in person; the instance folder in tmp_path."""
    app.instance_path = str(tmp_path / "instance")
    plenary = make_plenary()
    people = [add_person(plenary, n) for n in range(1, 6)]
    db.session.commit()
    return plenary, people


def _batches() -> list[BadgeBatch]:
    db.session.rollback()  # a fresh snapshot (and nothing cached)
    return list(db.session.scalars(sa.select(BadgeBatch).order_by(BadgeBatch.id)))


def test_build_pdf_pressed_at_once_queues_one_batch(app, printing):
    plenary, _ = printing
    url = f"/admin/plenaries/{plenary.slug}/badges"
    data = {"kind": "badge", "size": "a6", "status": "confirmed", "attendance": "in_person"}
    statuses = [r.status_code for r in at_once(app, lambda c: c.post(url, data=data))]
    assert statuses == [302] * AT_ONCE
    assert len(_batches()) == 1
    # Pressed again while it is still queued: the page points to the same batch, with a sentence saying so.
    client = app.test_client()
    login(client, "organizer@isa.example")
    again = client.post(f"{url}?lang=en", data=data, follow_redirects=True).get_data(as_text=True)
    assert "already being built" in again and len(_batches()) == 1
    # Another size is another PDF.
    assert client.post(url, data=data | {"size": "a7"}).status_code == 302
    assert len(_batches()) == 2


def test_a_batch_and_a_command_at_once_leave_one_valid_badge_each(app, printing):
    plenary, people = printing
    plenary_id = plenary.id
    barrier = threading.Barrier(2, timeout=60)

    def issue():
        with app.app_context():
            people_now = selected(plenary_id, BadgeSelection())
            barrier.wait()
            cards_for("badge", people_now)
            db.session.commit()
            db.session.remove()

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda _: issue(), range(2)))
    db.session.rollback()  # a fresh snapshot (and nothing cached)
    valid = db.session.scalars(sa.select(IssuedDocument.registration_id).where(
        IssuedDocument.kind == DocumentKind.BADGE, IssuedDocument.withdrawn_at.is_(None))).all()  # fmt: skip
    assert sorted(valid) == sorted(p.id for p in people)


def test_a_stalled_batch_says_so_on_the_page_and_in_its_status(app, printing):
    plenary, _ = printing
    batch, _new = batches.queue_batch(plenary, "badge", BadgeSelection(), "a6", "organizer@isa.example")
    batch.status, batch.done, batch.locked_until = BatchStatus.RUNNING, 3, datetime.now(UTC) + batches.LEASE
    db.session.commit()
    client = app.test_client()
    login(client, "organizer@isa.example")
    status_url = f"/admin/plenaries/{plenary.slug}/badges/{batch.id}.json?lang=en"
    assert client.get(status_url).get_json()["stalled"] is False
    with time_machine.travel(datetime.now(UTC) + batches.LEASE + timedelta(seconds=1)):
        state = client.get(status_url).get_json()
        page = client.get(f"/admin/plenaries/{plenary.slug}/badges?lang=en").get_data(as_text=True)
    assert state["stalled"] is True and state["status"] == "running" and "stalled" in state["message"]
    assert "stalled: the worker will start it again" in page


@pytest.mark.parametrize("query", ["ids=abc", "status=bogus", "attendance=moon", "role=king", "delegation=x1",
                                   "ids=1,2,x"])  # fmt: skip
def test_unknown_filters_are_refused_never_everyone(app, printing, query):
    plenary, _ = printing
    client = app.test_client()
    login(client, "organizer@isa.example")
    base = f"/admin/plenaries/{plenary.slug}/badges"
    preview = client.get(f"{base}/preview.pdf?{query}&lang=en")
    assert preview.status_code == 302 and preview.mimetype != "application/pdf"
    page = client.get(preview.headers["Location"]).get_data(as_text=True)
    label = {"ids": "Only these registration numbers", "status": "Status", "attendance": "Attendance",
             "role": "Role at the plenary", "delegation": "Delegation"}[query.split("=")[0]]  # fmt: skip
    assert f"This selection cannot be used (unknown value for: {label})" in page
    key, value = query.split("=")
    assert client.post(f"{base}?lang=de", data={"kind": "badge", key: value}).status_code == 302
    assert _batches() == []
    assert client.get(f"{base}?{query}").status_code == 302


def test_batch_files_live_in_the_store_not_on_the_servers_disk(app, printing):
    plenary, _ = printing
    batch, _new = batches.queue_batch(plenary, "nameplate", BadgeSelection(), "a6", "organizer@isa.example")
    db.session.commit()
    assert batches.build_due(datetime.now(UTC), lambda: True) == 1
    db.session.rollback()  # a fresh snapshot (and nothing cached)
    assert batches.batch_pdf(db.session.get(BadgeBatch, batch.id)).startswith(b"%PDF-")
    assert not os.path.exists(os.path.join(app.instance_path, "badges"))  # every server sees it, none holds it


@pytest.fixture
def asked(app, open_plenary, accounts):
    """Three confirmed people and one follow-up question none of them has answered."""
    plenary = open_plenary(capacity_in_person=None)
    people = [signup.register(plenary.id, person(f"p{n}@example.org")).created[0] for n in range(3)]
    db.session.add(Question(plenary_id=plenary.id, position=1, kind="short_text", label={"de": "Flug", "en": "Flight"},
                            follow_up=True, choices=[], condition_values=[]))  # fmt: skip
    db.session.commit()
    return plenary, people


def _mails(kind: str = "questions_follow_up") -> list[OutboxMessage]:
    db.session.rollback()  # a fresh snapshot (and nothing cached)
    return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == kind)))


def test_remind_pressed_at_once_mails_everyone_once(app, asked):
    plenary, people = asked
    url = f"/admin/plenaries/{plenary.slug}/questions/remind"
    assert [r.status_code for r in at_once(app, lambda c: c.post(url))] == [302] * AT_ONCE
    assert sorted(m.recipient for m in _mails()) == sorted(p.email for p in people)


def test_ask_now_pressed_at_once_mails_everyone_once(app, asked):
    plenary, people = asked
    question_id = db.session.scalar(sa.select(Question.id))
    url = f"/admin/plenaries/{plenary.slug}/questions/{question_id}/ask"
    assert [r.status_code for r in at_once(app, lambda c: c.post(url))] == [302] * AT_ONCE
    assert sorted(m.recipient for m in _mails()) == sorted(p.email for p in people)


def test_answers_saved_at_once_are_stored_once(app, asked):
    _plenary, people = asked
    question_id = db.session.scalar(sa.select(Question.id))
    url = f"/registrations/{token_for(people[0])}/answers"
    responses = at_once(app, lambda c: c.post(url, data={f"q{question_id}": "LH 720"}))
    assert [r.status_code for r in responses] == [302] * AT_ONCE
    db.session.rollback()  # a fresh snapshot (and nothing cached)
    assert db.session.scalars(sa.select(Answer.value)).all() == ["LH 720"]


def test_a_garbage_deadline_keeps_what_was_typed(app, asked):
    plenary, _ = asked
    client = app.test_client()
    login(client, "organizer@isa.example")
    typed = "<script>x</script>morgen früh"
    response = client.post(f"/admin/plenaries/{plenary.slug}/questions/deadline?lang=de", data={"answers_until": typed})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Bitte geben Sie Datum und Uhrzeit ein." in page
    assert "&lt;script&gt;x&lt;/script&gt;morgen früh" in page and "<script>x</script>" not in page


def test_certificate_downloaded_at_once_issues_one(app, open_plenary, accounts):
    plenary = open_plenary(capacity_in_person=None)
    anna = signup.register(plenary.id, person("anna@example.org")).created[0]
    db.session.commit()
    attendance.record_arrival(anna, AttendanceChannel.HALL, AttendanceSource.DOOR, by="door@isa.example",
                              at=ENDS - timedelta(hours=3))  # fmt: skip
    db.session.commit()
    url = f"/registrations/{token_for(anna)}/certificate.pdf"
    with time_machine.travel(ENDS + timedelta(hours=1), tick=False):
        responses = at_once(app, lambda c: c.get(url))
    assert [r.status_code for r in responses] == [200] * AT_ONCE
    assert all(r.mimetype == "application/pdf" for r in responses)
    db.session.rollback()  # a fresh snapshot (and nothing cached)
    documents = db.session.scalars(sa.select(IssuedDocument).where(IssuedDocument.kind == DocumentKind.CERTIFICATE))
    assert [d.withdrawn_at for d in documents] == [None]
