"""The back office's agenda editor: items, speakers, parties, uploaded documents, order, deletion."""

import io
import re

import pytest
import sqlalchemy as sa

from plenary.agenda.models import AgendaItem
from plenary.audit.models import AuditEntry
from plenary.extensions import db
from plenary.mail.models import OutboxMessage
from plenary.registration import signup
from tests.conftest import login, person
from tests.helpers import count_queries, entries, stored_keys
from tests.test_admin_plenaries import form_fields

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
AGENDA = "/admin/plenaries/test-plenary/agenda"


@pytest.fixture
def agenda_plenary(app, client, accounts, tmp_path, open_plenary):
    """A published plenary (one confirmed attendee), ``client`` logged in as an organizer, documents in tmp_path."""
    app.instance_path = str(tmp_path / "instance")
    plenary = open_plenary(capacity_in_person=5)
    signup.register(plenary.id, person("anna@example.org"))
    db.session.commit()
    login(client, "organizer@isa.example")
    return plenary


def items(plenary) -> list[AgendaItem]:
    return list(plenary.agenda_items)


def outbox_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))


def new_item(**overrides) -> dict:
    data = {"kind": "presentation", "title-de": "Studie", "title-en": "Study", "day": "2031-10-15",
            "start_time": "10:00", "duration_minutes": "30", "description-en": "The **findings**."}  # fmt: skip
    data.update(overrides)
    return data


def test_the_agenda_page_lists_items_with_both_zones(client, agenda_plenary):
    page = client.get(f"{AGENDA}?lang=en").get_data(as_text=True)
    assert "Work report" in page and "Yi Liu" in page and "09:00" in page and "15:00" in page  # Berlin and Beijing
    assert "/agenda/new" in page and "/move" in page


def test_a_signing_with_parties(client, agenda_plenary):
    mails = outbox_count()
    form = client.post(f"{AGENDA}/new?lang=en", data=new_item(kind="signing", add_party="1"))
    assert form.status_code == 200 and 'name="parties-0-de"' in form.get_data(as_text=True)  # a row, nothing saved
    assert len(items(agenda_plenary)) == 2
    data = form_fields(form.get_data(as_text=True), "/agenda/new")
    data.update({"parties-0-de": "Stadt Foshan", "parties-0-zh": "佛山市", "add_party": "1"})
    form = client.post(f"{AGENDA}/new?lang=en", data=data)
    data = form_fields(form.get_data(as_text=True), "/agenda/new")
    assert data["parties-0-zh"] == "佛山市"
    data.update({"parties-1-de": "GIZ", "document_title-de": "Absichtserklärung",
                 "document_url": "https://example.org/mou.pdf"})  # fmt: skip
    assert client.post(f"{AGENDA}/new", data=data).status_code == 302
    signing = items(agenda_plenary)[-1]
    assert signing.kind == "signing" and signing.parties == [{"de": "Stadt Foshan", "zh": "佛山市"}, "GIZ"]
    assert signing.document_title == "Absichtserklärung" and signing.document_url == "https://example.org/mou.pdf"
    assert signing.starts_at.astimezone(agenda_plenary.zone).strftime("%H:%M %z") == "10:00 +0200"
    [entry] = entries("agenda.create")
    assert entry.actor == "organizer@isa.example" and any("Studie" in key for key in entry.changes)
    assert outbox_count() == mails  # agenda changes send no mail


