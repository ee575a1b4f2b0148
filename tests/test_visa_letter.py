"""The visa invitation letter: its PDF in German, Chinese and English (pypdf), the verify page, the mail, the
command, and hostile values in the PDF, the pages and the mails."""

import io

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from plenary.documents import services as documents
from plenary.documents.models import DocumentKind, IssuedDocument
from plenary.extensions import db
from plenary.mail.models import OutboxMessage
from plenary.registration import changes, privacy
from plenary.registration.tokens import token_for
from plenary.visa import review, services
from tests.conftest import login
from tests.test_paperwork_foundation import pdf_fonts
from tests.visa_helpers import HOSTILE, KEY, offering, register, request_letter


@pytest.fixture
def app(make_app):
    """An app with visa letters switched on and a key."""
    app = make_app(VISA_LETTERS=True, VISA_KEY=KEY)
    with app.app_context():
        yield app


@pytest.fixture
def plenary(open_plenary):
    """The 42nd plenary (Köln, 15 October 2031), offering visa letters for Germany."""
    return offering(open_plenary(capacity_in_person=50))


def _approved(registration, **changes):
    visa = request_letter(registration, **changes)
    document = review.approve(visa)
    db.session.commit()
    return visa, document


def _pdf(document) -> PdfReader:
    pdf = documents.render_document(document)
    assert pdf is not None and pdf.startswith(b"%PDF")
    return PdfReader(io.BytesIO(pdf))


def _text(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def test_a_letter_to_a_german_mission_is_in_german(app, plenary):
    registration = register(plenary)
    visa, document = _approved(registration)
    assert document.kind == DocumentKind.VISA_LETTER and document.language == "de"
    reader = _pdf(document)
    assert 1 <= len(reader.pages) <= 2
    text = _text(reader)
    flat = text.replace("\n", " ")
    assert "Einladung" in text and "ZHANG WEI" in text and "张伟" in text and "E12345678" in text
    assert "Generalkonsulat der Bundesrepublik Deutschland" in flat and "Guangzhou" in flat
    assert "Dr. Klaus Weber" in text and "Generalsekretär" in text
    assert "Die Kosten für Reise und Unterkunft" in flat  # the default costs sentence
    assert document.display_code in text and documents.verification_url(document) in flat.replace(" ", "")
    fonts = pdf_fonts(reader)
    assert fonts and all(fonts.values()) and any("CJK" in name for name in fonts)
    # The statement masks the passport number; the PDF is the same when built again.
    assert dict(document.statement)["passport"] == "•••••5678"
    assert _text(_pdf(document)) == text


def test_a_letter_to_a_chinese_mission_is_a_chinese_invitation_with_the_chinese_name_exactly(app, open_plenary):
    plenary = offering(open_plenary(capacity_in_person=50), host_country="CN",
                       costs={"zh": "受邀人在华期间的食宿费用由邀请方承担，国际旅费自理。"})  # fmt: skip
    registration = register(plenary, email="anna.schmidt@example.de", first_name="Anna", last_name="Schmidt",
                            name_zh="施安娜", country="DE", language="de", organisation="Stadt Köln")  # fmt: skip
    visa, document = _approved(registration, passport_name="SCHMIDT ANNA", nationality="DE", mission="cn-berlin",
                               passport_number="C01X00T47")  # fmt: skip
    assert document.language == "zh"
    reader = _pdf(document)
    assert 1 <= len(reader.pages) <= 2
    text = _text(reader)
    assert "邀请函" in text and "施安娜" in text and "SCHMIDT ANNA" in text and "C01X00T47" in text
    assert "中华人民共和国驻德国大使馆" in text or "中华人民共和国驻德国大使馆" in text.replace("\n", "")
    assert "受邀人在华期间的食宿费用由邀请方承担" in text.replace("\n", "")
    assert "魏克劳" in text and "秘书长" in text
    fonts = pdf_fonts(reader)
    assert all(fonts.values()) and any("CJK" in name for name in fonts)


def test_english_on_request(app, plenary):
    visa, document = _approved(register(plenary), english=True)
    assert document.language == "en"
    text = _text(_pdf(document))
    assert "Invitation" in text and "ZHANG WEI" in text and "borne by the delegate" in text.replace("\n", " ")


def test_the_verify_page_shows_the_letter_valid_then_withdrawn_after_cancelling(app, plenary, client):
    registration = register(plenary)
    visa, document = _approved(registration)
    url = documents.verification_url(document)
    path = url.split("plenary.example.org", 1)[1]
    page = client.get(path, query_string={"lang": "en"}).get_data(as_text=True)
    assert "Valid." in page and "ZHANG WEI" in page and "•••••5678" in page and "E12345678" not in page
    assert "Visa invitation letter" in page
    changes.cancel(registration.id)
    db.session.commit()
    page = client.get(path, query_string={"lang": "en"}).get_data(as_text=True)
    assert "Withdrawn." in page and "Valid." not in page
    db.session.refresh(document)
    assert document.withdrawn_reason == "cancelled"
    # Withdrawn: no download any more, and the mail still waiting is not sent with it.
    assert client.get(f"/registrations/{token_for(registration)}/visa/letter.pdf").status_code == 404
    assert review.current_letter(registration) is None


def test_the_approval_mail_carries_the_letter_in_the_persons_language(app, plenary):
    registration = register(plenary)
    visa, document = _approved(registration)
    mail = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "visa_approved"))
    assert mail.language == "zh" and mail.attachment_ref == documents.attachment_ref(document)
    attachment = documents.attachment_for(mail.attachment_ref)
    assert attachment is not None and attachment.data.startswith(b"%PDF")
    assert attachment.filename.endswith(".pdf") and "ZHANG" not in attachment.filename


