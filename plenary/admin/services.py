"""What the back office reads: plenaries with their counts, and filtered registration lists."""

from dataclasses import asdict, dataclass, fields

import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from plenary.events.models import Plenary
from plenary.extensions import db
from plenary.registration.models import Attendance, Registration, RegistrationStatus


def plenaries_with_counts() -> list[tuple[Plenary, dict[str, int]]]:
    """Every plenary (drafts too), newest first, with its registrations counted by status (two queries)."""
    plenaries = db.session.scalars(sa.select(Plenary).order_by(Plenary.starts_at.desc())).all()
    counts: dict[int, dict[str, int]] = {p.id: {} for p in plenaries}
    rows = db.session.execute(
        sa.select(Registration.plenary_id, Registration.status, sa.func.count()).group_by(
            Registration.plenary_id, Registration.status
        )
    ).all()
    for plenary_id, status, count in rows:
        counts.setdefault(plenary_id, {})[status] = count
    return [(p, counts[p.id]) for p in plenaries]


@dataclass(frozen=True)
class RegistrationFilter:
    """Which registrations of a plenary an organizer looks at (the list, its export, a message to them).

    Built from query arguments (``from_args``); unknown values are ignored, never an error.
    ``delegation``: "" (all), "heads" (who registered others), "delegates" (registered by someone),
    "individuals" (neither), or a registration id (that delegation: its head and delegates).
    """

    q: str = ""
    status: str = ""
    attendance: str = ""
    country: str = ""
    member: int | None = None
    delegation: str = ""

    @classmethod
    def from_args(cls, args: MultiDict | dict) -> "RegistrationFilter":
        """The filter from request arguments, dropping anything invalid."""
        get = args.get
        status = get("status", "") if get("status", "") in RegistrationStatus.__members__.values() else ""
        attendance = get("attendance", "") if get("attendance", "") in Attendance.__members__.values() else ""
        country = (get("country", "") or "").upper()
        country = country if len(country) == 2 and country.isascii() and country.isalpha() else ""
        member = get("member", "")
        member = int(member) if isinstance(member, str) and member.isdecimal() and len(member) < 10 else None
        delegation = get("delegation", "") or ""
        if delegation not in ("heads", "delegates", "individuals") and not (
            delegation.isdecimal() and len(delegation) < 10
        ):
            delegation = ""
        return cls(q=(get("q", "") or "")[:100].strip(), status=status, attendance=attendance, country=country,
                   member=member, delegation=delegation)  # fmt: skip

    def args(self) -> dict:
        """The non-empty filter values, for links (pagination, export) and for storing with a message."""
        return {f.name: v for f, v in zip(fields(self), asdict(self).values(), strict=True) if v not in ("", None)}

    def apply(self, query: sa.Select) -> sa.Select:
        """``query`` (over Registration) restricted to this filter."""
        delegate = sa.orm.aliased(Registration)
        if self.status:
            query = query.where(Registration.status == self.status)
        if self.attendance:
            query = query.where(Registration.attendance == self.attendance)
        if self.country:
            query = query.where(Registration.country == self.country)
        if self.member is not None:
            query = query.where(Registration.member_id == self.member)
        if self.delegation == "heads":
            query = query.where(sa.exists().where(delegate.delegation_head_id == Registration.id))
        elif self.delegation == "delegates":
            query = query.where(Registration.delegation_head_id.is_not(None))
        elif self.delegation == "individuals":
            query = query.where(Registration.delegation_head_id.is_(None),
                                ~sa.exists().where(delegate.delegation_head_id == Registration.id))  # fmt: skip
        elif self.delegation:
            head = int(self.delegation)
            query = query.where(sa.or_(Registration.id == head, Registration.delegation_head_id == head))
        if self.q:
            pattern = f"%{self.q.lower()}%"
            query = query.where(
                sa.or_(
                    sa.func.lower(Registration.first_name).like(pattern),
                    sa.func.lower(Registration.last_name).like(pattern),
                    sa.func.lower(Registration.organisation).like(pattern),
                    Registration.email.like(pattern),
                    Registration.name_zh.like(pattern),
                )
            )
        return query