def test_a_study_presentation_with_an_uploaded_pdf_is_served_safely(app, client, agenda_plenary):
    response = client.post(f"{AGENDA}/new", content_type="multipart/form-data", data=new_item(
        **{"document_title-de": "Studie über Städte", "document_title-zh": "城市研究"},
        document_file=(io.BytesIO(PDF), "../../etc/passwd study.pdf", "application/pdf")))  # fmt: skip
    assert response.status_code == 302
    item = items(agenda_plenary)[-1]
    match = re.fullmatch(r"https://plenary\.example\.org/documents/([A-Za-z0-9_-]{32})\.pdf", item.document_url)
    assert match, item.document_url
    assert stored_keys("documents/") == [f"documents/{match.group(1)}.pdf"]  # a random name, never the uploaded one
    served = client.get(f"/documents/{match.group(1)}.pdf?lang=en")
    assert served.status_code == 200 and served.data == PDF
    assert served.headers["Content-Type"] == "application/pdf"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    disposition = served.headers["Content-Disposition"]
    assert disposition.startswith("inline;") and "filename*=UTF-8''Studie%20%C3%BCber%20St%C3%A4dte.pdf" in disposition
    zh = client.get(f"/documents/{match.group(1)}.pdf?lang=zh").headers["Content-Disposition"]
    assert "filename*=UTF-8''%E5%9F%8E%E5%B8%82%E7%A0%94%E7%A9%B6.pdf" in zh and 'filename="' in zh
    public = client.get("/plenaries/test-plenary").get_data(as_text=True)
    assert item.document_url in public


@pytest.mark.parametrize("name", [
    "../instance/secret", "..%2F..%2Fsecret", "abc", "A" * 31, "A" * 33, "A" * 32,
    "%2e%2e%2f" + "A" * 29, "..%5C" + "A" * 28, "A" * 31 + ".",
])  # fmt: skip
def test_document_names_we_did_not_make_are_not_found(client, agenda_plenary, name):
    assert client.get(f"/documents/{name}.pdf").status_code == 404


def test_uploads_that_are_no_pdf_or_too_large_are_refused(app, client, agenda_plenary):
    before = len(items(agenda_plenary))
    fake = client.post(f"{AGENDA}/new?lang=en", content_type="multipart/form-data", data=new_item(
        document_file=(io.BytesIO(b"<html><script>alert(1)</script>"), "study.pdf", "application/pdf")))  # fmt: skip
    page = fake.get_data(as_text=True)
    assert fake.status_code == 400 and "Only PDF documents can be uploaded; this file is not a PDF." in page
    assert 'value="Study"' in page  # the typed values are kept
    app.config["DOCUMENT_MAX_BYTES"] = 1000
    large = client.post(f"{AGENDA}/new?lang=en", content_type="multipart/form-data", data=new_item(
        document_file=(io.BytesIO(PDF + b"0" * 1000), "big.pdf", "application/pdf")))  # fmt: skip
    assert large.status_code == 400 and "The file is too large: at most 1 MB." in large.get_data(as_text=True)
    huge = client.post(f"{AGENDA}/new?lang=en", content_type="multipart/form-data", data=new_item(
        document_file=(io.BytesIO(PDF + b"0" * 2 * 1024 * 1024), "huge.pdf", "application/pdf")))  # fmt: skip
    assert huge.status_code == 413 and "The file is too large" in huge.get_data(as_text=True)
    assert len(items(agenda_plenary)) == before
    assert stored_keys("documents/") == []
    assert app.config["MAX_CONTENT_LENGTH"] == 21 * 1024 * 1024  # every request: at most a document and its form
    # Other forms are not limited by the document size.
    assert client.post("/admin/plenaries/test-plenary/edit", data={"description-de": "x" * 3000}).status_code == 400


def test_edit_an_item_with_a_known_speaker(client, agenda_plenary):
    item = items(agenda_plenary)[1]  # the signing, without speakers
    url = f"{AGENDA}/{item.id}/edit"
    page = client.get(f"{url}?lang=en").get_data(as_text=True)
    data = form_fields(page, url)
    assert data["parties-1-zh"] == "佛山市" and data["parties-0-de"] == "GIZ"
    known = re.search(r'<option value="(\d+)">Yi Liu \(ISA\)</option>', page)
    assert known, "the known speaker is offered"
    data.update(known_speaker=known.group(1), add_known_speaker="1")
    page = client.post(url, data=data).get_data(as_text=True)
    data = form_fields(page, url)
    assert data["speakers-0-name"] == "Yi Liu" and data["speakers-0-name_zh"] == "刘一"
    assert data["speakers-0-position-zh"] == "秘书长" and data["speakers-0-organisation-de"] == "ISA"
    data.update({"title-en": "Signing ceremony", "add_speaker": "1"})
    page = client.post(url, data=data).get_data(as_text=True)
    data = form_fields(page, url)
    data.update({"speakers-1-organisation-de": "Stadt Foshan", "speakers-1-organisation-zh": "佛山市"})
    assert client.post(url, data=data).status_code == 302
    item = items(agenda_plenary)[1]
    assert item.title == {"de": "Unterzeichnung", "en": "Signing ceremony"}
    assert [(s.name, s.organisation) for s in item.speakers] == [
        ("Yi Liu", "ISA"), (None, {"de": "Stadt Foshan", "zh": "佛山市"})]
    assert item.parties == ["GIZ", {"de": "Stadt Foshan", "en": "City of Foshan", "zh": "佛山市"}]  # kept
    [entry] = entries("agenda.update")
    assert any(before is None or before == [] for before, _after in entry.changes.values())


