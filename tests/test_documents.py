"""Agenda documents are kept by their stored name: their address follows FLASK_PUBLIC_URL, exports round-trip."""

import json

import pytest
import sqlalchemy as sa

from plenary.agenda.models import AgendaItem
from plenary.agenda.services import forget_unused_documents
from plenary.events.documents import public_document_url, store_document
from plenary.events.exchange import dumps, export_plenary, import_plenary
from plenary.extensions import db
from tests.conftest import plenary_document
from tests.helpers import stored_keys

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def with_document(app, make_plenary, tmp_path):
    """The test plenary whose first item links an uploaded PDF (stored in tmp_path); returns (plenary, name)."""
    app.instance_path = str(tmp_path / "instance")
    name = store_document(PDF)
    agenda = plenary_document()["agenda"]
    agenda[0] |= {"document_title": {"de": "Bericht", "en": "Report"}, "document_url": public_document_url(name)}
    return make_plenary(agenda=agenda), name


def stored(plenary) -> list[tuple]:
    db.session.expire_all()
    return [(item.document_name, item.document_link) for item in plenary.agenda_items]


def test_an_uploaded_document_is_stored_by_name_and_a_link_as_it_is(with_document):
    plenary, name = with_document
    assert stored(plenary) == [(name, None), (None, "https://example.org/mou.pdf")]
    assert plenary.agenda_items[0].document_url == f"https://plenary.example.org/documents/{name}.pdf"


def test_a_new_public_address_moves_every_document_link(app, client, with_document):
    plenary, name = with_document
    app.config["PUBLIC_URL"] = "https://plenaries.example.net/isa"
    new = f"https://plenaries.example.net/isa/documents/{name}.pdf"
    page = client.get("/plenaries/test-plenary").get_data(as_text=True)
    assert f'href="{new}"' in page and "plenary.example.org/documents" not in page
    assert export_plenary(plenary)["agenda"][0]["document_url"] == new
    served = client.get(f"/documents/{name}.pdf?lang=en")  # found by its name, with its title
    assert served.status_code == 200 and served.data == PDF
    assert 'filename="Report.pdf"' in served.headers["Content-Disposition"]


def test_export_import_export_gives_the_same_text(with_document):
    plenary, name = with_document
    text = dumps(export_plenary(plenary, include_private=True))
    import_plenary(json.loads(text))
    db.session.commit()
    assert stored(plenary) == [(name, None), (None, "https://example.org/mou.pdf")]
    assert dumps(export_plenary(plenary, include_private=True)) == text


@pytest.mark.parametrize(("address", "ours"), [
    ("https://plenary.example.org/documents/{stored}.pdf", True),
    ("https://old-host.example.com/documents/{stored}.pdf", True),  # exported before the address changed
    ("https://plenary.example.org/documents/{other}.pdf", True),  # today's address, the file not (yet) here
    ("https://elsewhere.example.com/documents/{other}.pdf", False),  # another site's document
    ("https://plenary.example.org/documents/{stored}.pdf?download=1", False),
    ("https://example.org/documents/report.pdf", False),
])  # fmt: skip
def test_which_addresses_are_kept_as_a_name(with_document, address, ours):
    plenary, name = with_document
    item = plenary.agenda_items[1]
    url = address.format(stored=name, other="B" * 32)
    item.document_url = url
    db.session.commit()
    expected = (url.rsplit("/", 1)[1].removesuffix(".pdf"), None) if ours else (None, url)
    assert stored(plenary)[1] == expected


def test_a_file_goes_only_when_no_item_uses_it(app, with_document):
    plenary, name = with_document
    first, second = plenary.agenda_items
    key = f"documents/{name}.pdf"
    second.document_url = first.document_url
    db.session.commit()
    first.document_url = None
    db.session.commit()
    forget_unused_documents([name, None])
    assert stored_keys("documents/") == [key]  # the second item still shows it
    second.document_url = None
    db.session.commit()
    forget_unused_documents([name])
    assert stored_keys("documents/") == []


def test_an_item_has_one_document_at_most(with_document):
    plenary, name = with_document
    with pytest.raises(sa.exc.IntegrityError):  # the second item links elsewhere already
        db.session.execute(sa.update(AgendaItem).where(AgendaItem.id == plenary.agenda_items[1].id)
                           .values(document_name=name))  # fmt: skip
    db.session.rollback()