def test_erasure_withdraws_the_letter_as_erased_and_deletes_the_passport_data(app, plenary, client):
    registration = register(plenary)
    visa, document = _approved(registration)
    privacy.erase(registration.id)
    db.session.commit()
    db.session.refresh(document)
    db.session.refresh(visa)
    assert document.withdrawn_reason == "erased" and document.statement == []
    assert visa.passport_token is None and documents.render_document(document) is None


def test_after_the_purge_no_letter_can_be_made(app, plenary, client):
    registration = register(plenary)
    visa, document = _approved(registration)
    services.purge(visa)
    db.session.commit()
    assert documents.render_document(document) is None
    assert client.get(f"/registrations/{token_for(registration)}/visa/letter.pdf").status_code == 404


def test_the_command_writes_the_approved_letter_and_refuses_without_one(app, plenary, runner, tmp_path):
    registration = register(plenary)
    out = tmp_path / "letter.pdf"
    result = runner.invoke(args=["documents", "visa-letter", str(registration.id), "--output", str(out)])
    assert result.exit_code == 1 and "no approved, valid visa letter" in result.output and not out.exists()
    _approved(registration)
    result = runner.invoke(args=["documents", "visa-letter", str(registration.id), "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "Einladung" in _text(PdfReader(str(out)))
    result = runner.invoke(args=["documents", "visa-letter", "999999", "--output", str(out)])
    assert result.exit_code == 1 and "no registration 999999" in result.output


def test_hostile_values_are_text_in_the_pdf_the_pages_and_the_mails(app, plenary, client, accounts):
    registration = register(plenary, organisation=HOSTILE)
    visa = request_letter(registration, passport_name=HOSTILE, birth_place=HOSTILE, mission="other",
                          mission_other=HOSTILE)  # fmt: skip
    login(client, "organizer@isa.example")
    detail = client.get(f"/admin/plenaries/{plenary.slug}/visa/{visa.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in detail and "&lt;script&gt;alert(1)&lt;/script&gt;" in detail
    assert "{{7*7}}" in detail  # not evaluated: the braces are shown as typed
    client.post(f"/admin/plenaries/{plenary.slug}/visa/{visa.id}/correction", data={"note": HOSTILE})
    mail = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "visa_correction"))
    assert HOSTILE in mail.body_text and "<script>" not in mail.body_html and "&lt;script&gt;" in mail.body_html
    token = token_for(registration)
    page = client.get(f"/registrations/{token}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "{{7*7}}" in page
    form = client.get(f"/registrations/{token}/visa").get_data(as_text=True)  # the request as sent, to correct
    assert "<script>alert(1)</script>" not in form and "&lt;script&gt;alert(1)&lt;/script&gt;" in form
    typed = {"passport_name": HOSTILE, "passport_number": "E12345678", "passport_expiry": "2033-01-31",
             "nationality": "CN", "birth_date": "1980-05-04", "birth_place": "Foshan", "entry_date": "2031-10-13",
             "exit_date": "2031-10-18", "mission": "other", "mission_other": HOSTILE}  # fmt: skip
    refused = client.post(f"/registrations/{token}/visa", data=typed)
    assert refused.status_code == 400  # a passport prints no markup or emoji: refused beside the field, kept
    assert "&lt;script&gt;" in refused.get_data(as_text=True) and "<script>alert" not in refused.get_data(True)
    name = "MÜLLER-LÜDENSCHEIDT O'BRIEN שלום"
    assert client.post(f"/registrations/{token}/visa", data=typed | {"passport_name": name}).status_code == 302
    db.session.refresh(visa)
    assert visa.status == "requested" and services.passport_data(visa)["passport_name"] == name
    document = review.approve(visa)
    db.session.commit()
    text = _text(_pdf(document)).replace("\n", "")
    # Markup stays text; the emoji (no installed font has one) is U+FFFD, and the text layer stays readable.
    assert '<script>alert(1)</script>{{7*7}} "Müller"' in text and "שלום" in text and "\ufffd" in text
    assert name in text and "Einladung" in text
    page = client.get(documents.verification_url(document).split("plenary.example.org", 1)[1]).get_data(True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page and "MÜLLER-LÜDENSCHEIDT" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IssuedDocument)) == 1
