"""The member directory (members grouped by country and region, and the advisory board), and the back office's
changes to members (each audited)."""

import unicodedata
from dataclasses import dataclass, field

import sqlalchemy as sa
from pypinyin import lazy_pinyin

from plenary.audit.services import diff, record
from plenary.db import utcnow
from plenary.extensions import db
from plenary.i18n import localize
from plenary.members.models import Member, MemberKind

#: Countries in the order the directory shows them.
COUNTRY_ORDER = ("DE", "CN")


@dataclass
class RegionGroup:
    """Members of one federal state or province."""

    name: dict
    members: list[Member] = field(default_factory=list)


@dataclass
class CountryGroup:
    """Members of one country, by region."""

    country: str
    regions: list[RegionGroup] = field(default_factory=list)

    @property
    def count(self) -> int:
        """Number of members in this country."""
        return sum(len(r.members) for r in self.regions)


@dataclass
class Directory:
    """Everything the member directory page shows."""

    countries: list[CountryGroup]
    advisory_board: list[Member]

    @property
    def member_count(self) -> int:
        """Total number of members."""
        return sum(c.count for c in self.countries)


def sort_key(text: str, lang: str) -> str:
    """A collation key readers of ``lang`` expect: pinyin for Chinese, accents folded otherwise.

    German readers file "Köln" under K-o (DIN 5007), before "Kreis Düren"; Chinese readers
    expect 佛山 (fóshān) before 科隆 (kēlóng), i.e. alphabetical by pinyin.
    """
    if lang == "zh":
        text = " ".join(lazy_pinyin(text))
    decomposed = unicodedata.normalize("NFKD", text.replace("ß", "ss"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def member_directory(lang: str) -> Directory:
    """Return current (not retired) members grouped by country and region, sorted as readers of ``lang`` expect."""
    rows = db.session.scalars(db.select(Member).where(Member.retired_at.is_(None))).all()

    def by_name(member: Member) -> str:
        return sort_key(localize(member.name, lang).text, lang)

    countries: list[CountryGroup] = []
    for code in sorted({m.country for m in rows if m.kind == MemberKind.MEMBER}, key=country_rank):
        regions: dict[str, RegionGroup] = {}
        for member in sorted((m for m in rows if m.kind == MemberKind.MEMBER and m.country == code), key=by_name):
            key = localize(member.region, lang).text
            regions.setdefault(key, RegionGroup(name=member.region)).members.append(member)
        ordered = sorted(regions, key=lambda name: sort_key(name, lang))
        countries.append(CountryGroup(country=code, regions=[regions[name] for name in ordered]))
    board = sorted((m for m in rows if m.kind == MemberKind.ADVISORY_BOARD), key=by_name)
    return Directory(countries=countries, advisory_board=board)


def country_rank(code: str) -> tuple[int, str]:
    """Germany, then China, then any other country alphabetically."""
    return (COUNTRY_ORDER.index(code) if code in COUNTRY_ORDER else len(COUNTRY_ORDER), code)


def member_counts() -> dict[str, int]:
    """Return the number of current (not retired) members per country code, plus 'total'."""
    rows = db.session.execute(
        db.select(Member.country, db.func.count())
        .where(Member.kind == MemberKind.MEMBER, Member.retired_at.is_(None))
        .group_by(Member.country)
    ).all()
    counts = {country: count for country, count in rows}
    counts["total"] = sum(counts.values())
    return counts


def member_choices(lang: str, keep: int | None = None) -> list[tuple[str, str]]:
    """Current (not retired) member cities and regions as (id, name) choices, sorted for readers of ``lang``.

    ``keep``: a member id offered even if retired (a registration that names it may keep its link).
    """
    current = Member.retired_at.is_(None)
    if keep is not None:
        current = current | (Member.id == keep)
    members = db.session.scalars(db.select(Member).where(Member.kind == MemberKind.MEMBER, current)).all()
    named = [(str(m.id), localize(m.name, lang).text) for m in members]
    return sorted(named, key=lambda choice: sort_key(choice[1], lang))


def member_snapshot(member: Member) -> dict:
    """What the audit log compares of a member."""
    return {
        "key": member.key, "kind": member.kind, "country": member.country, "name": dict(member.name or {}),
        "region": dict(member.region or {}), "joined_year": member.joined_year, "website": member.website,
        "note": dict(member.note or {}),
        "retired_at": member.retired_at.isoformat(timespec="seconds") if member.retired_at else None,
    }  # fmt: skip


def save_member(member: Member | None, values: dict) -> Member:
    """Create (``member`` None) or update a member and log it; flushes."""
    created = member is None
    if created:
        member = Member()
        db.session.add(member)
    before = {} if created else member_snapshot(member)
    for name, value in values.items():
        setattr(member, name, value)
    db.session.flush()
    changes = diff(before, member_snapshot(member))
    if changes:
        record("member.create" if created else "member.update", member, changes=changes,
               summary=member.name.get("de", "")[:200])  # fmt: skip
    return member


def set_member_retired(member: Member, retired: bool) -> None:
    """Retire (leaves the public directory and the registration form) or reinstate a member; flushes."""
    if (member.retired_at is not None) == retired:
        return
    before = member_snapshot(member)
    member.retired_at = utcnow() if retired else None
    db.session.flush()
    record("member.retire" if retired else "member.reinstate", member,
           changes=diff(before, member_snapshot(member)), summary=member.name.get("de", "")[:200])  # fmt: skip


def key_taken(key: str, exclude_id: int | None = None) -> bool:
    """True if another member has ``key``."""
    query = sa.select(Member.id).where(Member.key == key)
    if exclude_id is not None:
        query = query.where(Member.id != exclude_id)
    return db.session.scalar(query) is not None


@dataclass
class MemberCountry:
    """The back office's member list: one country's members."""

    country: str
    members: list[Member]


def members_by_country(lang: str) -> list[MemberCountry]:
    """Every member (retired ones too), by country (Germany, China, others), then by name."""
    members = db.session.scalars(sa.select(Member)).all()
    groups: dict[str, list[Member]] = {}
    for member in members:
        groups.setdefault(member.country, []).append(member)
    return [
        MemberCountry(code, sorted(groups[code], key=lambda m: (m.kind, sort_key(localize(m.name, lang).text, lang))))
        for code in sorted(groups, key=country_rank)
    ]