def test_remove_rows_and_bad_item_input(app, client, agenda_plenary):
    item = items(agenda_plenary)[0]
    url = f"{AGENDA}/{item.id}/edit"
    data = form_fields(client.get(url).get_data(as_text=True), url)
    page = client.post(url, data={**data, "remove_speaker": "0"}).get_data(as_text=True)
    assert 'name="speakers-0-name"' not in page
    bad = client.post(f"{url}?lang=en", data={**data, "title-de": "", "title-en": "", "title-zh": "",
                                             "duration_minutes": "-5", "start_time": "25:00"})  # fmt: skip
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "Please enter a text in at least one language." in text
    assert "Number must be between 0 and 1440." in text and "Not a valid time value." in text
    outside = client.post(f"{url}?lang=en", content_type="multipart/form-data", data={
        **data, "start_time": "18:00", "document_file": (io.BytesIO(PDF), "a.pdf", "application/pdf")})  # fmt: skip
    text = outside.get_data(as_text=True)
    assert outside.status_code == 400 and "outside the plenary&#39;s time" in text
    assert "Please choose the file again." in text
    assert stored_keys("documents/") == []  # no file without its item
    assert items(agenda_plenary)[0].speakers[0].name == "Yi Liu"  # nothing stored
    assert entries("agenda.update") == []


def test_reorder_by_buttons_and_by_list_then_delete(client, agenda_plenary):
    first, second = items(agenda_plenary)
    uids = [first.uid, second.uid]
    assert client.post(f"{AGENDA}/{first.id}/move", data={"direction": "down"}).status_code == 302
    assert [i.uid for i in items(agenda_plenary)] == uids[::-1]  # the uids stay
    [entry] = entries("agenda.reorder")
    assert entry.changes["agenda.order"] == [["Arbeitsbericht", "Unterzeichnung"], ["Unterzeichnung", "Arbeitsbericht"]]
    assert client.post(f"{AGENDA}/{first.id}/move", data={"direction": "sideways"}).status_code == 400
    response = client.post(f"{AGENDA}/order", data={"item": [str(first.id), str(second.id)]},
                           headers={"Accept": "application/json"})  # fmt: skip
    assert response.status_code == 200 and response.json == {"ok": True}
    assert [i.uid for i in items(agenda_plenary)] == uids
    assert client.post(f"{AGENDA}/order", data={"item": [str(first.id)]}).status_code == 400
    assert client.post(f"{AGENDA}/order", data={"item": [str(first.id), str(first.id)]}).status_code == 400
    ask = client.get(f"{AGENDA}/{second.id}/delete?lang=en")
    assert ask.status_code == 200 and "Delete this agenda item?" in ask.get_data(as_text=True)
    delete = f"{AGENDA}/{second.id}/delete"  # (the test's ``second`` is gone with its row)
    assert client.post(delete).status_code == 302
    assert [i.uid for i in items(agenda_plenary)] == [first.uid]
    assert len(entries("agenda.delete")) == 1
    assert client.post(delete).status_code == 404
    assert client.get(f"{AGENDA}/999/edit").status_code == 404


def test_a_time_the_clocks_skip_is_refused_for_items(client, make_plenary, accounts):
    make_plenary(starts_at="2032-03-28T00:00:00+01:00", ends_at="2032-03-28T12:00:00+02:00", agenda=[])
    login(client, "organizer@isa.example")
    gap = client.post(f"{AGENDA}/new?lang=en", data=new_item(day="2032-03-28", start_time="02:30"))
    assert gap.status_code == 400 and "This time does not exist in Europe/Berlin" in gap.get_data(as_text=True)
    ok = client.post(f"{AGENDA}/new", data=new_item(day="2032-03-28", start_time="03:30"))
    assert ok.status_code == 302


