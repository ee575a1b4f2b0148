"""A badge's verification: each printed badge is a document (kind ``badge``) whose code and URL it carries.

Anyone holding a badge (security at the venue, a hotel) can open ``/verify/<code>`` and see whose badge it is
and whether it still holds: a cancelled, rejected or erased registration withdraws it (the documents'
foundation), a reprint with other details replaces it ("replaced"). Printing the same details again keeps
the code, so a batch can be rebuilt without invalidating badges already handed out. Name plates stand on
tables and carry no code; the preview carries none either (nothing is issued by looking).
"""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from plenary.documents import services as documents
from plenary.documents.models import DocumentKind, IssuedDocument
from plenary.extensions import db
from plenary.registration.locking import lock_plenary
from plenary.registration.models import Registration

#: The statement's words on the verification page.
LABELS = {"name": _l("Name"), "organisation": _l("Organisation"), "role": _l("Role")}

documents.register_kind(DocumentKind.BADGE, title=_l("Badge"), labels=LABELS, render=lambda document: None,
                        filename=lambda document: f"badge-{document.display_code}.pdf")  # fmt: skip


def statement(card: dict) -> list[list[str]]:
    """What a badge states: the name as printed (both scripts), the organisation, the role in both languages."""
    name = " ".join(part for part in (card["latin"], card["chinese"] + card["chinese_honorific"]) if part)
    return [["name", name], ["organisation", card["organisation"]], ["role", " · ".join(card["role_words"])]]


def verify(cards: list[dict], registrations: list[Registration]) -> None:
    """Give each badge card its document's code and URL, issuing a document where the details changed (flushes).

    Under the plenary's lock (a batch and a CLI run at once must not leave two valid badges for one person):
    the valid documents are read inside it.
    """
    ids = [registration.id for registration in registrations]
    valid = {}
    if ids:
        lock_plenary(db.session.scalar(sa.select(Registration.plenary_id).where(Registration.id == ids[0])))
        query = sa.select(IssuedDocument).where(IssuedDocument.registration_id.in_(ids),
                                                IssuedDocument.kind == DocumentKind.BADGE,
                                                IssuedDocument.withdrawn_at.is_(None))  # fmt: skip
        valid = {document.registration_id: document for document in db.session.scalars(query)}
    for card, registration in zip(cards, registrations, strict=True):
        said = statement(card)
        document = valid.get(registration.id)
        if document is None or document.statement != said:
            document = documents.issue(DocumentKind.BADGE, registration, registration.language, said)
        card["verify_code"] = document.display_code
        card["verify_url"] = documents.verification_url(document)
