"""What the agenda does beyond saving (which is the plenary's: plenary.events.editing): its stored documents."""

from collections.abc import Iterable

from plenary.agenda.models import AgendaItem
from plenary.events.documents import delete_document
from plenary.extensions import db


def forget_unused_documents(names: Iterable[str | None]) -> None:
    """Delete the stored files of ``names`` (documents replaced or removed) that no agenda item uses any more.

    Call after the commit: a file is removed only once nothing can point to it.
    """
    for name in {n for n in names if n}:
        in_use = db.select(AgendaItem.id).where(AgendaItem.document_name == name).limit(1)
        if db.session.scalar(in_use) is None:
            delete_document(name)