def test_viewers_cannot_change_the_agenda(client, accounts, make_plenary):
    plenary = make_plenary()
    first, second = plenary.agenda_items
    login(client, "viewer@isa.example")
    assert client.get(AGENDA).status_code == 200
    assert "/move" not in client.get(AGENDA).get_data(as_text=True)
    for url, data in [
        (f"{AGENDA}/new", new_item()), (f"{AGENDA}/{first.id}/edit", new_item()),
        (f"{AGENDA}/{first.id}/move", {"direction": "down"}), (f"{AGENDA}/{first.id}/delete", {}),
        (f"{AGENDA}/order", {"item": [str(second.id), str(first.id)]}),
    ]:
        assert client.post(url, data=data).status_code == 403, url
    assert [i.uid for i in items(plenary)] == [first.uid, second.uid] and len(items(plenary)) == 2
    assert db.session.scalars(sa.select(AuditEntry.action)).all() == ["plenary.create"]  # make_plenary's only


def test_the_agenda_pages_take_a_constant_number_of_queries(app, client, agenda_plenary):
    def statements(url: str) -> int:
        with count_queries() as queries:
            assert client.get(url).status_code == 200
        return queries.count

    item = items(agenda_plenary)[0]
    few = (statements(AGENDA), statements(f"{AGENDA}/{item.id}/edit"))
    for n in range(6):
        assert client.post(f"{AGENDA}/new", data=new_item(**{"title-de": f"Punkt {n}", "speakers-0-name": f"P {n}",
                                                             "start_time": f"10:{n}5"})).status_code == 302  # fmt: skip
    assert (statements(AGENDA), statements(f"{AGENDA}/{item.id}/edit")) == few


def test_replaced_and_deleted_documents_are_no_longer_served(app, client, agenda_plenary):
    def upload(url, **fields):
        data = new_item(**fields, document_file=(io.BytesIO(PDF), "study.pdf", "application/pdf"))
        assert client.post(url, content_type="multipart/form-data", data=data).status_code == 302
        return re.search(r"/documents/([A-Za-z0-9_-]{32})\.pdf$", items(agenda_plenary)[-1].document_url).group(1)

    first = upload(f"{AGENDA}/new")
    item = items(agenda_plenary)[-1]
    second = upload(f"{AGENDA}/{item.id}/edit")  # a new file replaces the old one
    assert client.get(f"/documents/{first}.pdf").status_code == 404
    assert client.get(f"/documents/{second}.pdf").status_code == 200
    assert client.post(f"{AGENDA}/{item.id}/delete").status_code == 302
    assert client.get(f"/documents/{second}.pdf").status_code == 404
    assert stored_keys("documents/") == []


def test_a_text_field_sent_as_a_file_reads_as_empty_not_a_500(app, client, agenda_plenary):
    """Seen: any text field posted as a file part (``curl -F field=@file``) reached the validators as a FileStorage."""
    response = client.post(f"{AGENDA}/new?lang=en", content_type="multipart/form-data", data=new_item(
        **{"document_title-de": (io.BytesIO(b"<script>x</script>"), "t.txt", "text/plain"),
           "title-de": (io.BytesIO("Gefälscht".encode()), "t.txt", "text/plain")}))  # fmt: skip
    assert response.status_code in (200, 302, 400)  # saved with what was typed, or the form again: never a 500
    assert all("script" not in str(item.document_title) and "Gefälscht" not in str(item.title)
               for item in items(agenda_plenary))  # fmt: skip
    # A real file field still takes its upload.
    ok = client.post(f"{AGENDA}/new", content_type="multipart/form-data", data=new_item(
        **{"document_title-de": "Studie"}, document_file=(io.BytesIO(PDF), "study.pdf", "application/pdf")))
    assert ok.status_code == 302 and items(agenda_plenary)[-1].document_url.endswith(".pdf")
