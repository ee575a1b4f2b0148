"""The agenda of a plenary: typed, explicitly ordered items with their speakers."""

from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plenary.db import UTCDateTime, enum_type
from plenary.events.documents import document_name_from_url, public_document_url
from plenary.extensions import db
from plenary.personal import NOT_PERSONAL, PERSONAL


class AgendaKind(StrEnum):
    """The kinds of agenda item an assembly has."""

    OPENING = "opening"
    GREETING = "greeting"
    KEYNOTE = "keynote"
    REPORT = "report"
    SIGNING = "signing"
    PRESENTATION = "presentation"
    PANEL = "panel"
    BREAK = "break"
    CLOSING = "closing"
    OTHER = "other"


AGENDA_KINDS = tuple(kind.value for kind in AgendaKind)


class AgendaItem(db.Model):
    """One item on a plenary's agenda."""

    __tablename__ = "agenda_item"

    id: Mapped[int] = mapped_column(primary_key=True, info=NOT_PERSONAL)
    plenary_id: Mapped[int] = mapped_column(
        sa.ForeignKey("plenary.id", ondelete="CASCADE"), index=True, info=NOT_PERSONAL
    )
    sort_order: Mapped[int] = mapped_column(default=0, info=NOT_PERSONAL)
    # Permanent identity, also the calendar UID: set once, kept through edits and reordering.
    uid: Mapped[str | None] = mapped_column(sa.String(200), unique=True, info=NOT_PERSONAL)
    kind: Mapped[AgendaKind] = mapped_column(
        enum_type(AgendaKind, "kind_known"), default=AgendaKind.OTHER, info=NOT_PERSONAL
    )
    title: Mapped[dict] = mapped_column(sa.JSON, default=dict, info=NOT_PERSONAL)
    description: Mapped[dict] = mapped_column(sa.JSON, default=dict, info=NOT_PERSONAL)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=NOT_PERSONAL)
    duration_minutes: Mapped[int | None] = mapped_column(info=NOT_PERSONAL)
    # Signings: the parties, in order, and the signed document's title. Each is either
    # a plain string (the same in every language) or a {"de", "en", "zh"} dict.
    parties: Mapped[list] = mapped_column(sa.JSON, default=list, info=NOT_PERSONAL)
    document_title: Mapped[str | dict | None] = mapped_column(sa.JSON, info=NOT_PERSONAL)
    # The document: one of ours by its stored name (plenary.events.documents), or a link elsewhere.
    document_name: Mapped[str | None] = mapped_column(sa.String(32), index=True, info=NOT_PERSONAL)
    document_link: Mapped[str | None] = mapped_column(sa.String(500), info=NOT_PERSONAL)

    plenary: Mapped["Plenary"] = relationship(back_populates="agenda_items")  # noqa: F821
    speakers: Mapped[list["Speaker"]] = relationship(
        back_populates="agenda_item", order_by="Speaker.sort_order", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.CheckConstraint("duration_minutes IS NULL OR duration_minutes >= 0", name="duration_positive"),
        sa.CheckConstraint("document_name IS NULL OR document_link IS NULL", name="one_document"),
    )

    @property
    def document_url(self) -> str | None:
        """The document's address as pages and the exchange format give it (ours: built from today's public URL)."""
        return public_document_url(self.document_name) if self.document_name else self.document_link

    @document_url.setter
    def document_url(self, url: str | None) -> None:
        """Keep the address of one of our documents as the document's name, any other as a link."""
        name = document_name_from_url(url)
        self.document_name, self.document_link = (name, None) if name else (None, url)

    @property
    def ends_at(self) -> datetime | None:
        """End instant, when both start and duration are known."""
        if self.starts_at is None or self.duration_minutes is None:
            return None
        return self.starts_at + timedelta(minutes=self.duration_minutes)


class Speaker(db.Model):
    """A person speaking at (or signing in) an agenda item."""

    __tablename__ = "speaker"

    id: Mapped[int] = mapped_column(primary_key=True, info=NOT_PERSONAL)
    agenda_item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("agenda_item.id", ondelete="CASCADE"), index=True, info=NOT_PERSONAL
    )
    sort_order: Mapped[int] = mapped_column(default=0, info=NOT_PERSONAL)
    # None for a representative not yet named ("a representative of CIPA").
    name: Mapped[str | None] = mapped_column(sa.String(200), info=PERSONAL)
    name_zh: Mapped[str | None] = mapped_column(sa.String(100), info=PERSONAL)
    # "Dr.", "Staatssekretär a. D.": a plain string or a {"de", "en", "zh"} dict.
    honorific: Mapped[str | dict | None] = mapped_column(sa.JSON, info=PERSONAL)
    # The job title, translated: {"de": "Generalsekretär", "zh": "秘书长"}
    position: Mapped[dict] = mapped_column(sa.JSON, default=dict, info=PERSONAL)
    # A plain string or a {"de", "en", "zh"} dict.
    organisation: Mapped[str | dict | None] = mapped_column(sa.JSON, info=PERSONAL)

    agenda_item: Mapped[AgendaItem] = relationship(back_populates="speakers")
