"""What the public site asks about plenaries: lists, the next one, registration state."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from flask import abort, current_app
from sqlalchemy.orm import selectinload

from plenary.agenda.models import AgendaItem
from plenary.db import utcnow
from plenary.events.models import Plenary, PlenaryStatus
from plenary.extensions import db


class RegistrationState(StrEnum):
    """Where a plenary's sign-up stands, as delegates see it."""

    NOT_YET_OPEN = "not_yet_open"
    OPEN = "open"
    CLOSED = "closed"
    NONE = "none"  # no registration window configured
    CANCELLED = "cancelled"
    PAST = "past"


def registration_state(plenary: Plenary, now: datetime | None = None) -> RegistrationState:
    """Return the registration state of ``plenary`` at ``now``."""
    now = now or utcnow()
    if plenary.status == PlenaryStatus.CANCELLED:
        return RegistrationState.CANCELLED
    if plenary.ends_at <= now:
        return RegistrationState.PAST
    if plenary.registration_opens_at is None and plenary.registration_closes_at is None:
        return RegistrationState.NONE
    if plenary.registration_opens_at and now < plenary.registration_opens_at:
        return RegistrationState.NOT_YET_OPEN
    closes = plenary.registration_closes_at or plenary.starts_at
    if now >= closes:
        return RegistrationState.CLOSED
    return RegistrationState.OPEN


@dataclass(frozen=True)
class PlenaryListing:
    """A plenary as a list shows it: with its registration state."""

    plenary: Plenary
    registration: RegistrationState


@dataclass
class PlenaryLists:
    """Public plenaries split into those still to come and those held."""

    upcoming: list[PlenaryListing]
    past: list[PlenaryListing]


def _public():
    """Select published and cancelled plenaries (never drafts)."""
    return db.select(Plenary).where(Plenary.status != PlenaryStatus.DRAFT)


def list_public_plenaries(now: datetime | None = None) -> PlenaryLists:
    """Return upcoming plenaries (soonest first) and past ones (latest first)."""
    now = now or utcnow()
    plenaries = db.session.scalars(_public().order_by(Plenary.starts_at)).all()
    upcoming = [PlenaryListing(p, registration_state(p, now)) for p in plenaries if p.ends_at > now]
    past = [PlenaryListing(p, registration_state(p, now)) for p in reversed(plenaries) if p.ends_at <= now]
    return PlenaryLists(upcoming=upcoming, past=past)


def next_plenary(now: datetime | None = None) -> Plenary | None:
    """Return the next published plenary that has not ended, if any."""
    now = now or utcnow()
    return db.session.scalar(
        _public()
        .where(Plenary.status == PlenaryStatus.PUBLISHED, Plenary.ends_at > now)
        .order_by(Plenary.starts_at)
        .limit(1)
    )


def get_public_plenary(slug: str, with_agenda: bool = True) -> Plenary | None:
    """Return the public plenary ``slug`` with its agenda and speakers loaded (``with_agenda``), or None."""
    query = _public().where(Plenary.slug == slug)
    if with_agenda:
        query = query.options(selectinload(Plenary.agenda_items).selectinload(AgendaItem.speakers))
    return db.session.scalar(query)


def plenary_item_or_404(model, item_id: int, plenary: Plenary):
    """The row of ``model`` with ``item_id`` if it belongs to ``plenary`` (its ``plenary_id``), else 404."""
    item = db.session.get(model, item_id)
    if item is None or item.plenary_id != plenary.id:
        abort(404)
    return item


def plenary_or_404(slug: str, *options, public: bool = False) -> Plenary:
    """The plenary of ``slug`` (loaded with the loader ``options``), or 404; ``public``: as the public site sees it.

    ``public`` finds only published and cancelled plenaries, with their agenda and speakers.
    """
    if public:
        plenary = get_public_plenary(slug)
    else:
        plenary = db.session.scalar(db.select(Plenary).where(Plenary.slug == slug).options(*options))
    if plenary is None:
        abort(404)
    return plenary


def reply_address(plenary: Plenary) -> str:
    """Where registrants' replies about ``plenary`` go: Reply-To of their messages, ORGANIZER of invitations.

    One mailbox for both, so that accepting an invitation reaches the people who answer mail: the
    plenary's contact address, else ``CALENDAR_ORGANIZER_EMAIL``, else ``CONTACT_EMAIL``.
    """
    config = current_app.config
    return plenary.contact_email or config["CALENDAR_ORGANIZER_EMAIL"] or config["CONTACT_EMAIL"]
