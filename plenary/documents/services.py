"""Issuing, withdrawing and verifying documents; the registry of document kinds.

Each document package (visa letters, certificates, badges) registers its kind at import (``register_kind``):
its title and the labels of its statement's keys for the verification page, how to build its PDF again from
stored data, and its file name. A document is issued with ``issue`` (a valid earlier one of the same kind and
registration is withdrawn as "replaced"); it is withdrawn by ``withdraw`` — and, for every kind, when its
registration ends (cancelled, rejected) or is erased, through the registration's signals.

A mail carries a document as ``queue_message(..., attachment_ref=attachment_ref(document))``: the PDF is built
when the mail is sent; a document withdrawn by then is not sent at all (the message fails as undeliverable).
"""

import re
import secrets
from base64 import b32encode
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask

from plenary.db import utcnow
from plenary.documents.models import DocumentKind, IssuedDocument
from plenary.events.models import PlenaryStatus
from plenary.events.signals import plenary_rescheduled
from plenary.extensions import db
from plenary.mail.attachments import Attachment
from plenary.mail.attachments import install as install_attachments
from plenary.registration.signals import registration_ended, registration_erased
from plenary.urls import public_url

#: The code's length in base32 characters (80 bits) and the prefix of an attachment reference.
CODE_LENGTH = 16
ATTACHMENT_PREFIX = "document:"


@dataclass(frozen=True)
class KindSpec:
    """What the app knows about one kind of document (see ``register_kind``)."""

    title: object  # a lazy string: "Visa invitation letter"
    labels: dict  # statement key → lazy label
    render: Callable[[IssuedDocument], bytes | None]
    filename: Callable[[IssuedDocument], str]
    #: True if the document states the plenary's dates or venue: a change of them withdraws it ("rescheduled").
    states_time_and_place: bool = False


_KINDS: dict[DocumentKind, KindSpec] = {}


def register_kind(kind: DocumentKind, *, title, labels: dict, render: Callable[[IssuedDocument], bytes | None],
                  filename: Callable[[IssuedDocument], str], states_time_and_place: bool = False) -> None:  # fmt: skip
    """Make ``kind`` known: its title and statement labels (verification page), its PDF and its file name; whether
    it states the plenary's dates or venue (then moving the plenary withdraws it)."""
    _KINDS[DocumentKind(kind)] = KindSpec(title=title, labels=labels, render=render, filename=filename,
                                          states_time_and_place=states_time_and_place)  # fmt: skip


def kind_spec(kind: DocumentKind) -> KindSpec | None:
    """The registered description of ``kind`` (None if no package registered it)."""
    return _KINDS.get(DocumentKind(kind))


def new_code() -> str:
    """A fresh document code: 16 random base32 characters."""
    return b32encode(secrets.token_bytes(10)).decode("ascii")[:CODE_LENGTH]


def normalised_code(text: str | None) -> str:
    """A typed or scanned code in stored form: letters and digits only, upper case ("k7qx-3m2p…" → "K7QX3M2P…")."""
    return re.sub(r"[^A-Za-z0-9]", "", (text or "")[:100]).upper()


def find(code: str | None) -> IssuedDocument | None:
    """The document with this (typed, spaced, lower-case) code, or None."""
    code = normalised_code(code)
    if len(code) != CODE_LENGTH:
        return None
    return db.session.scalar(sa.select(IssuedDocument).where(IssuedDocument.code == code))


def current(kind: DocumentKind, registration) -> IssuedDocument | None:
    """The valid (not withdrawn) document of ``kind`` for ``registration``, or None."""
    return db.session.scalar(
        sa.select(IssuedDocument)
        .where(IssuedDocument.registration_id == registration.id, IssuedDocument.kind == kind,
               IssuedDocument.withdrawn_at.is_(None))  # fmt: skip
        .order_by(IssuedDocument.id.desc())
        .limit(1)
    )


def issue(kind: DocumentKind, registration, language: str, statement: list[tuple[str, str]]) -> IssuedDocument:
    """Issue a document of ``kind`` to ``registration`` stating ``statement`` (flushed, not committed).

    A valid earlier document of the same kind and registration is withdrawn as "replaced".
    """
    earlier = current(kind, registration)
    if earlier is not None:
        withdraw(earlier, "replaced")
    document = IssuedDocument(
        code=new_code(), kind=DocumentKind(kind), plenary_id=registration.plenary_id,
        registration_id=registration.id, language=language,
        statement=[[str(key), "" if value is None else str(value)] for key, value in statement],
    )  # fmt: skip
    db.session.add(document)
    db.session.flush()
    return document


