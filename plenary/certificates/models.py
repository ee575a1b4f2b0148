"""The follow-up after a plenary: which registrations it has dealt with (so that it runs once per registration)."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from plenary.db import UTCDateTime, enum_type, utcnow
from plenary.extensions import db
from plenary.personal import FACT, NOT_PERSONAL


class FollowUpOutcome(StrEnum):
    """What the follow-up did for one registration."""

    CERTIFICATE = "certificate"  # thanked, with the certificate attached
    NOT_ATTENDED = "not_attended"  # no attendance record: the message to those who could not come


class FollowUp(db.Model):
    """That the follow-up of a registration's plenary was done (one row per registration: the claim)."""

    __tablename__ = "follow_up"

    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registration.id", ondelete="CASCADE"),
                                                 primary_key=True, info=NOT_PERSONAL)  # fmt: skip
    outcome: Mapped[FollowUpOutcome] = mapped_column(enum_type(FollowUpOutcome, "outcome_known"), info=FACT)
    done_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, info=FACT)
