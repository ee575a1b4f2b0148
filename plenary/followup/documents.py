"""The documents of the day: add, change, delete and order them; which of them a page or a person may see.

PDFs are checked and named as the agenda's documents are (``plenary.events.documents.read_upload``: PDF by its
content, size limit; a random name), but kept under keys of their own, ``plenary_documents/<name>.pdf`` in the file
store (``plenary.storage``): the public ``/documents/<name>.pdf`` route never serves them, so a registrants-only
PDF has no public address at all. Links (recordings) must be http(s) addresses; anything else (``javascript:``,
``data:``) is refused.
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from plenary import storage
from plenary.events.documents import NAME_PATTERN, DocumentError, new_document_name, read_upload, stored_for_request
from plenary.extensions import db
from plenary.followup.models import DocumentKind, DocumentVisibility, PlenaryDocument
from plenary.i18n import LANGUAGES
from plenary.registration.models import Registration
from plenary.registration.states import RegistrationStatus
from plenary.sqlite import begin_write

TITLE_MAX = 300
URL_MAX = 2000
__all__ = ["DocumentError", "DocumentInput", "LinkError"]

#: A document's kind ("Presentation" in context: the agenda's kind of item has the same English word).
KIND_LABELS = {DocumentKind.PRESENTATION: lazy_pgettext("document of the day", "Presentation"),
               DocumentKind.AGREEMENT: _l("Signed agreement"), DocumentKind.RECORDING: _l("Recording"),
               DocumentKind.OTHER: _l("Other document")}  # fmt: skip
VISIBILITY_LABELS = {DocumentVisibility.PUBLIC: _l("Public"),
                     DocumentVisibility.REGISTRANTS: _l("Registrants only")}  # fmt: skip


class LinkError(ValueError):
    """A link that is not accepted: ``reason`` is "scheme" (not http/https), "too_long" or "malformed"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class DocumentInput:
    """What the organizer gave for a document (a file's bytes or a link; both None: keep the stored one)."""

    title: dict[str, str]
    kind: DocumentKind
    visibility: DocumentVisibility
    agenda_item_id: int | None = None
    pdf: bytes | None = None
    url: str | None = None


def checked_url(value: str) -> str:
    """``value`` if it is an http(s) address with a host, on one line and not too long; else LinkError."""
    value = (value or "").strip()
    if len(value) > URL_MAX:
        raise LinkError("too_long")
    if any(c.isspace() or ord(c) < 32 for c in value):
        raise LinkError("malformed")
    try:
        parts = urlsplit(value)
    except ValueError as exc:
        raise LinkError("malformed") from exc
    if parts.scheme.lower() not in ("http", "https"):
        raise LinkError("scheme")
    if not parts.hostname:
        raise LinkError("malformed")
    return value


def file_key(name: str | None) -> str | None:
    """The store's key of the document of the day's file ``name``, or None for a name we did not generate."""
    return f"plenary_documents/{name}.pdf" if name and NAME_PATTERN.fullmatch(name) else None


def stored_file(document: PlenaryDocument) -> storage.Stored | None:
    """The stored PDF of ``document``, or None (a link, or the file is missing)."""
    key = file_key(document.file_name)
    return stored_for_request(key) if key is not None else None


def _store(data: bytes) -> str:
    name = new_document_name()
    storage.put(file_key(name), data)  # the database backend: committed with the document
    return name


def _remove(name: str | None) -> None:
    key = file_key(name)
    if key is not None:
        begin_write(db.session())
        storage.delete(key)
        db.session.commit()


def read_pdf(stream) -> bytes:
    """An uploaded PDF, checked (DocumentError otherwise)."""
    return read_upload(stream)


def documents_of(plenary_id: int, public_only: bool = False) -> list[PlenaryDocument]:
    """The plenary's documents of the day in their order (only the public ones with ``public_only``)."""
    query = sa.select(PlenaryDocument).where(PlenaryDocument.plenary_id == plenary_id)
    if public_only:
        query = query.where(PlenaryDocument.visibility == DocumentVisibility.PUBLIC)
    return list(db.session.scalars(query.order_by(PlenaryDocument.position, PlenaryDocument.id)))


def _apply(document: PlenaryDocument, data: DocumentInput) -> str | None:
    """Put ``data`` into ``document``; the name of a file it replaces (to delete once committed)."""
    document.title = {lang: data.title[lang] for lang in LANGUAGES if data.title.get(lang)}
    document.kind, document.visibility, document.agenda_item_id = data.kind, data.visibility, data.agenda_item_id
    replaced = None
    if data.url is not None:
        replaced, document.file_name, document.url = document.file_name, None, checked_url(data.url)
    elif data.pdf is not None:
        replaced, document.file_name, document.url = document.file_name, _store(data.pdf), None
    return replaced


def add_document(plenary_id: int, data: DocumentInput) -> PlenaryDocument:
    """A new document at the end of the plenary's list (flushes)."""
    if data.url is None and data.pdf is None:
        raise DocumentError("empty")
    last = db.session.scalar(sa.select(sa.func.max(PlenaryDocument.position))
                             .where(PlenaryDocument.plenary_id == plenary_id))  # fmt: skip
    document = PlenaryDocument(plenary_id=plenary_id, position=(last or 0) + 1)
    if data.url is not None:
        checked_url(data.url)  # before a file is written
    _apply(document, data)
    db.session.add(document)
    db.session.flush()
    return document


def update_document(document: PlenaryDocument, data: DocumentInput) -> str | None:
    """Change ``document`` (flushes); the replaced file's name, to delete after the commit (``forget_file``)."""
    if data.url is not None:
        checked_url(data.url)
    replaced = _apply(document, data)
    db.session.flush()
    return replaced


def delete_document(document: PlenaryDocument) -> str | None:
    """Delete ``document`` (flushes); its file's name, to delete after the commit (``forget_file``)."""
    name = document.file_name
    db.session.delete(document)
    db.session.flush()
    return name


def forget_file(name: str | None) -> None:
    """Remove a stored PDF no document refers to any more (after the commit that let go of it)."""
    _remove(name)


def move_document(document: PlenaryDocument, step: int) -> bool:
    """Swap ``document`` with its neighbour above (-1) or below (+1); False at an end (flushes)."""
    rows = documents_of(document.plenary_id)
    for position, row in enumerate(rows):
        row.position = position
    i = rows.index(document)
    j = i + step
    if not 0 <= j < len(rows):
        return False
    rows[i].position, rows[j].position = j, i
    db.session.flush()
    return True


def may_open(document: PlenaryDocument, registration: Registration | None) -> bool:
    """Whether ``registration`` (None: anyone) may open ``document``: public, or their plenary's and confirmed."""
    if document.is_public:
        return True
    return (registration is not None and registration.plenary_id == document.plenary_id
            and registration.status == RegistrationStatus.CONFIRMED and registration.anonymised_at is None)  # fmt: skip
