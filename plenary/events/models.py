"""Plenary assemblies: when, where, in which format, and how registration is set up."""

from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plenary.config import DEFAULT_TIMEZONE
from plenary.db import UTCDateTime, enum_type, utcnow
from plenary.extensions import db
from plenary.personal import NOT_PERSONAL, PERSONAL


class PlenaryFormat(StrEnum):
    """How delegates attend."""

    IN_PERSON = "in_person"
    ONLINE = "online"
    HYBRID = "hybrid"


class PlenaryStatus(StrEnum):
    """Whether the plenary is visible and taking place."""

    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class OrganizerNotice(StrEnum):
    """How the plenary's contact address hears of new registrations."""

    EACH = "each"  # one mail per registration (a delegation: one mail for all of it)
    DAILY = "daily"  # one digest a day, in the morning in the plenary's zone
    NONE = "none"


class Plenary(db.Model):
    """One numbered plenary assembly of the alliance."""

    __tablename__ = "plenary"

    id: Mapped[int] = mapped_column(primary_key=True, info=NOT_PERSONAL)
    slug: Mapped[str] = mapped_column(sa.String(100), unique=True, info=NOT_PERSONAL)
    number: Mapped[int] = mapped_column(unique=True, info=NOT_PERSONAL)
    # Translated texts: {"de": ..., "en": ..., "zh": ...}
    title: Mapped[dict] = mapped_column(sa.JSON, default=dict, info=NOT_PERSONAL)
    summary: Mapped[dict] = mapped_column(sa.JSON, default=dict, info=NOT_PERSONAL)
    description: Mapped[dict] = mapped_column(sa.JSON, default=dict, info=NOT_PERSONAL)
    timezone: Mapped[str] = mapped_column(sa.String(64), default=DEFAULT_TIMEZONE, info=NOT_PERSONAL)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True, info=NOT_PERSONAL)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, info=NOT_PERSONAL)
    format: Mapped[PlenaryFormat] = mapped_column(
        enum_type(PlenaryFormat, "format_known"), default=PlenaryFormat.IN_PERSON, info=NOT_PERSONAL
    )
    # Venue parts: each a plain string or a {"de", "en", "zh"} dict.
    venue_name: Mapped[str | dict | None] = mapped_column(sa.JSON, info=NOT_PERSONAL)
    venue_address: Mapped[str | dict | None] = mapped_column(sa.JSON, info=NOT_PERSONAL)
    venue_city: Mapped[str | dict | None] = mapped_column(sa.JSON, info=NOT_PERSONAL)
    # Private: sent to registered online attendees only, never shown on a public page.
    online_url: Mapped[str | None] = mapped_column(sa.String(500), info=NOT_PERSONAL)
    # Private as well: the meeting for participants in mainland China (Tencent Meeting / VooV); attendees reach
    # either only through their personal join link (plenary.join), chosen by their country.
    online_url_cn: Mapped[str | None] = mapped_column(sa.String(500), info=NOT_PERSONAL)
    status: Mapped[PlenaryStatus] = mapped_column(
        enum_type(PlenaryStatus, "status_known"), default=PlenaryStatus.DRAFT, index=True, info=NOT_PERSONAL
    )
    contact_email: Mapped[str | None] = mapped_column(sa.String(254), info=PERSONAL)
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=NOT_PERSONAL)
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=NOT_PERSONAL)
    capacity_in_person: Mapped[int | None] = mapped_column(info=NOT_PERSONAL)
    capacity_online: Mapped[int | None] = mapped_column(info=NOT_PERSONAL)
    waitlist: Mapped[bool] = mapped_column(default=True, info=NOT_PERSONAL)
    # Under a waiting list: None = a freed seat goes to the first waiting at once; N = it is offered to
    # them and held N hours for their answer (registration.offers).
    offer_hours: Mapped[int | None] = mapped_column(info=NOT_PERSONAL)
    requires_approval: Mapped[bool] = mapped_column(default=False, info=NOT_PERSONAL)
    # The organizers publish the list of participants (only those who agreed to be listed).
    participants_published: Mapped[bool] = mapped_column(default=False, server_default=sa.false(), info=NOT_PERSONAL)
    organizer_notice: Mapped[OrganizerNotice] = mapped_column(
        enum_type(OrganizerNotice, "organizer_notice_known"), default=OrganizerNotice.EACH, server_default="each",
        info=NOT_PERSONAL,
    )  # fmt: skip
    # The end of the window the last daily digest covered (registrations from then on go into the next one).
    organizer_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=NOT_PERSONAL)
    # iCalendar UID, fixed when the plenary is created (built from the public host of that time).
    uid: Mapped[str | None] = mapped_column(sa.String(200), unique=True, info=NOT_PERSONAL)
    # iCalendar SEQUENCE: rises with every change that invitations must carry (time, place, format, link).
    sequence: Mapped[int] = mapped_column(default=0, server_default="0", info=NOT_PERSONAL)
    # What calendars were last given of it while public (plenary.events.changes.snapshot): what
    # attendees hold, compared on every save so that no path through a draft leaves them behind.
    calendar_sent: Mapped[dict | None] = mapped_column(sa.JSON, info=NOT_PERSONAL)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, info=NOT_PERSONAL)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, info=NOT_PERSONAL)

    agenda_items: Mapped[list["AgendaItem"]] = relationship(  # noqa: F821
        back_populates="plenary",
        order_by="AgendaItem.sort_order",
        cascade="all, delete-orphan",
    )

    __table_args__ = (sa.CheckConstraint("ends_at >= starts_at", name="ends_after_start"),)

    @property
    def zone(self) -> ZoneInfo:
        """The plenary's own time zone."""
        return ZoneInfo(self.timezone)

    @property
    def local_start(self) -> datetime:
        """Start in the plenary's own zone."""
        return self.starts_at.astimezone(self.zone)

    @property
    def local_end(self) -> datetime:
        """End in the plenary's own zone."""
        return self.ends_at.astimezone(self.zone)

    def has_ended(self, now: datetime | None = None) -> bool:
        """True once the plenary is over (its end has passed)."""
        return self.ends_at <= (now or utcnow())

    @property
    def is_public(self) -> bool:
        """Published and cancelled plenaries are shown; drafts are not."""
        return self.status != PlenaryStatus.DRAFT

    @property
    def has_venue(self) -> bool:
        """True when delegates can attend in person."""
        return self.format in (PlenaryFormat.IN_PERSON, PlenaryFormat.HYBRID)

    def __repr__(self) -> str:
        return f"<Plenary {self.number} {self.slug}>"
