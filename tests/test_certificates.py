"""Certificates of attendance: the PDF (pypdf), verification and withdrawal, the personal page, the follow-up
mail (once), the command's refusals, hostile names. The plenary (tests/conftest.py) is on 15 October 2031,
09:00–12:30 in Berlin (07:00–10:30 UTC); the clock is moved with time-machine."""

import email
import email.policy
import io
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine
from pypdf import PdfReader

from plenary.attendance import services as attendance
from plenary.attendance.models import AttendanceChannel, AttendanceRecord, AttendanceSource
from plenary.certificates import services as certificates
from plenary.certificates.followup import send_follow_ups
from plenary.certificates.models import FollowUp
from plenary.checkin.services import undo_check_in
from plenary.demo.loader import load_demo
from plenary.documents import services as documents
from plenary.documents.models import IssuedDocument
from plenary.extensions import db
from plenary.mail.delivery import deliver_due
from plenary.mail.models import OutboxMessage
from plenary.registration import privacy, signup
from plenary.registration.models import Registration
from plenary.registration.tokens import token_for
from tests.conftest import person
from tests.test_paperwork_foundation import pdf_fonts

ENDS = datetime(2031, 10, 15, 10, 30, tzinfo=UTC)
BEFORE_END, AFTER_END = ENDS - timedelta(minutes=5), ENDS + timedelta(hours=1)
HOSTILE = "<script>alert(1)</script>{{7*7}}"


@pytest.fixture
def smtp_app_config() -> dict:
    # Each PDF is built during the delivery round (mail.compose): on a busy 2-core machine that can take seconds.
    return {"MAIL_TIMEOUT": 30}


@pytest.fixture
def app(smtp_app):
    return smtp_app


@pytest.fixture
def people(open_plenary):
    """Anna (German, checked in), 张伟 (Chinese, checked in), Ben (German, confirmed, never came)."""
    plenary = open_plenary(capacity_in_person=None)
    anna = signup.register(plenary.id, person("anna@example.org")).created[0]
    wei = signup.register(plenary.id, person("wei@example.cn", honorific=None, first_name="Wei", last_name="Zhang",
                                             name_zh="张伟", organisation="佛山市人民政府", language="zh",
                                             country="CN")).created[0]  # fmt: skip
    ben = signup.register(plenary.id, person("ben@example.org", first_name="Ben", last_name="Berger")).created[0]
    db.session.commit()
    for registration in (anna, wei):
        attendance.record_arrival(registration, AttendanceChannel.HALL, AttendanceSource.DOOR, by="door@isa.example",
                                  at=ENDS - timedelta(hours=3))  # fmt: skip
    db.session.commit()
    return anna, wei, ben


def _pdf(registration) -> tuple[PdfReader, IssuedDocument]:
    document = certificates.certificate_for(registration)
    db.session.commit()
    return PdfReader(io.BytesIO(documents.render_document(document))), document


def _flat(reader: PdfReader) -> str:
    return "".join(page.extract_text() for page in reader.pages).replace("\n", "")


@time_machine.travel(AFTER_END, tick=False)
def test_a_german_certificate_in_german_with_the_cjk_font_embedded_on_one_page(people):
    anna, _, _ = people
    reader, document = _pdf(anna)
    text = _flat(reader)
    assert len(reader.pages) == 1
    assert "Teilnahmebestätigung" in text and "Hiermit bestätigen wir die Teilnahme von" in text
    assert "Dr. Anna Schmidt" in text and "Stadt Köln" in text and "42. Plenarversammlung" in text
    assert "15. Oktober 2031" in text and "Rathaus, Köln" in text and "Yi Liu" in text
    assert "Chinesisch-Deutsche Industriestädteallianz" in text and "中德工业城市联盟" in text
    assert document.display_code in text and f"https://plenary.example.org/verify/{document.display_code}" in text
    fonts = pdf_fonts(reader)
    assert fonts and all(fonts.values()) and any("CJK" in name for name in fonts), fonts
    assert document.language == "de" and dict(document.statement) == {
        "name": "Dr. Anna Schmidt", "plenary": "42. Plenarversammlung", "dates": "15. Oktober 2031",
        "attendance": "vor Ort im Saal"}  # fmt: skip


@time_machine.travel(AFTER_END, tick=False)
def test_a_chinese_certificate_holds_the_name_in_characters_and_in_latin(people):
    _, wei, _ = people
    reader, document = _pdf(wei)
    text = _flat(reader)
    assert len(reader.pages) == 1
    assert "参会证明" in text and "兹证明" in text and "张伟" in text and "Wei Zhang" in text
    assert "佛山市人民政府" in text and "第四十二届全体大会" in text and "2031年10月15日" in text
    assert "中德工业城市联盟秘书长" in text
    assert any("CJK" in name for name in pdf_fonts(reader))
    assert dict(document.statement)["name"] == "张伟 / Wei Zhang"


