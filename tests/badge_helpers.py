"""Helpers of the badge tests: people added directly, and what a PDF holds (pypdf)."""

import io

import pypdf

from plenary.extensions import db
from plenary.registration.models import Registration


def add_person(plenary, n: int, **values) -> Registration:
    """A registration of ``plenary`` (confirmed, in person unless ``values`` say otherwise), flushed."""
    data = {"status": "confirmed", "attendance": "in_person", "first_name": f"Person{n}", "last_name": f"Test{n}",
            "organisation": "Stadt Köln", "email": f"p{n}@example.org", "language": "de"} | values  # fmt: skip
    registration = Registration(plenary_id=plenary.id, **data)
    db.session.add(registration)
    db.session.flush()
    return registration


def pdf_reader(data: bytes) -> pypdf.PdfReader:
    """The PDF ``data`` opened with pypdf."""
    assert data.startswith(b"%PDF-")
    return pypdf.PdfReader(io.BytesIO(data))


def pdf_text(data: bytes) -> str:
    """The text layer of every page, joined."""
    return "\n".join(page.extract_text() for page in pdf_reader(data).pages)


def compact(text: str) -> str:
    """``text`` without white space (a long name wraps over lines in the text layer)."""
    return "".join(text.split())


def embedded_fonts(data: bytes) -> set[str]:
    """The base names of the fonts embedded (with a /FontFile*) on any page."""
    names = set()
    for page in pdf_reader(data).pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            for part in [d.get_object() for d in font.get("/DescendantFonts", [])] or [font]:
                descriptor = part.get("/FontDescriptor")
                if descriptor is not None and any(k.startswith("/FontFile") for k in descriptor.get_object()):
                    names.add(str(font["/BaseFont"]))
    return names