def withdraw(document: IssuedDocument, reason: str) -> None:
    """Withdraw ``document`` (its verification page says so from now on); a withdrawn one stays as it was."""
    if document.withdrawn_at is None:
        document.withdrawn_at = utcnow()
        document.withdrawn_reason = reason[:40]


def withdraw_all(registration, reason: str, kinds: tuple[DocumentKind, ...] | None = None) -> int:
    """Withdraw every valid document of ``registration`` (of ``kinds``, or all); how many were withdrawn."""
    query = sa.select(IssuedDocument).where(
        IssuedDocument.registration_id == registration.id, IssuedDocument.withdrawn_at.is_(None)
    )
    if kinds:
        query = query.where(IssuedDocument.kind.in_([DocumentKind(kind) for kind in kinds]))
    documents = list(db.session.scalars(query))
    for document in documents:
        withdraw(document, reason)
    return len(documents)


def is_valid(document: IssuedDocument) -> bool:
    """True while the document holds: not withdrawn, and its plenary not cancelled."""
    return document.withdrawn_at is None and document.plenary.status != PlenaryStatus.CANCELLED


def verification_url(document: IssuedDocument) -> str:
    """The absolute URL of the document's verification page (what its QR holds)."""
    return public_url("documents.verify", code=document.display_code)


def render_document(document: IssuedDocument) -> bytes | None:
    """The document's PDF, built again from stored data (None: its kind cannot make it any more)."""
    spec = kind_spec(document.kind)
    return spec.render(document) if spec is not None else None


def filename(document: IssuedDocument) -> str:
    """The file name to download or attach the document as."""
    spec = kind_spec(document.kind)
    return spec.filename(document) if spec is not None else f"{document.kind.value}-{document.display_code}.pdf"


def attachment_ref(document: IssuedDocument) -> str:
    """What ``queue_message(attachment_ref=…)`` stores to attach ``document`` to a mail."""
    return f"{ATTACHMENT_PREFIX}{document.id}"


def attachment_for(ref: str) -> Attachment | None:
    """The PDF a stored reference names, built now; None if the document is gone, withdrawn or cannot be made."""
    if not ref.startswith(ATTACHMENT_PREFIX) or not ref[len(ATTACHMENT_PREFIX):].isdigit():
        return None
    document = db.session.get(IssuedDocument, int(ref[len(ATTACHMENT_PREFIX):]))
    if document is None or not is_valid(document):
        return None
    pdf = render_document(document)
    if pdf is None:
        return None
    return Attachment(filename=filename(document), data=pdf, maintype="application", subtype="pdf")


def _ended(registration, action: str = "cancel", **_) -> None:
    """A registration that ended (cancelled, rejected) holds no document any more."""
    if getattr(registration, "id", None) is None:  # never stored (a rule checked on a plain object): none
        return
    withdraw_all(registration, {"reject": "rejected", "erase": "erased"}.get(action, "cancelled"))


def _erased(registration, **_) -> None:
    """An erased registration's documents are withdrawn and state nothing any more."""
    for document in db.session.scalars(sa.select(IssuedDocument).where(
            IssuedDocument.registration_id == registration.id)):  # fmt: skip
        withdraw(document, "erased")
        document.statement = []


def _rescheduled(plenary, **_) -> None:
    """The plenary moved (time or place): documents that state its dates or venue no longer hold."""
    kinds = [kind for kind, spec in _KINDS.items() if spec.states_time_and_place]
    if not kinds or getattr(plenary, "id", None) is None:
        return
    for document in db.session.scalars(sa.select(IssuedDocument).where(
            IssuedDocument.plenary_id == plenary.id, IssuedDocument.kind.in_(kinds),
            IssuedDocument.withdrawn_at.is_(None))):  # fmt: skip
        withdraw(document, "rescheduled")


def install(app: Flask) -> None:
    """Connect to the registration's and plenary's signals and let the outbox attach documents (once per app)."""
    registration_ended.connect(_ended, weak=False)
    registration_erased.connect(_erased, weak=False)
    plenary_rescheduled.connect(_rescheduled, weak=False)
    install_attachments(app, attachment_for)
