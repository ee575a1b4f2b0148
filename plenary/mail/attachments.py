"""Files attached to a message, built when it is sent: the outbox stores a reference, not the file.

The outbox knows no documents. A message stores ``attachment_ref`` (e.g. "document:42"); at delivery the
*resolver* the app installed (``install``; ``plenary.documents.services`` does) turns it into the file. A
reference that no longer resolves (the document was withdrawn) means the message must not go out: it fails
as undeliverable, and nobody receives a letter that no longer holds.
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app


@dataclass(frozen=True)
class Attachment:
    """A file to attach: its name, contents and MIME type."""

    filename: str
    data: bytes
    maintype: str = "application"
    subtype: str = "pdf"


#: A stored reference → the file, or None if it cannot (any longer) be attached.
Resolver = Callable[[str], Attachment | None]


def install(app: Flask, resolver: Resolver) -> None:
    """Have ``app``'s outbox build attachments with ``resolver``."""
    app.extensions["outbox_attachment_resolver"] = resolver


def attachment(ref: str) -> Attachment | None:
    """The file ``ref`` names, built now (None: no resolver installed, or the reference no longer resolves)."""
    resolver = current_app.extensions.get("outbox_attachment_resolver")
    return resolver(ref) if resolver is not None else None
