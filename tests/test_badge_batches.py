"""Badge PDFs built by the worker: the back-office page, queue → claim → progress → done, downloads and who may
see them, crashes and failures, pruning; a registration's role; the bulk action."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from plenary.audit.models import AuditEntry
from plenary.badges import batches, services
from plenary.badges.models import BadgeBatch
from plenary.extensions import db
from plenary.registration import privacy
from plenary.registration.models import Registration
from tests.badge_helpers import add_person, pdf_reader, pdf_text
from tests.conftest import login
from tests.helpers import stored_keys

#: The tests travel from here (the login sessions they start are live then).
START = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def nine(app, make_plenary, accounts, tmp_path):
    """A plenary with 9 confirmed people in person (one a head with a hostile name) and one online."""
    app.instance_path = str(tmp_path / "instance")
    plenary = make_plenary()
    head = add_person(plenary, 1, first_name="<script>x</script>", last_name="Head", organisation="Foshan")
    people = [head] + [add_person(plenary, n, delegation_head_id=head.id if n < 4 else None) for n in range(2, 10)]
    add_person(plenary, 10, attendance="online")
    db.session.commit()
    return plenary, people


def _batch() -> BadgeBatch:
    db.session.expire_all()
    return db.session.scalars(sa.select(BadgeBatch)).one()


def test_the_page_counts_the_selection_and_escapes_names(client, nine):
    plenary, _people = nine
    login(client, "organizer@isa.example")
    page = client.get(f"/admin/plenaries/{plenary.slug}/badges").get_data(as_text=True)
    assert 'data-count="9"' in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "<script>x</script>" not in page
    online = client.get(f"/admin/plenaries/{plenary.slug}/badges?attendance=online").get_data(as_text=True)
    assert 'data-count="1"' in online
    nobody = client.get(f"/admin/plenaries/{plenary.slug}/badges?role=press").get_data(as_text=True)
    assert 'data-count="0"' in nobody and "preview.pdf" not in nobody


def test_the_preview_is_the_first_sheet_inline(client, nine):
    plenary, _people = nine
    login(client, "organizer@isa.example")
    response = client.get(f"/admin/plenaries/{plenary.slug}/badges/preview.pdf?kind=badge&size=a6")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline")
    reader = pdf_reader(response.data)
    assert len(reader.pages) == 1
    assert pdf_text(response.data).count("Delegierte/r · 代表") == 4
    plate = client.get(f"/admin/plenaries/{plenary.slug}/badges/preview.pdf?kind=nameplate")
    assert len(pdf_reader(plate.data).pages) == 1
    empty = client.get(f"/admin/plenaries/{plenary.slug}/badges/preview.pdf?role=press")
    assert empty.status_code == 302 and "/badges" in empty.headers["Location"]


def test_a_batch_is_built_by_the_job_with_progress_and_downloaded(app, client, runner, nine, monkeypatch):
    plenary, _people = nine
    with time_machine.travel(START, tick=False):
        login(client, "organizer@isa.example")
        response = client.post(f"/admin/plenaries/{plenary.slug}/badges", data={"kind": "badge", "size": "a6"})
    assert response.status_code == 302
    batch = _batch()
    assert (batch.status, batch.done, batch.total, batch.created_by) == ("queued", 0, 9, "organizer@isa.example")
    status_url = f"/admin/plenaries/{plenary.slug}/badges/{batch.id}.json"
    assert client.get(status_url).get_json() == {"status": "queued", "done": 0, "total": 9, "download": None,
                                                     "stalled": False, "message": None}
    assert client.get(f"/admin/plenaries/{plenary.slug}/badges/{batch.id}.pdf").status_code == 404

    # One sheet per chunk: the progress is committed after each (read back from the database as it is written).
    monkeypatch.setattr(services, "SHEETS_PER_CHUNK", 1)
    seen = []
    record = batches._progress

    def progress(batch_id, done):
        record(batch_id, done)
        seen.append(db.session.scalar(sa.select(BadgeBatch.done).where(BadgeBatch.id == batch_id)))

    monkeypatch.setattr(batches, "_progress", progress)
    with time_machine.travel(START + timedelta(minutes=1), tick=False):
        result = runner.invoke(args=["jobs", "run-due"])
    assert result.exit_code == 0, result.output
    assert seen == [4, 8, 9]
    batch = _batch()
    assert (batch.status, batch.done, batch.total, batch.locked_until) == ("done", 9, 9, None)
    state = client.get(status_url).get_json()
    assert state["status"] == "done" and state["download"].endswith(f"/badges/{batch.id}.pdf")
    download = client.get(state["download"])
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"]
    assert len(pdf_reader(download.data).pages) == 3
    page = client.get(f"/admin/plenaries/{plenary.slug}/badges").get_data(as_text=True)
    assert f'href="/admin/plenaries/{plenary.slug}/badges/{batch.id}.pdf"' in page

    # Run again: nothing is built twice.
    with time_machine.travel(START + timedelta(minutes=2), tick=False):
        assert batches.build_due(datetime.now(UTC), lambda: True) == 0


def test_name_plates_are_built_too(client, runner, nine):
    plenary, _people = nine
    login(client, "organizer@isa.example")
    client.post(f"/admin/plenaries/{plenary.slug}/badges", data={"kind": "nameplate", "status": "any",
                                                                   "attendance": "any"})  # fmt: skip
    assert runner.invoke(args=["jobs", "run-due"]).exit_code == 0
    batch = _batch()
    assert (batch.kind, batch.status, batch.total) == ("nameplate", "done", 10)
    assert len(pdf_reader(batches.batch_pdf(batch)).pages) == 10


def test_an_empty_selection_queues_nothing(client, nine):
    plenary, _people = nine
    login(client, "organizer@isa.example")
    response = client.post(f"/admin/plenaries/{plenary.slug}/badges", data={"role": "press"})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BadgeBatch)) == 0


def test_a_crashed_worker_leaves_the_batch_claimable_after_its_lease(app, client, nine):
    plenary, _people = nine
    with time_machine.travel(START, tick=False):
        login(client, "organizer@isa.example")
        client.post(f"/admin/plenaries/{plenary.slug}/badges", data={})
        batch_id = _batch().id
        assert batches.claim(batch_id, START)  # a worker takes it, then dies before building
        assert not batches.claim(batch_id, START)  # the claim is one worker's
    assert _batch().status == "running"
    later = START + batches.LEASE - timedelta(seconds=1)
    assert batches.batches_to_build(later) == []
    after_lease = START + batches.LEASE + timedelta(seconds=1)
    with time_machine.travel(after_lease, tick=False):
        assert batches.build_due(after_lease, lambda: True) == 1
    assert (_batch().status, _batch().done) == ("done", 9)


def test_a_failing_build_is_marked_failed_and_the_job_goes_on(client, nine, monkeypatch):
    plenary, _people = nine
    login(client, "organizer@isa.example")
    client.post(f"/admin/plenaries/{plenary.slug}/badges", data={})

    def broken(*args, **kwargs):
        raise RuntimeError("printer on fire")

    monkeypatch.setattr(batches, "render_cards", broken)
    assert batches.build_due(datetime.now(UTC), lambda: True) == 0
    batch = _batch()
    assert (batch.status, batch.error) == ("failed", "RuntimeError")
    assert client.get(f"/admin/plenaries/{plenary.slug}/badges/{batch.id}.pdf").status_code == 404


def test_files_are_pruned_after_a_day(client, nine):
    plenary, _people = nine
    with time_machine.travel(START, tick=False):
        login(client, "organizer@isa.example")
        client.post(f"/admin/plenaries/{plenary.slug}/badges", data={})
        batches.build_due(START, lambda: True)
    key = batches.batch_key(_batch())
    assert batches.batch_pdf(_batch()).startswith(b"%PDF-")
    assert batches.prune(START + timedelta(hours=23)) == 0
    assert batches.prune(START + batches.KEEP + timedelta(minutes=1)) == 1
    assert stored_keys("badges/") == [] and key.startswith("badges/")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BadgeBatch)) == 0


@pytest.mark.parametrize("account", ["viewer@isa.example", None])
def test_viewers_and_strangers_get_nothing(client, nine, account):
    plenary, _people = nine
    organizer = client.application.test_client()
    login(organizer, "organizer@isa.example")
    organizer.post(f"/admin/plenaries/{plenary.slug}/badges", data={})
    batches.build_due(datetime.now(UTC), lambda: True)
    batch_id = _batch().id
    if account:
        login(client, account)
    base = f"/admin/plenaries/{plenary.slug}/badges"
    expected = 403 if account else 302
    for url in (base, f"{base}/preview.pdf", f"{base}/{batch_id}.json", f"{base}/{batch_id}.pdf"):
        assert client.get(url).status_code == expected, url
    assert client.post(base, data={}).status_code == expected
    assert client.post(f"/admin/registrations/{_people[0].id}/role", data={"role": "press"}).status_code == expected
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BadgeBatch)) == 1


def test_another_plenarys_batch_is_not_found(client, nine, make_plenary):
    plenary, _people = nine
    other = make_plenary(slug="other", number=43)
    login(client, "organizer@isa.example")
    client.post(f"/admin/plenaries/{plenary.slug}/badges", data={})
    batch_id = _batch().id
    assert client.get(f"/admin/plenaries/{other.slug}/badges/{batch_id}.json").status_code == 404


def test_organizers_set_the_role_on_the_registration_page(client, nine):
    _plenary, people = nine
    person = people[1]
    login(client, "organizer@isa.example")
    page = client.get(f"/admin/registrations/{person.id}").get_data(as_text=True)
    assert 'id="role-form"' in page and '<option value="delegate" selected>' in page
    response = client.post(f"/admin/registrations/{person.id}/role", data={"role": "speaker"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Registration, person.id).role == "speaker"
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "registration.update",
                                                           AuditEntry.object_id == person.id)).one()  # fmt: skip
    assert entry.changes == {"role": ["delegate", "speaker"]} and entry.actor == "organizer@isa.example"
    client.post(f"/admin/registrations/{person.id}/role", data={"role": "king"})
    db.session.expire_all()
    assert db.session.get(Registration, person.id).role == "speaker"


def test_the_bulk_action_opens_the_badges_page_for_the_ticked(client, nine):
    plenary, people = nine
    login(client, "organizer@isa.example")
    response = client.post(f"/admin/plenaries/{plenary.slug}/registrations/bulk",
                           data={"action": "badges", "ids": [str(people[2].id), str(people[4].id)]})  # fmt: skip
    assert response.status_code == 302
    location = response.headers["Location"]
    assert f"/admin/plenaries/{plenary.slug}/badges?" in location and f"ids={people[2].id},{people[4].id}" in location
    assert 'data-count="2"' in client.get(location).get_data(as_text=True)


def test_erasing_someone_deletes_the_plenarys_built_pdfs(client, nine):
    plenary, people = nine
    login(client, "organizer@isa.example")
    client.post(f"/admin/plenaries/{plenary.slug}/badges", data={})
    batches.build_due(datetime.now(UTC), lambda: True)
    assert stored_keys("badges/") == [batches.batch_key(_batch())]
    privacy.erase(people[5].id)
    db.session.commit()
    assert stored_keys("badges/") == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BadgeBatch)) == 0
