"""Announcements: press releases and greetings, optionally tied to a plenary."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plenary.db import UTCDateTime, enum_type, utcnow
from plenary.extensions import db


class AnnouncementKind(StrEnum):
    """What sort of announcement it is."""

    PRESS_RELEASE = "press_release"
    GREETING = "greeting"


class Announcement(db.Model):
    """A press release or greeting, in up to three languages."""

    __tablename__ = "announcement"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    kind: Mapped[AnnouncementKind] = mapped_column(
        enum_type(AnnouncementKind, "kind_known"), default=AnnouncementKind.PRESS_RELEASE
    )
    # The dateline place ("Berlin"); the date comes from published_at.
    place: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    title: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    lead: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    body: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # Markdown
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    plenary_id: Mapped[int | None] = mapped_column(sa.ForeignKey("plenary.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    plenary: Mapped["Plenary | None"] = relationship()  # noqa: F821
