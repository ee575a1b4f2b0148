"""The documents' foundation: PDFs with embedded, subset CJK fonts; issuing, withdrawing and verifying documents;
documents attached to mails when sent; documents following their registration (cancel, erase).

Every PDF is opened with pypdf as a reader would: the text layer, the fonts, the pages.
"""

import email
import email.policy
import io
import os

import pytest
import sqlalchemy as sa
from jinja2 import ChoiceLoader, FileSystemLoader
from pypdf import PdfReader
from weasyprint.urls import URLFetchingError

from plenary.documents import services
from plenary.documents.models import DocumentKind, IssuedDocument
from plenary.documents.render import StaticOnlyFetcher, printable, qr_data_uri, render_pdf
from plenary.events.editing import set_status
from plenary.events.models import PlenaryStatus
from plenary.extensions import db
from plenary.mail.delivery import deliver_due
from plenary.mail.models import FinalReason, OutboxMessage, OutboxStatus
from plenary.mail.outbox import queue_message
from plenary.registration import changes, privacy, signup
from tests.conftest import person

HERE = os.path.dirname(__file__)
HOSTILE = '<script>alert(1)</script>{{7*7}} "Müller" 张伟'


@pytest.fixture
def app(smtp_app):
    """The app sending by SMTP to ``smtp`` (conftest), able to find the test's document template."""
    smtp_app.jinja_loader = ChoiceLoader([smtp_app.jinja_loader, FileSystemLoader(os.path.join(HERE, "templates"))])
    return smtp_app


def pdf_fonts(reader: PdfReader) -> dict[str, bool]:
    """Every font the PDF uses → whether its program is embedded (a /FontFile* in its descriptor)."""
    fonts = {}
    for page in reader.pages:
        for ref in page["/Resources"].get("/Font", {}).values():
            font = ref.get_object()
            described = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = described["/FontDescriptor"].get_object()
            fonts[str(font["/BaseFont"])] = any(key.startswith("/FontFile") for key in descriptor)
    return fonts


def sample(app, pages=1, name="张伟 · Dr. Anna Müller", **context) -> PdfReader:
    with app.test_request_context():
        return PdfReader(io.BytesIO(render_pdf("documents/test_sample.html", "zh", dict(pages=pages, name=name,
                                                                                        **context))))


def test_a_pdf_holds_chinese_and_german_text_in_its_text_layer_with_the_cjk_font_embedded_and_subset(app):
    reader = sample(app, pages=3)
    assert len(reader.pages) == 3
    text = reader.pages[0].extract_text()
    assert "张伟 · Dr. Anna Müller" in text
    # Rendered in the document's language (zh), not the request's: the heading and the letterhead.
    assert "议程" in text and "中德工业城市联盟" in text and "Chinesisch-Deutsche Industriestädteallianz" in text
    fonts = pdf_fonts(reader)
    assert fonts and all(fonts.values()), fonts  # every font embedded
    assert any("CJK" in name for name in fonts)
    # Subset fonts carry a six-letter tag ("ABCDEF+Noto-Sans-CJK-SC"): only the glyphs used are in the file.
    assert all(name.lstrip("/")[6] == "+" for name in fonts), fonts
    assert sum(len(p.get_contents().get_data()) for p in reader.pages) < 200_000


def test_a_hostile_value_is_text_in_the_pdf_not_markup(app):
    text = sample(app, name=HOSTILE).pages[0].extract_text()
    assert '<script>alert(1)</script>{{7*7}} "Müller" 张伟' in text.replace("\n", "")


def test_documents_fetch_nothing_from_the_network_nor_files_outside_static(app):
    fetcher = StaticOnlyFetcher(app.static_folder)
    with pytest.raises(URLFetchingError):
        fetcher.fetch("https://fonts.example.com/font.woff2")
    with pytest.raises(URLFetchingError):
        fetcher.fetch("file:///etc/passwd")
    with pytest.raises(URLFetchingError):
        fetcher.fetch("file://" + os.path.realpath(app.static_folder) + "/../wsgi.py")
    logo = fetcher.fetch("file://" + os.path.realpath(app.static_folder) + "/img/logo.svg")
    assert b"<svg" in logo.read() if hasattr(logo, "read") else True
    assert qr_data_uri("https://plenary.example.org/verify/X").startswith("data:image/png;base64,")


