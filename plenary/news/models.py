"""Announcements: press releases and greetings, optionally tied to a plenary."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plenary.db import UTCDateTime, enum_type, utcnow
from plenary.extensions import db
from plenary.personal import NOT_PERSONAL


class AnnouncementKind(StrEnum):
    """What sort of announcement it is."""

    PRESS_RELEASE = "press_release"
    GREETING = "greeting"


class Announcement(db.Model):
    """A press release or greeting, in up to three languages."""

    __tablename__ = "announcement"

    id: Mapped[int] = mapped_column(primary_key=True, info=NOT_PERSONAL)
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True, info=NOT_PERSONAL)
    kind: Mapped[AnnouncementKind] = mapped_column(
        enum_type(AnnouncementKind, "kind_known"), default=AnnouncementKind.PRESS_RELEASE, info=NOT_PERSONAL
    )
    # The dateline place ("Berlin"); the date comes from published_at.
    place: Mapped[dict] = mapped_column(sa.JSON, default=dict, info=NOT_PERSONAL)
    title: Mapped[dict] = mapped_column(sa.JSON, default=dict, info=NOT_PERSONAL)
    lead: Mapped[dict] = mapped_column(sa.JSON, default=dict, info=NOT_PERSONAL)
    body: Mapped[dict] = mapped_column(sa.JSON, default=dict, info=NOT_PERSONAL)  # Markdown
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True, info=NOT_PERSONAL)
    plenary_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("plenary.id", ondelete="SET NULL"), index=True, info=NOT_PERSONAL
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, info=NOT_PERSONAL)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, info=NOT_PERSONAL)

    plenary: Mapped["Plenary | None"] = relationship()  # noqa: F821
