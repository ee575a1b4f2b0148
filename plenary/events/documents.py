"""Uploaded agenda documents (PDF only): stored under a random name in the file store, served inline.

The uploaded file's own name is never used: each document is stored under the key ``documents/<token>.pdf``
(``plenary.storage``: the database or an S3 bucket, shared by every app server) with a fresh
``secrets.token_urlsafe`` token, and only names of exactly that shape are ever served (no key can be smuggled in).
An agenda item keeps the name (``AgendaItem.document_name``); its public URL is built from ``FLASK_PUBLIC_URL``
whenever a page or an export needs it, so that a new public address moves every link along.
"""

import io
import re
import secrets
import unicodedata
from urllib.parse import quote

from flask import current_app, has_request_context, request, send_file
from werkzeug.http import is_resource_modified

from plenary import storage
from plenary.extensions import db
from plenary.sqlite import begin_write
from plenary.urls import public_url

#: The names we generate (token_urlsafe(24): 32 characters of A–Z a–z 0–9 - _).
NAME_PATTERN = re.compile(r"[A-Za-z0-9_-]{32}")
PDF_MAGIC = b"%PDF-"


class DocumentError(ValueError):
    """An upload that is not accepted; ``reason`` is "not_pdf", "too_large" or "empty"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def document_key(name: str) -> str | None:
    """The store's key of the document ``name``, or None for a name we did not generate."""
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        return None
    return f"documents/{name}.pdf"


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
    key = document_key(name)
    if key is None:
        raise ValueError("not a generated document name")
    storage.put(key, data)  # the database backend: committed with the caller's change
    return name


def stored_document(name: str) -> storage.Stored | None:
    """The stored document ``name`` (bytes, ETag, time), or None for any other name or a missing one."""
    key = document_key(name)
    return stored_for_request(key) if key is not None else None


def stored_for_request(key: str) -> storage.Stored | None:
    """The file of ``key`` for the current request: a conditional one (If-None-Match, If-Modified-Since) asks for
    the validators first and reads the bytes only if the client's copy is out of date (a 304 reads none); any
    other reads them at once (one query)."""
    conditional = has_request_context() and bool(request.if_none_match or request.if_modified_since)
    return storage.find(key) if conditional else storage.get(key)


def document_exists(name: str) -> bool:
    """Whether the document ``name`` is stored."""
    key = document_key(name)
    return key is not None and storage.exists(key)


def public_document_url(name: str) -> str:
    """The public address of the stored document ``name`` (``FLASK_PUBLIC_URL``/documents/<name>.pdf)."""
    return public_url("events.document", name=name)


def document_name_from_url(url: str | None) -> str | None:
    """The name of one of our documents if ``url`` is its address, else None (the URL is a link elsewhere).

    Ours: the address on today's public URL, or on any host when that document is stored here (an export
    made before ``FLASK_PUBLIC_URL`` changed).
    """
    match = re.search(r"/documents/([A-Za-z0-9_-]{32})\.pdf$", url or "")
    if match is None:
        return None
    name = match.group(1)
    return name if url == public_document_url(name) or document_exists(name) else None


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


def delete_document(name: str) -> None:
    """Remove the stored file of the document ``name`` (nothing happens if there is none; commits)."""
    key = document_key(name)
    if key is not None:
        begin_write(db.session())
        storage.delete(key)
        db.session.commit()


def pdf_response(stored: storage.Stored, title: str | None, max_age: int):
    """A stored PDF shown inline: conditional GET on its ETag and time, the title as file name, never framed.

    A client that has the file gets its 304 before the bytes are read from the store (``storage.find``).
    """
    if not is_resource_modified(request.environ, etag=stored.etag, last_modified=stored.modified):
        response = current_app.response_class(status=304)
        response.set_etag(stored.etag)
        response.last_modified = stored.modified
        response.cache_control.public, response.cache_control.max_age = True, max_age
    else:
        response = send_file(io.BytesIO(stored.data), mimetype="application/pdf", conditional=True,
                             etag=stored.etag, last_modified=stored.modified, max_age=max_age)  # fmt: skip
    response.headers["Content-Disposition"] = content_disposition(title)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = DOCUMENT_CSP
    return response