def test_no_certificate_before_the_end_nor_without_attendance(people):
    anna, _, ben = people
    with time_machine.travel(BEFORE_END, tick=False):
        assert certificates.refusal(anna) == "not_ended" and certificates.personal_state(anna) is None
    with time_machine.travel(AFTER_END, tick=False):
        assert certificates.refusal(anna) is None and certificates.refusal(ben) == "not_attended"
        with pytest.raises(certificates.CertificateRefused):
            certificates.certificate_for(ben)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IssuedDocument)) == 0


@time_machine.travel(AFTER_END, tick=False)
def test_the_verify_url_is_valid_then_withdrawn_when_the_check_in_is_undone(people, client):
    anna, _, _ = people
    document = certificates.certificate_for(anna)
    db.session.commit()
    assert certificates.certificate_for(anna).id == document.id  # asked again: the same certificate
    html = client.get(f"/verify/{document.display_code}?lang=de").get_data(as_text=True)
    assert "Gültig" in html and "Teilnahmebestätigung" in html and "Dr. Anna Schmidt" in html
    assert undo_check_in(anna.plenary_id, anna.id) is anna
    db.session.commit()
    db.session.refresh(document)
    assert document.withdrawn_reason == "undone" and not documents.is_valid(document)
    html = client.get(f"/verify/{document.display_code}?lang=en").get_data(as_text=True)
    assert "Withdrawn" in html and "The attendance it certified was withdrawn." in html
    assert certificates.refusal(anna) == "not_attended"


@time_machine.travel(AFTER_END, tick=False)
def test_erasure_withdraws_the_certificate_and_it_cannot_be_made_again(people):
    anna, _, _ = people
    document = certificates.certificate_for(anna)
    db.session.commit()
    privacy.erase(anna.id)
    db.session.commit()
    db.session.refresh(document)
    assert document.withdrawn_reason == "erased" and documents.render_document(document) is None


def test_the_personal_page_offers_the_download_after_the_end_to_attendees_only(people, client):
    anna, _, ben = people
    with time_machine.travel(BEFORE_END, tick=False):
        page = client.get(f"/registrations/{token_for(anna)}").get_data(as_text=True)
        assert "Teilnahmebestätigung" not in page and "certificate.pdf" not in page
        assert "checkin-card" in page and "Wir freuen uns" in page
        refused = client.get(f"/registrations/{token_for(anna)}/certificate.pdf")
        assert refused.status_code == 302 and "done=not_possible" in refused.headers["Location"]
    with time_machine.travel(AFTER_END, tick=False):
        page = client.get(f"/registrations/{token_for(anna)}").get_data(as_text=True)
        assert "Teilnahmebestätigung" in page and "Bestätigung herunterladen (PDF)" in page
        # Over: no check-in code to show, no "we look forward to seeing you".
        assert "checkin-card" not in page and "Wir freuen uns" not in page and "Sie ist zu Ende" in page
        response = client.get(f"/registrations/{token_for(anna)}/certificate.pdf")
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert response.headers["Cache-Control"] == "no-store"
        assert "Dr. Anna Schmidt" in _flat(PdfReader(io.BytesIO(response.data)))
        # Issued by the download (and committed), once.
        assert db.session.scalar(sa.select(sa.func.count()).select_from(IssuedDocument)) == 1
        page = client.get(f"/registrations/{token_for(ben)}").get_data(as_text=True)
        assert "Wir haben keinen Nachweis Ihrer Teilnahme" in page and "certificate.pdf" not in page
        assert client.get(f"/registrations/{token_for(ben)}/certificate.pdf").status_code == 302


def _follow_up_mails() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "certificate_follow_up")))


