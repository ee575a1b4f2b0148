"""The follow-up (issue 13): documents of the day (public / registrants only), the organizers' two messages (three
languages, fallback, hostile texts), the job's split attended / not attended, once, and held until released.
tests/test_certificates.py covers the certificate itself and the thank-you's attachment."""

import io
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine
from flask_babel import force_locale, gettext
from markupsafe import escape

from plenary import storage
from plenary.attendance import services as attendance
from plenary.attendance.models import AttendanceChannel, AttendanceSource
from plenary.certificates.followup import follow_up, send_follow_ups, waiting
from plenary.certificates.models import FollowUp
from plenary.extensions import db
from plenary.followup import documents, messages
from plenary.followup.models import DocumentKind, DocumentVisibility
from plenary.mail.models import OutboxMessage
from plenary.registration import changes, signup
from plenary.registration.tokens import token_for
from tests.conftest import login, open_registration, person

ENDS = datetime(2031, 10, 15, 10, 30, tzinfo=UTC)
DUE = ENDS + timedelta(hours=12, minutes=5)
HOSTILE = '<a href="https://evil.example">x</a> {{ 7*7 }} PERSONAL-LINK-TOKEN JOIN-LINK-TOKEN'
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def people(open_plenary):
    """Anna (checked in at the door), 张伟 (joined online by his link), Ben (never came), Cleo (cancelled)."""
    plenary = open_plenary(capacity_in_person=None)
    anna = signup.register(plenary.id, person("anna@example.org")).created[0]
    wei = signup.register(plenary.id, person("wei@example.cn", honorific=None, first_name="Wei", last_name="Zhang",
                                             name_zh="张伟", language="zh", country="CN")).created[0]  # fmt: skip
    ben = signup.register(plenary.id, person("ben@example.org", first_name="Ben", last_name="Berger")).created[0]
    cleo = signup.register(plenary.id, person("cleo@example.org", first_name="Cleo", language="en")).created[0]
    db.session.commit()
    changes.cancel(cleo.id)
    attendance.record_arrival(anna, AttendanceChannel.HALL, AttendanceSource.DOOR, at=ENDS - timedelta(hours=3))
    attendance.record_arrival(wei, AttendanceChannel.ONLINE, AttendanceSource.JOIN_LINK, at=ENDS - timedelta(hours=2))
    db.session.commit()
    return plenary, anna, wei, ben, cleo


def _mails(kind=None) -> list[OutboxMessage]:
    db.session.expire_all()
    query = sa.select(OutboxMessage).where(OutboxMessage.kind.in_(messages.MAIL_KINDS.values()))
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return list(db.session.scalars(query.order_by(OutboxMessage.id)))


def _add(plenary, title, visibility, url=None, pdf=PDF):
    document = documents.add_document(plenary.id, documents.DocumentInput(
        title=title, kind=DocumentKind.RECORDING if url else DocumentKind.PRESENTATION, visibility=visibility,
        url=url, pdf=None if url else pdf))  # fmt: skip
    db.session.commit()
    return document


def test_the_split_attended_and_not_once_in_two_runs(people):
    plenary, anna, wei, ben, cleo = people
    with time_machine.travel(DUE, tick=False):
        assert send_follow_ups(datetime.now(UTC), lambda: True) == 3
        assert send_follow_ups(datetime.now(UTC), lambda: True) == 0
    outcomes = dict(db.session.execute(sa.select(FollowUp.registration_id, FollowUp.outcome)).all())
    assert outcomes == {anna.id: "certificate", wei.id: "certificate", ben.id: "not_attended"}  # Cleo: nothing
    thanks = {m.registration_id: m for m in _mails("certificate_follow_up")}
    assert set(thanks) == {anna.id, wei.id} and thanks[anna.id].attachment_ref and thanks[wei.id].language == "zh"
    [absent] = _mails("follow_up_absent")
    assert absent.registration_id == ben.id and absent.attachment_ref is None
    counts = messages.counts(plenary.id)
    assert counts["attended"] == 2 and counts["absent"] == 1 and counts["delivery"]["absent"] == {"pending": 1}


