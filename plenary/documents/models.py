"""Documents the app issued (visa letters, certificates, badges): what each states, and whether it still holds.

A document's PDF is not stored: it is built again from the domain's data whenever it is asked for (the kind's
``render`` in ``plenary.documents.services``). What is stored is what anyone holding the document may check on
its verification page: its code, its kind, its plenary, the statement (the few facts it certifies) and whether
it was withdrawn.
"""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plenary.db import UTCDateTime, enum_type, utcnow
from plenary.extensions import db
from plenary.personal import FACT, NOT_PERSONAL, PERSONAL, SECRET


class DocumentKind(StrEnum):
    """What a document is."""

    VISA_LETTER = "visa_letter"
    CERTIFICATE = "certificate"
    BADGE = "badge"


class IssuedDocument(db.Model):
    """One document issued to one registration (a new one of the same kind withdraws the old: "replaced")."""

    __tablename__ = "issued_document"

    id: Mapped[int] = mapped_column(primary_key=True, info=NOT_PERSONAL)
    # 16 base32 characters (80 random bits): unguessable, read out or typed without ambiguity.
    code: Mapped[str] = mapped_column(sa.String(16), unique=True, info=SECRET)
    kind: Mapped[DocumentKind] = mapped_column(enum_type(DocumentKind, "kind_known", length=20), info=FACT)
    plenary_id: Mapped[int] = mapped_column(sa.ForeignKey("plenary.id", ondelete="CASCADE"), index=True,
                                            info=NOT_PERSONAL)  # fmt: skip
    registration_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="SET NULL"), info=NOT_PERSONAL
    )  # indexed with the kind (ix_issued_document_registration_kind)
    language: Mapped[str] = mapped_column(sa.String(2), info=FACT)
    # What the document states, as [key, value] pairs in the document's order (keys: the kind's labels).
    statement: Mapped[list] = mapped_column(sa.JSON, default=list, info=PERSONAL)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, info=FACT)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=FACT)
    # Why: "cancelled", "erased", "replaced", "undone", "declined", "expired" … (the kind's words on the page).
    withdrawn_reason: Mapped[str | None] = mapped_column(sa.String(40), info=FACT)

    plenary: Mapped["Plenary"] = relationship()  # noqa: F821
    registration: Mapped["Registration | None"] = relationship()  # noqa: F821

    __table_args__ = (sa.Index("ix_issued_document_registration_kind", "registration_id", "kind"),)

    @property
    def display_code(self) -> str:
        """The code as printed: "K7QX-3M2P-Z4AB-CD9F"."""
        return "-".join(self.code[i : i + 4] for i in range(0, len(self.code), 4))
