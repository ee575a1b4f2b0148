"""The alliance's member cities and regions, and its advisory board."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from plenary.db import UTCDateTime, enum_type
from plenary.extensions import db
from plenary.personal import NOT_PERSONAL


class MemberKind(StrEnum):
    """Full member or advisory board."""

    MEMBER = "member"
    ADVISORY_BOARD = "advisory_board"


class Member(db.Model):
    """A member city or region (or city network), or an advisory board organisation."""

    __tablename__ = "member"

    id: Mapped[int] = mapped_column(primary_key=True, info=NOT_PERSONAL)
    # A stable key for imports and the demo loader ("koeln", "foshan").
    key: Mapped[str] = mapped_column(sa.String(80), unique=True, info=NOT_PERSONAL)
    kind: Mapped[MemberKind] = mapped_column(
        enum_type(MemberKind, "kind_known"), default=MemberKind.MEMBER, index=True, info=NOT_PERSONAL
    )
    country: Mapped[str] = mapped_column(sa.String(2), index=True, info=NOT_PERSONAL)  # ISO 3166-1: DE, CN
    name: Mapped[dict] = mapped_column(sa.JSON, default=dict, info=NOT_PERSONAL)
    # Federal state (DE) or province (CN), translated.
    region: Mapped[dict] = mapped_column(sa.JSON, default=dict, info=NOT_PERSONAL)
    joined_year: Mapped[int | None] = mapped_column(info=NOT_PERSONAL)
    website: Mapped[str | None] = mapped_column(sa.String(300), info=NOT_PERSONAL)
    note: Mapped[dict] = mapped_column(sa.JSON, default=dict, info=NOT_PERSONAL)
    # Retired members leave the public directory but stay linked to past registrations.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=NOT_PERSONAL)

    __table_args__ = (
        sa.CheckConstraint("joined_year IS NULL OR joined_year >= 2016", name="joined_after_founding"),
    )
