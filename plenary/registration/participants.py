"""The public list of participants: confirmed registrations whose owners agreed to be listed."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from plenary.audit.services import record
from plenary.countries import country_name
from plenary.events.models import Plenary
from plenary.extensions import db
from plenary.registration.locking import lock_plenary
from plenary.registration.models import Registration, RegistrationStatus


@dataclass(frozen=True)
class Participant:
    """What the list shows of one person — nothing else (no email, no phone)."""

    display_name: str
    name_zh: str | None
    organisation: str | None
    position: str | None
    country: str | None
    country_name: str | None


def listed_registrations() -> sa.Select:
    """The query of registrations that may appear in a list of participants (all plenaries)."""
    return sa.select(Registration).where(
        Registration.status == RegistrationStatus.CONFIRMED,
        Registration.consent_listing.is_(True),
        Registration.anonymised_at.is_(None),
    )


def published_participants(plenary: Plenary, lang: str = "de", preview: bool = False) -> list[Participant]:
    """The plenary's participants list, ordered by organisation then name; empty unless it is published.

    ``preview`` (the back office) returns the list even while it is not published.
    """
    if not plenary.participants_published and not preview:
        return []
    rows = db.session.scalars(
        listed_registrations()
        .where(Registration.plenary_id == plenary.id)
        .order_by(sa.func.lower(sa.func.coalesce(Registration.organisation, "")), sa.func.lower(Registration.last_name),
                  sa.func.lower(Registration.first_name), Registration.id)
    ).all()  # fmt: skip
    return [
        Participant(
            display_name=r.display_name, name_zh=r.name_zh if r.name_zh and r.name_zh not in r.display_name else None,
            organisation=r.organisation, position=r.position, country=r.country,
            country_name=country_name(r.country, lang),
        )  # fmt: skip
        for r in rows
    ]


@dataclass(frozen=True)
class Attendee:
    """One person of the list "as attended" (the back office): who, and through which channel since when."""

    registration_id: int
    display_name: str
    name_zh: str | None
    organisation: str | None
    country: str | None
    attendance: str
    #: (channel, first seen) per attendance record, hall first.
    channels: list[tuple[str, datetime]]

    @property
    def first_seen_at(self) -> datetime:
        return min(at for _, at in self.channels)


def attended_participants(plenary_id: int) -> list[Attendee]:
    """Everyone who actually attended the plenary (an attendance record in the hall or online), first arrivals
    first; erased registrations left out (their records still count). Two queries."""
    rows = db.session.scalars(
        sa.select(Registration)
        .where(Registration.plenary_id == plenary_id, Registration.attended, Registration.anonymised_at.is_(None))
        .options(selectinload(Registration.attendance_records))
    ).all()  # fmt: skip
    people = [
        Attendee(registration_id=r.id, display_name=r.display_name,
                 name_zh=r.name_zh if r.name_zh and r.name_zh not in r.display_name else None,
                 organisation=r.organisation, country=r.country, attendance=r.attendance,
                 channels=sorted((str(a.channel), a.first_seen_at) for a in r.attendance_records))  # fmt: skip
        for r in rows
    ]
    return sorted(people, key=lambda p: (p.first_seen_at, p.registration_id))


def set_participants_published(plenary_id: int, published: bool) -> Plenary:
    """Publish or withdraw a plenary's list of participants (under the plenary's lock), with an audit entry."""

    plenary = lock_plenary(plenary_id)
    if plenary.participants_published != published:
        record("plenary.participants", plenary, changes={"participants_published": [not published, published]},
               summary="participant list published" if published else "participant list withdrawn")  # fmt: skip
        plenary.participants_published = published
        db.session.flush()
    return plenary
