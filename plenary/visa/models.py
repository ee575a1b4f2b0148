"""Visa letters' tables: the settings of a plenary, and one request per registration.

The passport data (name as in the passport, number, expiry, nationality, date and place of birth) is one
Fernet token (``passport_token``, plenary/visa/crypto.py): the database holds only ciphertext. It is deleted
(``passport_token`` NULL, ``purged_at`` set) after the retention period and at once on erasure.
"""

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plenary.db import UTCDateTime, enum_type, utcnow
from plenary.extensions import db
from plenary.personal import FACT, NOT_PERSONAL, PERSONAL, SECRET


class VisaStatus(StrEnum):
    """Where a request stands."""

    REQUESTED = "requested"
    CORRECTION = "correction"  # the organizers asked for a correction (``note`` says what)
    APPROVED = "approved"
    DECLINED = "declined"  # ``note`` says why
    WITHDRAWN = "withdrawn"  # the registration ended (cancelled, rejected, erased)


#: A request the person may (still) change: new, or sent back for correction.
EDITABLE = frozenset({VisaStatus.REQUESTED, VisaStatus.CORRECTION})
#: A request after which the person may ask anew (their registration ended, and they registered again).
RENEWABLE = frozenset({VisaStatus.WITHDRAWN})
#: Requests the organizers can decide on now.
OPEN = frozenset({VisaStatus.REQUESTED})


class VisaSettings(db.Model):
    """Whether a plenary offers visa letters, and what its letters say (the costs, the signatory)."""

    __tablename__ = "visa_settings"

    plenary_id: Mapped[int] = mapped_column(sa.ForeignKey("plenary.id", ondelete="CASCADE"), primary_key=True,
                                            info=NOT_PERSONAL)  # fmt: skip
    offered: Mapped[bool] = mapped_column(default=False, info=NOT_PERSONAL)
    # The country whose visa the delegates need (where the plenary takes place): DE or CN.
    host_country: Mapped[str] = mapped_column(sa.String(2), default="DE", info=NOT_PERSONAL)
    # {"de": …, "en": …, "zh": …}; empty: the default wording (plenary/visa/letter.py).
    costs: Mapped[dict] = mapped_column(sa.JSON, default=dict, info=NOT_PERSONAL)
    signatory_name: Mapped[dict] = mapped_column(sa.JSON, default=dict, info=NOT_PERSONAL)
    signatory_function: Mapped[dict] = mapped_column(sa.JSON, default=dict, info=NOT_PERSONAL)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, info=NOT_PERSONAL)

    __table_args__ = (sa.CheckConstraint("host_country IN ('DE', 'CN')", name="host_country_known"),)


class VisaRequest(db.Model):
    """One registration's request for a visa invitation letter."""

    __tablename__ = "visa_request"

    id: Mapped[int] = mapped_column(primary_key=True, info=NOT_PERSONAL)
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registration.id", ondelete="CASCADE"), unique=True,
                                                 info=NOT_PERSONAL)  # fmt: skip
    plenary_id: Mapped[int] = mapped_column(sa.ForeignKey("plenary.id", ondelete="CASCADE"), index=True,
                                            info=NOT_PERSONAL)  # fmt: skip
    status: Mapped[VisaStatus] = mapped_column(enum_type(VisaStatus, "status_known"), default=VisaStatus.REQUESTED,
                                               info=FACT)  # fmt: skip
    # The passport data as one Fernet token of a JSON object (crypto.py); NULL once deleted.
    passport_token: Mapped[str | None] = mapped_column(sa.Text, info=SECRET)
    entry_date: Mapped[date | None] = mapped_column(sa.Date, info=PERSONAL)
    exit_date: Mapped[date | None] = mapped_column(sa.Date, info=PERSONAL)
    mission: Mapped[str] = mapped_column(sa.String(40), info=PERSONAL)  # a key of missions.MISSIONS or "other"
    mission_other: Mapped[str | None] = mapped_column(sa.String(300), info=PERSONAL)
    english: Mapped[bool] = mapped_column(default=False, info=PERSONAL)  # the letter in English on request
    # The organizers' note: what to correct, or why the request was declined (the person reads it).
    note: Mapped[str | None] = mapped_column(sa.String(1000), info=PERSONAL)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, info=FACT)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=FACT)
    decided_by: Mapped[str | None] = mapped_column(sa.String(254), info=NOT_PERSONAL)  # an organizer's account
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=FACT)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, info=NOT_PERSONAL)

    registration: Mapped["Registration"] = relationship()  # noqa: F821

    __table_args__ = (sa.Index("ix_visa_request_plenary_status", "plenary_id", "status"),)

    @property
    def has_passport_data(self) -> bool:
        """True while the passport data is stored (not yet deleted)."""
        return self.passport_token is not None