@pytest.fixture
def registered(app, open_plenary):
    plenary = open_plenary(capacity_in_person=5)
    registration = signup.register(plenary.id, person("zhang@example.cn", language="zh", first_name="伟",
                                                      last_name="张")).created[0]  # fmt: skip
    db.session.commit()
    return registration


def issue_sample(registration, statement=(("name", "张伟"),)) -> IssuedDocument:
    document = services.issue(DocumentKind.CERTIFICATE, registration, "zh", list(statement))
    db.session.commit()
    return document


def test_a_new_document_replaces_the_valid_one_of_its_kind(app, registered):
    first = issue_sample(registered)
    second = issue_sample(registered)
    assert first.withdrawn_reason == "replaced" and first.withdrawn_at is not None
    assert services.current(DocumentKind.CERTIFICATE, registered) == second
    assert len(first.code) == 16 and first.code != second.code
    assert services.find(second.display_code.lower().replace("-", " ")) == second
    assert services.find("nonsense") is None and services.find("A" * 16) is None


def test_the_verification_page_shows_what_the_document_states_and_whether_it_holds(app, registered, client):
    document = issue_sample(registered, statement=[("name", HOSTILE)])
    url = services.verification_url(document)
    assert url == f"https://plenary.example.org/verify/{document.display_code}"
    page = client.get(f"/verify/{document.display_code}?lang=de")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Gültig" in html or "gültig" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;{{7*7}}" in html and "<script>alert(1)" not in html
    assert page.headers["Cache-Control"] == "no-store" and page.headers["X-Robots-Tag"] == "noindex"
    # Lower case, without dashes (typed from paper): the same document.
    assert client.get(f"/verify/{document.code.lower()}").status_code == 200
    assert client.get("/verify/AAAA-BBBB-CCCC-DDDD").status_code == 404

    changes.cancel(registered.id)
    db.session.commit()
    db.session.refresh(document)
    assert document.withdrawn_reason == "cancelled"
    html = client.get(f"/verify/{document.code}?lang=zh").get_data(as_text=True)
    assert "已撤销" in html and "报名已取消" in html


def test_a_cancelled_plenary_makes_its_documents_invalid(app, registered, client):
    document = issue_sample(registered)
    plenary = registered.plenary
    set_status(plenary, PlenaryStatus.CANCELLED, "plenary.cancel")
    db.session.commit()
    assert not services.is_valid(document)
    html = client.get(f"/verify/{document.code}?lang=en").get_data(as_text=True)
    assert "No longer valid" in html and "was cancelled" in html


def test_erasure_withdraws_the_documents_and_forgets_what_they_stated(app, registered, client):
    document = issue_sample(registered)
    privacy.erase(registered.id)
    db.session.commit()
    db.session.refresh(document)
    assert document.withdrawn_reason == "erased" and document.statement == []
    html = client.get(f"/verify/{document.code}?lang=en").get_data(as_text=True)
    assert "张伟" not in html and "Withdrawn" in html


def _sample_spec(pdf: bytes | None):
    return services.KindSpec(title="Sample", labels={"name": "Name"}, render=lambda document: pdf,
                             filename=lambda document: f"sample-{document.code}.pdf")  # fmt: skip


def _queue_with(registration, document) -> OutboxMessage:
    message = queue_message("registration_received", registration.email, "zh",
                            {"registration": registration, "plenary": registration.plenary},
                            registration_id=registration.id, attachment_ref=services.attachment_ref(document))
    db.session.commit()
    return message


def test_a_mail_carries_the_document_built_when_it_is_sent(app, registered, smtp, monkeypatch):
    pdf = b"%PDF-1.7 sample"
    monkeypatch.setitem(services._KINDS, DocumentKind.CERTIFICATE, _sample_spec(pdf))
    document = issue_sample(registered)
    db.session.execute(sa.delete(OutboxMessage))
    db.session.commit()
    _queue_with(registered, document)
    assert len(deliver_due().sent) == 1
    [received] = smtp.received_by("zhang@example.cn")
    message = email.message_from_bytes(received.as_bytes(), policy=email.policy.default)
    assert message.get_content_type() == "multipart/mixed"
    [attached] = [part for part in message.iter_attachments() if part.get_content_type() == "application/pdf"]
    assert attached.get_filename() == f"sample-{document.code}.pdf" and attached.get_content() == pdf


