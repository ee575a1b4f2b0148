"""Uploaded agenda documents (PDF only): stored under a random name in the instance folder, served inline.

The uploaded file's own name never reaches the file system: each document is stored as
``<instance>/documents/<token>.pdf`` with a fresh ``secrets.token_urlsafe`` token, and only names of
exactly that shape are ever served (no path can be smuggled in).
"""

import os
import re
import secrets
import unicodedata
from urllib.parse import quote

from flask import current_app

from plenary.agenda.models import AgendaItem
from plenary.extensions import db

#: The names we generate (token_urlsafe(24): 32 characters of A–Z a–z 0–9 - _).
NAME_PATTERN = re.compile(r"[A-Za-z0-9_-]{32}")
PDF_MAGIC = b"%PDF-"


class DocumentError(ValueError):
    """An upload that is not accepted; ``reason`` is "not_pdf", "too_large" or "empty"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def document_folder() -> str:
    """The folder that holds uploaded documents (created on first use)."""
    folder = os.path.join(current_app.instance_path, "documents")
    os.makedirs(folder, exist_ok=True)
    return folder


def read_upload(stream, limit: int | None = None) -> bytes:
    """Read an uploaded file, refusing anything over ``limit`` bytes, empty, or not a PDF by its content."""
    limit = limit if limit is not None else current_app.config["DOCUMENT_MAX_BYTES"]
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise DocumentError("too_large")
    if not data:
        raise DocumentError("empty")
    if not data.startswith(PDF_MAGIC):  # whatever the name or the declared content type say
        raise DocumentError("not_pdf")
    return data


def new_document_name() -> str:
    """A fresh random document name (without ``.pdf``)."""
    return secrets.token_urlsafe(24)


def store_document(data: bytes, name: str | None = None) -> str:
    """Store a checked PDF under ``name`` (default: a new random one); return the name (without ``.pdf``)."""
    name = name or new_document_name()
    if not NAME_PATTERN.fullmatch(name):
        raise ValueError("not a generated document name")
    path = os.path.join(document_folder(), f"{name}.pdf")
    with open(path, "xb") as fh:
        fh.write(data)
    return name


def document_path(name: str) -> str | None:
    """The file of the stored document ``name``, or None for any other name or a missing file."""
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        return None
    path = os.path.join(current_app.instance_path, "documents", f"{name}.pdf")
    return path if os.path.isfile(path) else None


def document_name_from_url(url: str | None) -> str | None:
    """The stored document's name if ``url`` points to one of ours (/documents/<name>.pdf), else None."""
    match = re.search(r"/documents/([A-Za-z0-9_-]{32})\.pdf$", url or "")
    return match.group(1) if match else None


def content_disposition(title: str | None) -> str:
    """``inline`` with an ASCII fallback filename and the exact one in RFC 5987 ``filename*``."""
    title = (title or "").strip() or "document"
    title = "".join(c for c in title if unicodedata.category(c)[0] not in "CZ" or c == " ")[:120].strip() or "document"
    filename = f"{title}.pdf"
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    ascii_name = re.sub(r"[^A-Za-z0-9._ -]", "_", ascii_name).strip() or "document.pdf"
    if not ascii_name.lower().endswith(".pdf"):
        ascii_name += ".pdf"
    return f"inline; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


#: A PDF opened in the browser may load nothing from elsewhere and may not be framed.
# No "sandbox": Chromium refuses to show PDFs in a sandboxed document; the PDF viewer runs apart from our
# origin anyway, and nothing else may load or frame it.
DOCUMENT_CSP = "default-src 'none'; frame-ancestors 'none'"


def forget_unused_documents(urls) -> None:
    """Delete the stored files of ``urls`` (documents replaced or removed) that no agenda item links any more.

    Call after the commit: a file is removed only once nothing can point to it.
    """
    for url in {u for u in urls if u}:
        name = document_name_from_url(url)
        path = document_path(name) if name else None
        if path is None:
            continue
        if db.session.scalar(db.select(AgendaItem.id).where(AgendaItem.document_url.like(f"%/documents/{name}.pdf"))
                             .limit(1)) is None:  # fmt: skip
            os.remove(path)
