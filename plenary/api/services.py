"""What the public API returns: public plenaries page by page, one plenary, the member list.

Everything here is public by construction: plenaries go through ``export_plenary`` without
``include_private`` (so never the online link), and no registration table is read.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from plenary.agenda.models import AgendaItem
from plenary.db import utcnow
from plenary.events.exchange import export_plenary
from plenary.events.models import Plenary, PlenaryStatus
from plenary.events.services import get_public_plenary
from plenary.extensions import db
from plenary.members.models import Member, MemberKind
from plenary.urls import public_url

#: Page sizes a client may ask for; larger requests are refused, not silently cut.
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
#: Far beyond any real list; keeps the SQL OFFSET within a 64-bit integer.
MAX_PAGE = 100_000

#: The statuses the public may see (a whitelist, so that a new private status stays private).
PUBLIC_STATUSES = (PlenaryStatus.PUBLISHED, PlenaryStatus.CANCELLED)


class When(StrEnum):
    """Which plenaries a list holds: those not yet ended, those ended, or all."""

    UPCOMING = "upcoming"
    PAST = "past"
    ALL = "all"


@dataclass(frozen=True)
class PlenaryPage:
    """One page of public plenaries, already in the API's shape."""

    items: list[dict]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        """Number of pages (at least 1, so that an empty list still has a first page)."""
        return max(1, -(-self.total // self.per_page))


def public_plenary_document(plenary: Plenary) -> dict:
    """Return ``plenary`` in the exchange format without private fields, plus its public page's URL."""
    document = export_plenary(plenary)  # include_private=False: no online_url
    document["url"] = public_url("events.detail", slug=plenary.slug)
    return document


def plenary_page(when: When, page: int, per_page: int, now: datetime | None = None) -> PlenaryPage:
    """Return page ``page`` of public plenaries; upcoming soonest first, otherwise latest first."""
    now = now or utcnow()
    query = (
        db.select(Plenary)
        .where(Plenary.status.in_(PUBLIC_STATUSES))
        .options(selectinload(Plenary.agenda_items).selectinload(AgendaItem.speakers))
    )
    if when == When.UPCOMING:
        query = query.where(Plenary.ends_at > now).order_by(Plenary.starts_at, Plenary.id)
    else:
        if when == When.PAST:
            query = query.where(Plenary.ends_at <= now)
        query = query.order_by(Plenary.starts_at.desc(), Plenary.id.desc())
    result = db.paginate(query, page=page, per_page=per_page, max_per_page=MAX_PER_PAGE, error_out=False)
    return PlenaryPage(
        items=[public_plenary_document(p) for p in result.items],
        page=page,
        per_page=per_page,
        total=result.total or 0,
    )


def public_plenary(slug: str) -> dict | None:
    """Return the public plenary ``slug`` in the API's shape, or None for drafts and unknown slugs."""
    plenary = get_public_plenary(slug)
    return public_plenary_document(plenary) if plenary is not None else None


def member_list() -> list[dict]:
    """Return members, then the advisory board, each by key: the directory's public fields only."""
    kind_rank = sa.case({MemberKind.MEMBER.value: 0}, value=Member.kind, else_=1)
    members = db.session.scalars(db.select(Member).order_by(kind_rank, Member.key)).all()
    return [
        {
            "key": m.key,
            "kind": m.kind,
            "country": m.country,
            "name": m.name or {},
            "region": m.region or {},
            "joined_year": m.joined_year,
        }
        for m in members
    ]
