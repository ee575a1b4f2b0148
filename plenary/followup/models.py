"""The documents of the day (presentations, signed agreements, recordings) and a plenary's follow-up messages."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from plenary.db import UTCDateTime, enum_type, utcnow
from plenary.extensions import db
from plenary.personal import NOT_PERSONAL


class DocumentKind(StrEnum):
    """What a document of the day is."""

    PRESENTATION = "presentation"
    AGREEMENT = "agreement"  # the signed MoU (or any signed agreement)
    RECORDING = "recording"  # a link to the recording, no file
    OTHER = "other"


class DocumentVisibility(StrEnum):
    """Who may open a document of the day."""

    PUBLIC = "public"  # the plenary's public page
    REGISTRANTS = "registrants"  # only through a confirmed registration's personal link


class PlenaryDocument(db.Model):
    """One document of the day: a stored PDF (``file_name``) or a link (``url``), with a title in three languages."""

    __tablename__ = "plenary_document"

    id: Mapped[int] = mapped_column(primary_key=True, info=NOT_PERSONAL)
    plenary_id: Mapped[int] = mapped_column(sa.ForeignKey("plenary.id", ondelete="CASCADE"), index=True,
                                            info=NOT_PERSONAL)  # fmt: skip
    agenda_item_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agenda_item.id", ondelete="SET NULL"),
                                                       info=NOT_PERSONAL)  # fmt: skip
    kind: Mapped[DocumentKind] = mapped_column(enum_type(DocumentKind, "kind_known"), info=NOT_PERSONAL)
    visibility: Mapped[DocumentVisibility] = mapped_column(enum_type(DocumentVisibility, "visibility_known"),
                                                           info=NOT_PERSONAL)  # fmt: skip
    # {"de": ..., "en": ..., "zh": ...}
    title: Mapped[dict] = mapped_column(sa.JSON, default=dict, info=NOT_PERSONAL)
    # The stored PDF's random name (plenary.followup.documents), or None for a link.
    file_name: Mapped[str | None] = mapped_column(sa.String(32), unique=True, info=NOT_PERSONAL)
    url: Mapped[str | None] = mapped_column(sa.String(2000), info=NOT_PERSONAL)
    position: Mapped[int] = mapped_column(default=0, info=NOT_PERSONAL)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, info=NOT_PERSONAL)

    @property
    def is_public(self) -> bool:
        """Whether anyone may open it."""
        return self.visibility == DocumentVisibility.PUBLIC


class FollowUpMessage(db.Model):
    """A plenary's two follow-up messages as the organizers wrote them, and whether they go out by themselves.

    No row: the default texts (translated) and sent automatically.
    """

    __tablename__ = "follow_up_message"

    plenary_id: Mapped[int] = mapped_column(sa.ForeignKey("plenary.id", ondelete="CASCADE"), primary_key=True,
                                            info=NOT_PERSONAL)  # fmt: skip
    send_automatically: Mapped[bool] = mapped_column(default=True, server_default=sa.true(), info=NOT_PERSONAL)
    markdown: Mapped[bool] = mapped_column(default=True, server_default=sa.true(), info=NOT_PERSONAL)
    # {"de": ..., "en": ..., "zh": ...}: to those who attended, and to confirmed people who did not.
    attended_subject: Mapped[dict] = mapped_column(sa.JSON, default=dict, info=NOT_PERSONAL)
    attended_body: Mapped[dict] = mapped_column(sa.JSON, default=dict, info=NOT_PERSONAL)
    absent_subject: Mapped[dict] = mapped_column(sa.JSON, default=dict, info=NOT_PERSONAL)
    absent_body: Mapped[dict] = mapped_column(sa.JSON, default=dict, info=NOT_PERSONAL)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, info=NOT_PERSONAL)