def filtered_registrations(plenary_id: int, filters: RegistrationFilter) -> sa.Select:
    """The query of a plenary's registrations matching ``filters`` (unordered)."""
    return filters.apply(sa.select(Registration).where(Registration.plenary_id == plenary_id))


#: How the list may be sorted: argument → columns (then the id, so pages never overlap). "-x" sorts descending.
SORTS = {
    "name": (sa.func.lower(Registration.last_name), sa.func.lower(Registration.first_name)),
    "organisation": (sa.func.lower(sa.func.coalesce(Registration.organisation, "")),),
    "country": (sa.func.coalesce(Registration.country, ""),),
    "status": (Registration.status,),
    "registered": (Registration.created_at,),
}
DEFAULT_SORT = "-registered"


def valid_sort(value: str | None) -> str:
    """``value`` if it names a known sort ("name", "-name" …), else the default (newest first)."""
    return value if value and value.lstrip("-") in SORTS else DEFAULT_SORT


def registration_list(plenary_id: int, filters: RegistrationFilter, sort: str = DEFAULT_SORT, page: int = 1,
                      per_page: int = 50):  # fmt: skip
    """One page of the list: filtered, sorted, with member and head of delegation loaded (two queries)."""
    sort = valid_sort(sort)
    descending = sort.startswith("-")
    keys = SORTS[sort.lstrip("-")] + (Registration.id,)
    order = [key.desc() if descending else key.asc() for key in keys]
    query = filtered_registrations(plenary_id, filters).options(
        sa.orm.joinedload(Registration.member), sa.orm.joinedload(Registration.delegation_head)
    )
    return db.paginate(query.order_by(*order), page=page, per_page=per_page, error_out=False)


def delegate_counts(registration_ids: list[int]) -> dict[int, int]:
    """How many delegates each of these registrations registered (one grouped query; none if no ids)."""
    if not registration_ids:
        return {}
    rows = db.session.execute(
        sa.select(Registration.delegation_head_id, sa.func.count())
        .where(Registration.delegation_head_id.in_(registration_ids))
        .group_by(Registration.delegation_head_id)
    ).all()  # fmt: skip
    return dict(rows)


@dataclass
class ListSummary:
    """The numbers above the list: registrations by status, the countries that occur, who may be listed."""

    counts: dict[str, int]
    countries: list[str]
    listed: int


def list_summary(plenary_id: int) -> ListSummary:
    """Counts by status, the registrations' countries and the participant list's size, in one grouped query."""
    listed = sa.and_(Registration.status == RegistrationStatus.CONFIRMED, Registration.consent_listing.is_(True),
                     Registration.anonymised_at.is_(None))  # fmt: skip
    inner = (
        sa.select(Registration.status, Registration.country, sa.case((listed, 1), else_=0).label("listed"))
        .where(Registration.plenary_id == plenary_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(inner.c.status, inner.c.country, inner.c.listed, sa.func.count())
        .group_by(inner.c.status, inner.c.country, inner.c.listed)
    ).all()  # fmt: skip
    counts: dict[str, int] = {}
    countries: set[str] = set()
    listed_count = 0
    for status, country, is_listed, count in rows:
        counts[status] = counts.get(status, 0) + count
        if country:
            countries.add(country)
        listed_count += count if is_listed else 0
    ordered = {s: counts[s] for s in RegistrationStatus.__members__.values() if s in counts}
    return ListSummary(counts=ordered, countries=sorted(countries), listed=listed_count)


def registration_messages(registration_id: int) -> list:
    """The outbox messages about one registration, newest first (the page shows no bodies)."""
    from plenary.mail.models import OutboxMessage

    return list(db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.registration_id == registration_id)
        .order_by(OutboxMessage.id.desc())
    ))  # fmt: skip


def registration_snapshot(registration: Registration) -> dict:
    """The editable details of a registration, for the audit entry's before → after."""
    from plenary.registration.services import PERSON_FIELDS

    return {name: getattr(registration, name) for name in ("email", *PERSON_FIELDS, "consent_listing")}
