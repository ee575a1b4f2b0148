"""What the back office reads: plenaries with their counts, and filtered registration lists."""

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_sqlalchemy.pagination import SelectPagination

from plenary.attendance.models import AttendanceChannel, AttendanceRecord
from plenary.events.models import Plenary
from plenary.extensions import db
from plenary.mail.models import OutboxMessage
from plenary.registration.filters import RegistrationFilter, filtered_registrations
from plenary.registration.models import Attendance, Registration, RegistrationStatus
from plenary.registration.states import SEAT_HOLDING


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
    """One page of the list: filtered, sorted, with member, head of delegation and attendance loaded (three queries)."""
    sort = valid_sort(sort)
    descending = sort.startswith("-")
    keys = SORTS[sort.lstrip("-")] + (Registration.id,)
    order = [key.desc() if descending else key.asc() for key in keys]
    query = filtered_registrations(plenary_id, filters).order_by(*order)
    return _IdsFirstPagination(select=query, order=order, session=db.session(), page=page, per_page=per_page,
                               error_out=False)  # fmt: skip


class _IdsFirstPagination(SelectPagination):
    """``db.paginate`` that sorts and cuts the page on the ids alone, then loads the page's 50 rows with their joins.

    Sorting every matching registration with its member and head of delegation joined (all their columns) took
    most of a list page's time at 10,000 registrations; sorting their ids is cheap. Still one query for the page.
    """

    def _query_items(self) -> list:
        select = self._query_args["select"]
        page = select.with_only_columns(Registration.id).limit(self.per_page).offset(self._query_offset)
        rows = (
            sa.select(Registration).where(Registration.id.in_(page)).order_by(*self._query_args["order"])
            .options(sa.orm.joinedload(Registration.member), sa.orm.joinedload(Registration.delegation_head),
                     sa.orm.selectinload(Registration.attendance_records))
        )  # fmt: skip
        return list(self._query_args["session"].execute(rows).unique().scalars())

    def _query_count(self) -> int:
        # SELECT count(*) FROM registration WHERE …, not a count over a subquery of every column: a smaller statement
        # to compile and to keep in SQLAlchemy's statement cache, one per combination of filters.
        select = self._query_args["select"].with_only_columns(sa.func.count(), maintain_column_froms=True)
        return self._query_args["session"].scalar(select.order_by(None))


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
class ModeAttendance:
    """Of one attendance mode's confirmed registrations: how many attended, and through which channel.

    ``own``: through their mode's channel (the hall for in person, online for online); ``instead``: only through
    the other one (registered online, came to the hall).
    """

    confirmed: int = 0
    attended: int = 0
    own: int = 0

    @property
    def instead(self) -> int:
        return self.attended - self.own


@dataclass
class ListSummary:
    """The numbers above the list: registrations by status, the countries that occur, who may be listed."""

    counts: dict[str, int]
    countries: list[str]
    listed: int
    #: Per attendance mode, its registrations by status (mode → status → count).
    modes: dict[str, dict[str, int]] = field(default_factory=dict)
    #: Per attendance mode, its confirmed registrations and who of them attended (the attendance record).
    attended: dict[str, ModeAttendance] = field(default_factory=dict)

    def seats(self, mode: str) -> int:
        """How many registrations hold a seat in ``mode`` (confirmed or awaiting approval)."""
        return sum(count for status, count in self.modes.get(mode, {}).items() if status in SEAT_HOLDING)


def list_summary(plenary_id: int) -> ListSummary:
    """Counts by status and mode, the registrations' countries and the participant list's size (one grouped query)."""
    listed = sa.and_(Registration.status == RegistrationStatus.CONFIRMED, Registration.consent_listing.is_(True),
                     Registration.anonymised_at.is_(None))  # fmt: skip
    inner = (
        sa.select(Registration.status, Registration.attendance, Registration.country,
                  sa.case((listed, 1), else_=0).label("listed"), _channel(AttendanceChannel.HALL).label("hall"),
                  _channel(AttendanceChannel.ONLINE).label("online"))
        .where(Registration.plenary_id == plenary_id)
        .subquery()
    )  # fmt: skip
    groups = (inner.c.status, inner.c.attendance, inner.c.country, inner.c.listed, inner.c.hall, inner.c.online)
    rows = db.session.execute(sa.select(*groups, sa.func.count()).group_by(*groups)).all()
    counts: dict[str, int] = {}
    countries: set[str] = set()
    listed_count = 0
    modes: dict[str, dict[str, int]] = {}
    attended: dict[str, ModeAttendance] = {}
    for status, attendance, country, is_listed, hall, online, count in rows:
        if status == RegistrationStatus.CONFIRMED:
            mode = attended.setdefault(attendance, ModeAttendance())
            mode.confirmed += count
            mode.attended += count if hall or online else 0
            own = hall if attendance == Attendance.IN_PERSON else online
            mode.own += count if own else 0
        counts[status] = counts.get(status, 0) + count
        by_status = modes.setdefault(attendance, {})
        by_status[status] = by_status.get(status, 0) + count
        if country:
            countries.add(country)
        listed_count += count if is_listed else 0
    ordered = {s: counts[s] for s in RegistrationStatus.__members__.values() if s in counts}
    by_mode = {mode: {s: modes[mode][s] for s in RegistrationStatus.__members__.values() if s in modes[mode]}
               for mode in Attendance.__members__.values() if mode in modes}  # fmt: skip
    return ListSummary(counts=ordered, countries=sorted(countries), listed=listed_count, modes=by_mode,
                       attended={m: attended[m] for m in Attendance.__members__.values() if m in attended})


def _channel(channel: AttendanceChannel):
    """1 if the registration has a record of ``channel``, else 0 (a column of the summary's one query)."""
    exists = sa.exists().where(AttendanceRecord.registration_id == Registration.id, AttendanceRecord.channel == channel)
    return sa.case((exists, 1), else_=0)


def registration_messages(registration_id: int) -> list:
    """The outbox messages about one registration, newest first (the page shows no bodies)."""
    return list(db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.registration_id == registration_id)
        .order_by(OutboxMessage.id.desc())
    ))  # fmt: skip

