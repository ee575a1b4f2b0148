"""Registrations of delegates for a plenary."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plenary.attendance.models import AttendanceChannel, AttendanceRecord
from plenary.chinese_names import is_han
from plenary.db import UTCDateTime, utcnow
from plenary.events.models import Plenary, PlenaryStatus
from plenary.extensions import db
from plenary.personal import FACT, NOT_PERSONAL, PERSONAL, SECRET
from plenary.registration.roles import ParticipantRole
from plenary.registration.states import ACTIVE, SEAT_HOLDING, Attendance, RegistrationStatus


def person_name(first_name: str, last_name: str, honorific: str | None = None) -> str:
    """A name as its owner writes it: "Dr. Anna Schmidt", or "张伟市长" for a name in Chinese characters."""
    first_name, last_name = first_name or "", last_name or ""
    if is_han(first_name + last_name):
        name = f"{last_name}{first_name}"
        if honorific:
            name = f"{name}{honorific}" if is_han(honorific) else f"{honorific} {name}"
        return name
    return " ".join(p for p in (honorific, first_name, last_name) if p)


def introduced_name(first_name: str, last_name: str, honorific: str | None, name_zh: str | None) -> str:
    """How a head is named to the colleagues they registered: "Dr. Yang Liu (刘洋)" — the Chinese name too, so
    a Chinese reader knows who it is (310 characters at most, the column's size: else without it)."""
    name = person_name(first_name, last_name, honorific)
    if name_zh and name_zh not in name and len(name) + len(name_zh) + 3 <= 310:
        name = f"{name} ({name_zh})"
    return name


#: What stands in for a person's name and texts once they have erased their data.
ERASED = "—"


#: The form fields a person's registration is made of (besides attendance and email).
PERSON_FIELDS = (
    "salutation", "honorific", "first_name", "last_name", "name_zh", "organisation", "position",
    "member_id", "country", "phone", "language", "interpretation", "dietary", "remarks",
)  # fmt: skip


def _enum(enum, name: str) -> sa.Enum:
    """A column type for ``enum``: its values as strings, checked by a CHECK constraint ``name``."""
    return sa.Enum(enum, native_enum=False, create_constraint=True, length=16, name=name,
                   values_callable=lambda members: [m.value for m in members])  # fmt: skip


class Registration(db.Model):
    """One delegate's registration for one plenary."""

    __tablename__ = "registration"

    id: Mapped[int] = mapped_column(primary_key=True, info=NOT_PERSONAL)
    plenary_id: Mapped[int] = mapped_column(sa.ForeignKey("plenary.id", ondelete="CASCADE"), index=True,
                                            info=NOT_PERSONAL)  # fmt: skip
    # SHA-256 of the personal link's token; the token itself is never stored (see tokens.py).
    token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True, info=SECRET)
    token_salt: Mapped[str] = mapped_column(sa.String(32), default="", info=NOT_PERSONAL)
    status: Mapped[RegistrationStatus] = mapped_column(_enum(RegistrationStatus, "status_known"), index=True,
                                                       info=FACT)  # fmt: skip
    attendance: Mapped[Attendance] = mapped_column(_enum(Attendance, "attendance_known"), info=FACT)
    salutation: Mapped[str | None] = mapped_column(sa.String(20), info=PERSONAL)
    honorific: Mapped[str | None] = mapped_column(sa.String(100), info=PERSONAL)
    first_name: Mapped[str] = mapped_column(sa.String(100), info=PERSONAL)
    last_name: Mapped[str] = mapped_column(sa.String(100), info=PERSONAL)
    name_zh: Mapped[str | None] = mapped_column(sa.String(50), info=PERSONAL)
    organisation: Mapped[str | None] = mapped_column(sa.String(200), info=PERSONAL)
    position: Mapped[str | None] = mapped_column(sa.String(200), info=PERSONAL)
    member_id: Mapped[int | None] = mapped_column(sa.ForeignKey("member.id", ondelete="SET NULL"), index=True,
                                                  info=PERSONAL)  # fmt: skip
    country: Mapped[str | None] = mapped_column(sa.String(2), info=PERSONAL)
    # Normalised (email-validator) and lower case (a CHECK); NULL once the registration is anonymised.
    email: Mapped[str | None] = mapped_column(sa.String(254), info=PERSONAL)
    phone: Mapped[str | None] = mapped_column(sa.String(50), info=PERSONAL)
    language: Mapped[str] = mapped_column(sa.String(2), default="de", info=FACT)  # the farewell is written in it
    interpretation: Mapped[bool] = mapped_column(default=False, info=FACT)
    dietary: Mapped[str | None] = mapped_column(sa.String(300), info=PERSONAL)
    remarks: Mapped[str | None] = mapped_column(sa.String(2000), info=PERSONAL)
    consent_privacy_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=FACT)  # proof of consent
    consent_listing: Mapped[bool] = mapped_column(default=False, info=PERSONAL)
    consent_listing_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=FACT)
    delegation_head_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="SET NULL"), index=True, info=NOT_PERSONAL
    )
    # Who registered this person, as the submission named them (the head's name as typed; see
    # ``registered_by``). A form naming a known head attaches nobody, so this is the only trace.
    registered_by_name: Mapped[str | None] = mapped_column(sa.String(310), info=PERSONAL)
    # When the person (last) joined the waiting list: its order, first come first served.
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=FACT)
    # Bookkeeping: the waiting-list position we last told the person (waitlisted or "moved up" mail).
    waitlist_position_told: Mapped[int | None] = mapped_column(info=NOT_PERSONAL)
    # An offer of a freed seat (status offered): until when it holds (kept after it lapsed or was
    # declined: their page says so), and when its one reminder is due (bookkeeping; NULL once sent).
    offer_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=FACT)
    offer_reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=NOT_PERSONAL)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, info=FACT)
    # When the registration (last) became confirmed (set by ``_note_confirmation``, whatever the path): a
    # reminder due before it is not sent late (plenary/reminders). NULL: confirmed before this column existed.
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=FACT)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, info=FACT)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=NOT_PERSONAL)
    # The last calendar copy queued to this person (iTIP): its SEQUENCE and METHOD (REQUEST or CANCEL);
    # a REQUEST after a CANCEL must outrank it. NULL: they were never sent one.
    calendar_sequence: Mapped[int | None] = mapped_column(info=NOT_PERSONAL)
    calendar_method: Mapped[str | None] = mapped_column(sa.String(8), info=NOT_PERSONAL)
    # What the person does at the plenary (the badge's colour band); organizers set it (plenary/badges).
    role: Mapped[ParticipantRole] = mapped_column(
        _enum(ParticipantRole, "role_known"), default=ParticipantRole.DELEGATE, server_default="delegate", info=FACT
    )

    plenary: Mapped["Plenary"] = relationship()  # noqa: F821
    member: Mapped["Member | None"] = relationship()  # noqa: F821
    delegation_head: Mapped["Registration | None"] = relationship(remote_side=[id], back_populates="delegates")
    delegates: Mapped[list["Registration"]] = relationship(back_populates="delegation_head", order_by="Registration.id")
    # Attendance in the hall and online (plenary/attendance): written only through attendance.services.
    attendance_records: Mapped[list["AttendanceRecord"]] = relationship(
        back_populates="registration", passive_deletes=True, order_by="AttendanceRecord.id"
    )

    __table_args__ = (
        # One registration per person and plenary, whatever the concurrency.
        sa.UniqueConstraint("plenary_id", "email", name="uq_registration_plenary_email"),
        sa.Index("ix_registration_waitlist", "plenary_id", "attendance", "status", "id"),
        sa.CheckConstraint("language IN ('de', 'en', 'zh')", name="language_known"),
        sa.CheckConstraint("email = lower(email)", name="email_lower_case"),
        sa.CheckConstraint("calendar_method IN ('REQUEST', 'CANCEL')", name="calendar_method_known"),
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

    @hybrid_property
    def holds_seat(self) -> bool:
        """True while the registration occupies a seat (also in queries: ``where(Registration.holds_seat)``)."""
        return self.status in SEAT_HOLDING

    @holds_seat.inplace.expression
    @classmethod
    def _holds_seat_expression(cls):
        return cls.status.in_(SEAT_HOLDING)

    @hybrid_property
    def is_active(self) -> bool:
        """True while the person takes part: holding a seat or waiting for one (they hear of changes)."""
        return self.status in ACTIVE

    @is_active.inplace.expression
    @classmethod
    def _is_active_expression(cls):
        return cls.status.in_(ACTIVE)

    @hybrid_property
    def attended(self) -> bool:
        """True if the person attended, in the hall or online (an attendance record; also in queries)."""
        return bool(self.attendance_records)

    @attended.inplace.expression
    @classmethod
    def _attended_expression(cls):
        return sa.exists().where(AttendanceRecord.registration_id == cls.id)

    @hybrid_property
    def checked_in(self) -> bool:
        """True if the person arrived in the hall (the door's attendance record; also in queries)."""
        return any(r.channel == AttendanceChannel.HALL for r in self.attendance_records)

    @checked_in.inplace.expression
    @classmethod
    def _checked_in_expression(cls):
        return sa.exists().where(AttendanceRecord.registration_id == cls.id,
                                 AttendanceRecord.channel == AttendanceChannel.HALL)  # fmt: skip

    @property
    def checked_in_at(self) -> datetime | None:
        """When the person arrived in the hall (their hall record's first sighting), or None."""
        return next((r.first_seen_at for r in self.attendance_records if r.channel == AttendanceChannel.HALL), None)

    @property
    def checked_in_by(self) -> str | None:
        """The organizer's account that checked the person in at the door, or None."""
        return next((r.recorded_by for r in self.attendance_records if r.channel == AttendanceChannel.HALL), None)

    @hybrid_property
    def gets_checkin_code(self) -> bool:
        """True if the person gets a check-in code (QR): confirmed, in person, not erased, plenary not cancelled."""
        return (
            self.status == RegistrationStatus.CONFIRMED
            and self.attendance == Attendance.IN_PERSON
            and self.anonymised_at is None
            and self.plenary.status != PlenaryStatus.CANCELLED
        )

    @gets_checkin_code.inplace.expression
    @classmethod
    def _gets_checkin_code_expression(cls):
        plenary_cancelled = sa.exists().where(Plenary.id == cls.plenary_id, Plenary.status == PlenaryStatus.CANCELLED)
        return sa.and_(
            cls.status == RegistrationStatus.CONFIRMED,
            cls.attendance == Attendance.IN_PERSON,
            cls.anonymised_at.is_(None),
            ~plenary_cancelled,
        )


@sa.event.listens_for(Registration.status, "set")
def _note_confirmation(registration: Registration, status, previous, _initiator) -> None:
    """Stamp ``confirmed_at`` whenever a registration becomes confirmed (created so, approved, promoted, accepted)."""
    if status == RegistrationStatus.CONFIRMED and previous != RegistrationStatus.CONFIRMED:
        registration.confirmed_at = utcnow()
