"""The public list of participants: confirmed registrations whose owners agreed to be listed."""

from dataclasses import dataclass

import sqlalchemy as sa

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


def set_participants_published(plenary_id: int, published: bool) -> Plenary:
    """Publish or withdraw a plenary's list of participants (under the plenary's lock), with an audit entry."""

    plenary = lock_plenary(plenary_id)
    if plenary.participants_published != published:
        record("plenary.participants", plenary, changes={"participants_published": [not published, published]},
               summary="participant list published" if published else "participant list withdrawn")  # fmt: skip
        plenary.participants_published = published
        db.session.flush()
    return plenary
