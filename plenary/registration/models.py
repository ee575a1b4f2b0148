"""Registrations of delegates for a plenary."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plenary.db import UTCDateTime, utcnow
from plenary.extensions import db
from plenary.registration.states import SEAT_HOLDING, RegistrationStatus  # noqa: F401 (re-exported)


def _is_cjk(text: str) -> bool:
    """True if ``text`` contains Chinese characters (CJK unified ideographs)."""
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text or "")


def person_name(first_name: str, last_name: str, honorific: str | None = None) -> str:
    """A name as its owner writes it: "Dr. Anna Schmidt", or "张伟市长" for a name in Chinese characters."""
    first_name, last_name = first_name or "", last_name or ""
    if _is_cjk(first_name + last_name):
        name = f"{last_name}{first_name}"
        if honorific:
            name = f"{name}{honorific}" if _is_cjk(honorific) else f"{honorific} {name}"
        return name
    return " ".join(p for p in (honorific, first_name, last_name) if p)


#: What stands in for a person's name and texts once they have erased their data.
ERASED = "—"


class Attendance(StrEnum):
    """How a delegate attends."""

    IN_PERSON = "in_person"
    ONLINE = "online"


class Registration(db.Model):
    """One delegate's registration for one plenary."""

    __tablename__ = "registration"

    id: Mapped[int] = mapped_column(primary_key=True)
    plenary_id: Mapped[int] = mapped_column(sa.ForeignKey("plenary.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the personal link's token; the token itself is never stored (see tokens.py).
    token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    token_salt: Mapped[str] = mapped_column(sa.String(32), default="")
    status: Mapped[str] = mapped_column(sa.String(16), index=True)
    attendance: Mapped[str] = mapped_column(sa.String(16))
    salutation: Mapped[str | None] = mapped_column(sa.String(20))
    honorific: Mapped[str | None] = mapped_column(sa.String(100))
    first_name: Mapped[str] = mapped_column(sa.String(100))
    last_name: Mapped[str] = mapped_column(sa.String(100))
    name_zh: Mapped[str | None] = mapped_column(sa.String(50))
    organisation: Mapped[str | None] = mapped_column(sa.String(200))
    position: Mapped[str | None] = mapped_column(sa.String(200))
    member_id: Mapped[int | None] = mapped_column(sa.ForeignKey("member.id", ondelete="SET NULL"))
    country: Mapped[str | None] = mapped_column(sa.String(2))
    # Normalised (email-validator); NULL once the registration is anonymised.
    email: Mapped[str | None] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(50))
    language: Mapped[str] = mapped_column(sa.String(2), default="de")
    interpretation: Mapped[bool] = mapped_column(default=False)
    dietary: Mapped[str | None] = mapped_column(sa.String(300))
    remarks: Mapped[str | None] = mapped_column(sa.String(2000))
    consent_privacy_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consent_listing: Mapped[bool] = mapped_column(default=False)
    consent_listing_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delegation_head_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="SET NULL"), index=True
    )
    # Who registered this person, as the submission named them (the head's name as typed; see
    # ``registered_by``). A form naming a known head attaches nobody, so this is the only trace.
    registered_by_name: Mapped[str | None] = mapped_column(sa.String(310))
    # When the person (last) joined the waiting list: its order, first come first served.
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Arrival at the door (check-in), and who scanned it.
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_by: Mapped[str | None] = mapped_column(sa.String(254))

    plenary: Mapped["Plenary"] = relationship()  # noqa: F821
    member: Mapped["Member | None"] = relationship()  # noqa: F821
    delegation_head: Mapped["Registration | None"] = relationship(remote_side=[id], back_populates="delegates")
    delegates: Mapped[list["Registration"]] = relationship(back_populates="delegation_head", order_by="Registration.id")

    __table_args__ = (
        # One registration per person and plenary, whatever the concurrency.
        sa.UniqueConstraint("plenary_id", "email", name="uq_registration_plenary_email"),
        sa.Index("ix_registration_waitlist", "plenary_id", "attendance", "status", "id"),
        sa.CheckConstraint(
            "status IN ('pending', 'confirmed', 'waitlisted', 'rejected', 'cancelled')", name="status_known"
        ),
        sa.CheckConstraint("attendance IN ('in_person', 'online')", name="attendance_known"),
        sa.CheckConstraint("language IN ('de', 'en', 'zh')", name="language_known"),
    )

    @property
    def display_name(self) -> str:
        """The name as its owner writes it: "Dr. Anna Schmidt", or "张伟市长" for a name in Chinese characters."""
        return person_name(self.first_name, self.last_name, self.honorific)

    @property
    def registered_by(self) -> str | None:
        """The name to show this person as the one who registered them (None: they registered themselves).

        The head's name as the submission typed it, the same whether or not that address was already
        registered (so a delegate learns nothing about it); rows from before the column: the head's name.
        """
        if self.registered_by_name is not None:
            return self.registered_by_name
        return self.delegation_head.display_name if self.delegation_head is not None else None

    @property
    def registered_by_erased(self) -> bool:
        """True if whoever registered this person has since erased their data (so their name is gone)."""
        if self.registered_by_name is not None:
            return self.registered_by_name == ERASED
        return self.delegation_head is not None and self.delegation_head.anonymised_at is not None

    @property
    def holds_seat(self) -> bool:
        """True while the registration occupies a seat."""
        return self.status in SEAT_HOLDING
