"""The attendance record: that a registration took part, in the hall or online, and since when.

One row per registration and channel (a unique constraint), so the door and a join link can each say
"here" once, however often a code is scanned or a link opened; ``last_seen_at`` follows repeated visits.
A record is a fact about the plenary, not the person's data: erasure keeps it (the registration it
points to is blanked, so it tells nobody who it was). Undoing an arrival made by mistake deletes it.
"""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plenary.db import UTCDateTime, enum_type, utcnow
from plenary.extensions import db
from plenary.personal import FACT, NOT_PERSONAL


class AttendanceChannel(StrEnum):
    """Where someone attended."""

    HALL = "hall"
    ONLINE = "online"


class AttendanceSource(StrEnum):
    """What recorded it: the door's check-in, a personal join link, or an organizer by hand."""

    DOOR = "door"
    JOIN_LINK = "join_link"
    ORGANIZER = "organizer"


class AttendanceRecord(db.Model):
    """That one registration attended one plenary through one channel."""

    __tablename__ = "attendance"

    id: Mapped[int] = mapped_column(primary_key=True, info=NOT_PERSONAL)
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registration.id", ondelete="CASCADE"), index=True,
                                                 info=NOT_PERSONAL)  # fmt: skip
    channel: Mapped[AttendanceChannel] = mapped_column(enum_type(AttendanceChannel, "channel_known"), info=FACT)
    source: Mapped[AttendanceSource] = mapped_column(enum_type(AttendanceSource, "source_known"), info=FACT)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, info=FACT)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, info=FACT)
    # Who recorded it: an organizer's account (the door), not the person's data; NULL for a join link.
    recorded_by: Mapped[str | None] = mapped_column(sa.String(254), info=NOT_PERSONAL)

    registration: Mapped["Registration"] = relationship(back_populates="attendance_records")  # noqa: F821

    __table_args__ = (sa.UniqueConstraint("registration_id", "channel", name="uq_attendance_registration_channel"),)