def test_two_workers_at_once_follow_up_each_registration_once(app, people):
    plenary, anna, wei, ben, _ = people
    barrier = threading.Barrier(2, timeout=60)

    def work():
        with app.app_context(), time_machine.travel(DUE, tick=False):
            barrier.wait()
            count = send_follow_ups(DUE, lambda: True)
            db.session.remove()
            return count

    with ThreadPoolExecutor(2) as pool:
        counts = list(pool.map(lambda _: work(), range(2)))
    db.session.rollback()
    assert sum(counts) == 3
    assert sorted((m.kind, m.registration_id) for m in _mails()) == sorted(
        [("certificate_follow_up", anna.id), ("certificate_follow_up", wei.id), ("follow_up_absent", ben.id)]
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FollowUp)) == 3


def test_a_registration_cancelled_after_the_job_read_it_gets_nothing(people):
    plenary, anna, wei, ben, _ = people
    with time_machine.travel(DUE, tick=False):
        read = waiting(plenary.id)  # the job's list, read before Ben cancels
        changes.cancel(ben.id)
        db.session.commit()
        done = {registration.id: follow_up(registration, DUE) for registration in read}
        db.session.commit()
    assert done[ben.id] is None and done[anna.id] == "certificate" and done[wei.id] == "certificate"
    assert [m.registration_id for m in _mails()] == [anna.id, wei.id]
    assert db.session.scalar(sa.select(FollowUp).where(FollowUp.registration_id == ben.id)) is None


def test_a_follow_up_held_during_the_run_stops_there(people):
    plenary = people[0]

    def hold_after_the_first():
        if _mails():
            messages.save(plenary.id, False, True, {})  # the organizer holds it while the job runs
            db.session.commit()
        return True

    with time_machine.travel(DUE, tick=False):
        assert send_follow_ups(DUE, hold_after_the_first) == 1


def test_a_held_follow_up_sends_nothing_until_released(people, client):
    plenary = people[0]
    messages.save(plenary.id, False, True, {})
    db.session.commit()
    with time_machine.travel(DUE, tick=False):
        assert send_follow_ups(datetime.now(UTC), lambda: True) == 0
        assert _mails() == []
        messages.save(plenary.id, True, True, {})
        db.session.commit()
        assert send_follow_ups(datetime.now(UTC), lambda: True) == 3


def test_a_cancelled_plenary_sends_nothing(people):
    plenary = people[0]
    plenary.status = "cancelled"
    db.session.commit()
    with time_machine.travel(DUE, tick=False):
        assert send_follow_ups(datetime.now(UTC), lambda: True) == 0


def test_organizer_texts_in_their_language_with_fallback_and_hostile_values_inert(people):
    plenary, anna, wei, ben, _ = people
    messages.save(plenary.id, True, True, {
        "attended": ({"de": "Danke " + HOSTILE, "zh": "感谢 " + HOSTILE}, {"de": "Liebe Gäste\n\n" + HOSTILE,
                                                                          "zh": "尊敬的来宾 " + HOSTILE}),
        "absent": ({"en": "We missed you"}, {"en": "Next time! " + HOSTILE}),
    })  # fmt: skip
    _add(plenary, {"de": "<script>alert(1)</script> Vortrag"}, DocumentVisibility.PUBLIC)
    private = _add(plenary, {"de": "MoU (unterzeichnet)"}, DocumentVisibility.REGISTRANTS)
    with time_machine.travel(DUE, tick=False):
        send_follow_ups(datetime.now(UTC), lambda: True)
    mails = {m.registration_id: m for m in _mails()}
    german, chinese, absent = mails[anna.id], mails[wei.id], mails[ben.id]
    assert german.subject.startswith("Danke <a href=") and chinese.subject.startswith("感谢")
    assert absent.language == "en" and absent.subject == "We missed you"  # German reader, English only written
    for mail in (german, chinese, absent):
        assert "PERSONAL-LINK-TOKEN JOIN" not in mail.body_text and "JOIN-LINK-TOKEN " not in mail.body_html
        assert '<a href="https://evil.example">' not in mail.body_html and "{{ 7*7 }}" in mail.body_text
        assert "&lt;a href=" in mail.body_html and "49" not in mail.subject
        # The registrants-only document through the reader's personal link, filled in at delivery.
        assert f"/registrations/PERSONAL-LINK-TOKEN/documents/{private.id}" in mail.body_html
        assert "<script>alert(1)</script>" not in mail.body_html and "&lt;script&gt;" in mail.body_html