def test_a_document_withdrawn_before_its_mail_went_out_is_never_sent(app, registered, smtp, monkeypatch):
    monkeypatch.setitem(services._KINDS, DocumentKind.CERTIFICATE, _sample_spec(b"%PDF-1.7"))
    document = issue_sample(registered)
    db.session.execute(sa.delete(OutboxMessage))
    db.session.commit()
    message = _queue_with(registered, document)
    services.withdraw(document, "revoked")
    db.session.commit()
    report = deliver_due()
    assert report.sent == [] and report.failed == [message.id]
    db.session.refresh(message)
    assert message.status == OutboxStatus.FAILED and message.final_reason == FinalReason.UNDELIVERABLE
    assert smtp.received_by("zhang@example.cn") == []


def test_a_character_no_font_draws_becomes_a_replacement_and_keeps_the_text_layer_whole(app):
    # 🦊 and U+20000 are in no installed font: printed raw, WeasyPrint's .notdef glyph garbled the whole line's
    # text layer ("C+&¤\x00 ÿÿ…" instead of 张伟). 😀 is in DejaVu Sans and prints; Arabic too.
    name = "张伟 🦊 \U00020000 😀 مرحبا\u2028Müller \x07"
    text = sample(app, name=name).pages[0].extract_text()
    assert "张伟 \ufffd \ufffd 😀" in text and "Müller" in text and "\x00" not in text
    assert printable("a\u2028b\x07c\ufe0f") == "a bc"


def test_the_verification_page_dates_the_document_as_the_plenarys_zone_does(app, registered, client):
    import time_machine

    # 23:30 in Berlin on 1 December is already 2 December in Beijing; the plenary (tests' default) is in Berlin.
    with time_machine.travel("2026-12-01T22:30:00+00:00", tick=False):
        document = issue_sample(registered)
    html = client.get(f"/verify/{document.code}?lang=de").get_data(as_text=True)
    assert "1. Dezember 2026" in html
    registered.plenary.timezone = "Asia/Shanghai"
    db.session.commit()
    html = client.get(f"/verify/{document.code}?lang=de").get_data(as_text=True)
    assert "2. Dezember 2026" in html and "1. Dezember 2026" not in html


def test_moving_the_plenary_withdraws_the_documents_that_state_its_dates(app, registered, client, monkeypatch):
    from plenary.events.editing import save_plenary
    from plenary.events.exchange import export_plenary

    monkeypatch.setitem(services._KINDS, DocumentKind.CERTIFICATE, services.KindSpec(
        title="Sample", labels={}, render=lambda d: None, filename=lambda d: "x.pdf", states_time_and_place=True))
    monkeypatch.setitem(services._KINDS, DocumentKind.BADGE, services.KindSpec(
        title="Badge", labels={}, render=lambda d: None, filename=lambda d: "x.pdf"))  # fmt: skip
    dated = issue_sample(registered)
    badge = services.issue(DocumentKind.BADGE, registered, "zh", [("name", "张伟")])
    db.session.commit()
    plenary = registered.plenary
    save_plenary(export_plenary(plenary, include_private=True) | {"title": {"de": "Neuer Titel"}})
    db.session.commit()
    assert services.is_valid(dated)  # a new title: nothing the letter states of time and place
    document = export_plenary(plenary, include_private=True)
    save_plenary(document | {"starts_at": "2031-10-16T09:00:00+02:00", "ends_at": "2031-10-16T12:30:00+02:00"},
                 move_agenda=True)  # fmt: skip
    db.session.commit()
    db.session.refresh(dated)
    db.session.refresh(badge)
    assert dated.withdrawn_reason == "rescheduled" and badge.withdrawn_at is None
    html = client.get(f"/verify/{dated.code}?lang=de").get_data(as_text=True)
    assert "Termin oder Ort der Plenarversammlung haben sich nach der Ausstellung geändert." in html