def test_the_follow_up_mails_attendees_once_with_their_certificate(app, people, smtp, runner):
    anna, wei, ben = people
    with time_machine.travel(ENDS + timedelta(hours=11, minutes=59), tick=False):
        assert send_follow_ups(datetime.now(UTC), lambda: True) == 0  # FLASK_FOLLOW_UP_HOURS (12) not yet over
    with time_machine.travel(ENDS + timedelta(hours=12, minutes=5), tick=False):
        result = runner.invoke(args=["jobs", "run-due"])
        assert result.exit_code == 0, result.output
        again = runner.invoke(args=["jobs", "run-due"])  # the next round, or a second worker: nothing more
        assert again.exit_code == 0, again.output
        assert send_follow_ups(datetime.now(UTC), lambda: True) == 0
    mails = _follow_up_mails()
    assert sorted(m.registration_id for m in mails) == sorted([anna.id, wei.id])  # Ben did not come: no mail
    outcomes = dict(db.session.execute(sa.select(FollowUp.registration_id, FollowUp.outcome)).all())
    assert outcomes == {anna.id: "certificate", wei.id: "certificate", ben.id: "not_attended"}
    [message] = _thanks(smtp, "anna@example.org")
    assert message["Subject"] == "Vielen Dank für Ihre Teilnahme – 42. Plenarversammlung"
    [attached] = [p for p in message.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert "Teilnahmebestätigung" in _flat(PdfReader(io.BytesIO(attached.get_content())))
    [chinese] = _thanks(smtp, "wei@example.cn")
    assert chinese["Subject"].startswith("感谢您参会——")
    assert "您的参会证明（PDF）已随本邮件附上" in chinese.get_body(preferencelist=("plain",)).get_content()
    assert _thanks(smtp, "ben@example.org") == []


def _thanks(smtp, address: str) -> list:
    """The messages with a PDF that ``address`` received (the others: their registration's confirmation)."""
    parsed = [email.message_from_bytes(m.as_bytes(), policy=email.policy.default) for m in smtp.received_by(address)]
    return [m for m in parsed if any(p.get_content_type() == "application/pdf" for p in m.iter_attachments())]


def test_the_follow_up_skips_plenaries_long_over(app, people):
    with time_machine.travel(ENDS + timedelta(days=15), tick=False):  # FLASK_FOLLOW_UP_WITHIN_DAYS: 14
        assert send_follow_ups(datetime.now(UTC), lambda: True) == 0
    assert _follow_up_mails() == []


def test_the_command_writes_the_certificate_or_says_why_not(people, runner, tmp_path):
    anna, _, ben = people
    output = tmp_path / "certificate.pdf"
    with time_machine.travel(BEFORE_END, tick=False):
        early = runner.invoke(args=["documents", "certificate", str(anna.id), "--output", str(output)])
    assert early.exit_code == 1 and "has not ended yet (it ends 2031-10-15 12:30 Europe/Berlin)" in early.output
    with time_machine.travel(AFTER_END, tick=False):
        absent = runner.invoke(args=["documents", "certificate", str(ben.id), "--output", str(output)])
        assert absent.exit_code == 1 and "no attendance record" in absent.output
        assert runner.invoke(args=["documents", "certificate", "999999", "--output", str(output)]).exit_code == 1
        assert not output.exists()
        written = runner.invoke(args=["documents", "certificate", str(anna.id), "--output", str(output)])
    assert written.exit_code == 0, written.output
    assert "Dr. Anna Schmidt" in _flat(PdfReader(str(output)))


def test_hostile_names_are_text_in_the_pdf_and_escaped_in_the_mail(open_plenary, smtp):
    plenary = open_plenary(capacity_in_person=None)
    odd = signup.register(plenary.id, person("odd@example.org", honorific=None, first_name=HOSTILE,
                                             last_name="مرحبا", organisation="Ölwerke 🚀 " + "X" * 150))  # fmt: skip
    odd = odd.created[0]
    db.session.commit()
    attendance.record_arrival(odd, AttendanceChannel.ONLINE, AttendanceSource.JOIN_LINK, at=ENDS - timedelta(hours=1))
    db.session.commit()
    with time_machine.travel(AFTER_END, tick=False):
        reader, _document = _pdf(odd)
    text = _flat(reader)
    # One page however long the organisation; the emoji is left out (no font has it), the rest is text.
    assert len(reader.pages) == 1 and HOSTILE in text and "online an der" in text and "Ölwerke" in text
    with time_machine.travel(ENDS + timedelta(hours=13), tick=False):
        assert send_follow_ups(datetime.now(UTC), lambda: True) == 1
    [mail] = _follow_up_mails()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;{{7*7}}" in mail.body_html and "<script>" not in mail.body_html
    assert HOSTILE in mail.body_text
    with time_machine.travel(ENDS + timedelta(hours=13, minutes=1), tick=False):
        assert mail.id in deliver_due().sent
    [received] = _thanks(smtp, "odd@example.org")
    [attached] = [p for p in received.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert HOSTILE in _flat(PdfReader(io.BytesIO(attached.get_content())))


def test_the_demo_shows_two_attendees_of_the_10th_plenary_with_certificates(app, runner, tmp_path):
    load_demo()
    db.session.commit()
    load_demo()  # idempotent: the same two people, one online record each (the 10th plenary was online)
    db.session.commit()
    came = list(db.session.scalars(sa.select(Registration).where(Registration.attended).order_by(Registration.id)))
    # The first two; the other three attended too and answered the survey (plenary/survey/demo.py).
    assert [r.name_zh or r.display_name for r in came] == ["Dr. Anna Schmidt", "张伟", "李娜", "Thomas Müller",
                                                           "Julia Weber"]  # fmt: skip
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AttendanceRecord)) == 5
    came = came[:2]
    assert all(certificates.personal_state(r) == "available" for r in came)
    output = tmp_path / "zhang.pdf"
    result = runner.invoke(args=["documents", "certificate", str(came[1].id), "--output", str(output)])
    assert result.exit_code == 0, result.output
    text = _flat(PdfReader(str(output)))
    assert "参会证明" in text and "张伟" in text and "Wei Zhang" in text and "中德工业城市联盟第十届全体大会" in text
    assert "以线上方式参加了" in text