def test_default_texts_when_none_written(people):
    plenary, anna, wei, ben, _ = people
    with time_machine.travel(DUE, tick=False):
        send_follow_ups(datetime.now(UTC), lambda: True)
    mails = {m.registration_id: m for m in _mails()}
    assert mails[anna.id].subject.startswith("Vielen Dank für Ihre Teilnahme")
    assert mails[wei.id].subject.startswith("感谢您参会")
    assert mails[ben.id].language == "de" and "survey" not in mails[anna.id].body_text
    # No documents of the day here: the mail to those absent promises none (the documents block has its heading).
    absent = mails[ben.id]
    assert "Unterlagen" not in absent.subject + absent.body_text + absent.body_html
    assert absent.subject.startswith("Nach der Plenarversammlung")
    assert "Plenarversammlung teilnehmen konnten" in absent.body_text
    # The thank-you says the certificate is attached once: in the mail's own paragraph, not in the default text.
    for mail in (mails[anna.id], mails[wei.id]):
        assert mail.body_text.count("Teilnahmebestätigung") + mail.body_text.count("参会证明") == 1
    for lang in ("de", "en", "zh"):
        subject, body = messages.default_texts(plenary, "absent", lang)
        assert not any(word in subject + body for word in ("Unterlagen", "document", "资料", "below", "unten", "下"))
        subject, body = messages.default_texts(plenary, "attended", lang)
        words = ("Bestätigung", "certificate", "证明", "attached", "beigefügt")
        assert not any(word in subject + body for word in words)
    # After the plenary the personal link offers no change or cancellation.
    for mail in (absent, mails[anna.id]):
        assert "Ihre persönliche Seite zu dieser Plenarversammlung" in mail.body_text + mail.body_html
        assert "stornieren" not in mail.body_text + mail.body_html and "ändern" not in mail.body_text
    assert "您本届全体大会的个人页面" in mails[wei.id].body_text and "取消报名" not in mails[wei.id].body_html


def test_registrants_only_documents_need_a_confirmed_token_of_that_plenary(people, client, make_plenary):
    plenary, anna, _, _, cleo = people
    public = _add(plenary, {"de": "Öffentliche Präsentation"}, DocumentVisibility.PUBLIC)
    private = _add(plenary, {"de": "Nur für Angemeldete"}, DocumentVisibility.REGISTRANTS)
    link = _add(
        plenary, {"de": "Aufzeichnung"}, DocumentVisibility.REGISTRANTS, url="https://video.isa-alliance.example/42"
    )
    page = client.get(f"/plenaries/{plenary.slug}").get_data(as_text=True)
    assert 'id="documents"' in page and "Öffentliche Präsentation" in page and "Nur für Angemeldete" not in page
    assert "video.isa-alliance.example" not in page
    served = client.get(f"/plenaries/{plenary.slug}/documents/{public.id}")
    assert served.data == PDF
    # A public document is cached like one (seen: forced to no-store and noindex, as the personal copies are).
    assert served.headers["Cache-Control"] == "public, max-age=3600" and "X-Robots-Tag" not in served.headers
    assert client.get(f"/plenaries/{plenary.slug}/documents/{private.id}").status_code == 404
    token = token_for(anna)
    response = client.get(f"/registrations/{token}/documents/{private.id}")
    assert response.status_code == 200 and response.data == PDF and "no-store" in response.headers["Cache-Control"]
    assert client.get(f"/registrations/{token}/documents/{link.id}").headers["Location"].startswith("https://video.")
    assert client.get(f"/registrations/{token_for(cleo)}/documents/{private.id}").status_code == 404  # cancelled
    assert client.get(f"/registrations/not-a-token/documents/{private.id}").status_code == 404
    other = make_plenary(slug="other-plenary", number=43, registration=open_registration())
    stranger = signup.register(other.id, person("s@example.org")).created[0]
    db.session.commit()
    assert client.get(f"/registrations/{token_for(stranger)}/documents/{private.id}").status_code == 404
    personal = client.get(f"/registrations/{token}").get_data(as_text=True)
    assert "Nur für Angemeldete" in personal and "Öffentliche Präsentation" in personal
    for feed in (f"/plenaries/{plenary.slug}.ics", f"/api/plenaries/{plenary.slug}"):
        assert "Nur für Angemeldete" not in client.get(feed).get_data(as_text=True)


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,<b>x</b>", "https://" + "x" * 2100,
                                 "ftp://example.org/a", "https://exa mple.org"])  # fmt: skip
def test_links_other_than_http_are_refused(url):
    with pytest.raises(documents.LinkError):
        documents.checked_url(url)


def test_the_back_office_adds_moves_deletes_and_previews(people, client, accounts):
    plenary = people[0]
    login(client, "organizer@isa.example")
    base = f"/admin/plenaries/{plenary.slug}/documents-of-the-day"
    assert client.get(base).status_code == 200
    refused = client.post(base, data={"title_de": "Aufzeichnung", "kind": "recording", "visibility": "public",
                                      "url": "javascript:alert(1)"})  # fmt: skip
    assert refused.status_code == 400 and "javascript:alert(1)" in refused.get_data(as_text=True)
    not_pdf = client.post(
        base,
        data={
            "title_de": "Folien",
            "kind": "presentation",
            "visibility": "public",
            "pdf": (io.BytesIO(b"<html>"), "a.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert not_pdf.status_code == 400
    for title in ("Folien", "MoU"):
        added = client.post(
            base,
            data={
                "title_de": title,
                "kind": "presentation",
                "visibility": "registrants",
                "pdf": (io.BytesIO(PDF), "a.pdf"),
            },
            content_type="multipart/form-data",
        )
        assert added.status_code == 302, added.get_data(as_text=True)[-3000:]
    first, second = documents.documents_of(plenary.id)
    assert client.post(f"{base}/{second.id}/move", data={"direction": "up"}).status_code == 302
    db.session.expire_all()
    assert [d.id for d in documents.documents_of(plenary.id)] == [second.id, first.id]
    key = documents.file_key(first.file_name)
    assert storage.exists(key)
    assert client.post(f"{base}/{first.id}/delete").status_code == 302
    assert [d.id for d in documents.documents_of(plenary.id)] == [second.id] and not storage.exists(key)
    page = client.post(
        f"/admin/plenaries/{plenary.slug}/follow-up",
        data={"attended_subject_de": "Danke " + HOSTILE, "attended_body_de": HOSTILE, "preview": "1"},
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="follow-up-preview"' in html and '<a href="https://evil' not in html
    saved = client.post(
        f"/admin/plenaries/{plenary.slug}/follow-up",
        data={"attended_subject_de": "Danke", "attended_body_de": "Text", "save": "1"},
    )
    assert saved.status_code == 302 and messages.settings(plenary.id).send_automatically is False  # unticked
    audit = db.session.scalar(sa.text("SELECT count(*) FROM audit_entry WHERE action LIKE 'day_document.%'"))
    assert audit == 4


def test_the_follow_up_page_says_when_it_goes_went_or_no_longer_goes_out(people, client, accounts):
    plenary = people[0]
    page = f"/admin/plenaries/{plenary.slug}/follow-up?lang=de"

    def read():
        login(client, "organizer@isa.example")  # at each time (a login does not last years)
        return client.get(page).get_data(as_text=True)

    with time_machine.travel(ENDS - timedelta(hours=1), tick=False):
        assert "Die Nachbereitung geht am" in read()
    with time_machine.travel(DUE + timedelta(days=1), tick=False):
        assert "Die Nachbereitung ging am" in read()
    with time_machine.travel(DUE + timedelta(days=15), tick=False):
        text = read()
        assert "Es wird keine Nachbereitung mehr versandt: Sie geht spätestens 14 Tage" in text
        assert send_follow_ups(datetime.now(UTC), lambda: True) == 0  # as the page says


def test_the_documents_name_their_kind_and_agenda_item_in_the_readers_language(people, client):
    plenary = people[0]
    item = plenary.agenda_items[0]
    documents.add_document(plenary.id, documents.DocumentInput(
        title={"de": "Folien", "zh": "幻灯片"}, kind=DocumentKind.PRESENTATION, visibility=DocumentVisibility.PUBLIC,
        agenda_item_id=item.id, pdf=PDF))  # fmt: skip
    db.session.commit()
    zh = client.get(f"/plenaries/{plenary.slug}?lang=zh").get_data(as_text=True)
    assert "演示文稿 (PDF) · 议程第1项" in zh  # the document's kind (not the agenda's 专题介绍)
    de = client.get(f"/plenaries/{plenary.slug}?lang=de").get_data(as_text=True)
    assert "Präsentation (PDF) · Tagesordnungspunkt 1" in de


def test_a_tampered_agenda_item_says_so_and_a_pdf_replaces_the_link_shown(people, client, accounts):
    """A link document edited to a PDF: the link still in the form is what the PDF replaces (not "both")."""
    plenary = people[0]
    login(client, "organizer@isa.example")
    base = f"/admin/plenaries/{plenary.slug}/documents-of-the-day"
    link = "https://video.isa-alliance.example/plenary/recording"
    typed = {"title_de": "Aufzeichnung", "kind": "recording", "visibility": "public", "url": link}
    tampered = client.post(f"{base}?lang=de", data=typed | {"agenda_item": "99999"})
    assert tampered.status_code == 400
    with force_locale("de_DE"):
        assert str(escape(gettext("Choose an item of this plenary's agenda."))) in tampered.get_data(as_text=True)
    assert client.post(base, data={"title_de": "Aufzeichnung", "kind": "recording", "visibility": "public",
                                   "url": link}).status_code == 302  # fmt: skip
    [document] = documents.documents_of(plenary.id)
    edited = client.post(f"{base}/{document.id}", content_type="multipart/form-data", data={
        "title_de": "Folien", "kind": "presentation", "visibility": "public", "url": link,
        "pdf": (io.BytesIO(PDF), "folien.pdf")})  # fmt: skip
    assert edited.status_code == 302, edited.get_data(as_text=True)[-2000:]
    db.session.expire_all()
    [document] = documents.documents_of(plenary.id)
    assert document.url is None and documents.stored_file(document).data == PDF


def test_after_the_plenary_the_personal_page_offers_no_cancelling(people, client):
    plenary, anna, *_ = people
    token = token_for(anna)
    with time_machine.travel(ENDS - timedelta(hours=1), tick=False):
        assert f"/registrations/{token}/cancel" in client.get(f"/registrations/{token}").get_data(as_text=True)
    with time_machine.travel(DUE, tick=False):
        page = client.get(f"/registrations/{token}").get_data(as_text=True)
        assert f"/registrations/{token}/cancel" not in page and f"/registrations/{token}/attendance" not in page
        assert client.get(f"/registrations/{token}/cancel").status_code == 302
        client.post(f"/registrations/{token}/cancel")  # CSRF is off in tests: the view itself refuses
        client.post(f"/registrations/{token}/attendance", data={"attendance": "online"})
    db.session.expire_all()
    assert (anna.status, anna.attendance) == ("confirmed", "in_person")


def test_attendance_recorded_after_the_absent_mail_brings_the_thank_you_once(people, accounts):
    """An organizer's correction after the follow-up (Ben joined through a colleague's device): the next run sends
    him the thank-you with his certificate, once; the absent mail he had stays what it was."""
    from plenary.attendance.corrections import mark_attended

    plenary, anna, wei, ben, _ = people
    with time_machine.travel(DUE, tick=False):
        assert send_follow_ups(datetime.now(UTC), lambda: True) == 3
        mark_attended(ben.id, AttendanceChannel.HALL, "organizer@isa.example", ENDS - timedelta(hours=1))
        db.session.commit()
        assert send_follow_ups(datetime.now(UTC), lambda: True) == 1
        assert send_follow_ups(datetime.now(UTC), lambda: True) == 0
    kinds = [m.kind for m in _mails() if m.registration_id == ben.id]
    assert kinds == ["follow_up_absent", "certificate_follow_up"]
    assert db.session.scalar(sa.select(FollowUp.outcome).where(FollowUp.registration_id == ben.id)) == "certificate"
