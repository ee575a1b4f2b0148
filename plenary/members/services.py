"""The member directory: members grouped by country and region, and the advisory board."""

from dataclasses import dataclass, field

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


def member_directory(lang: str) -> Directory:
    """Return members grouped by country and region, sorted by name in ``lang``."""
    rows = db.session.scalars(db.select(Member)).all()
    # Chinese readers expect pinyin order; the English names of Chinese places are pinyin.
    sort_lang = "en" if lang == "zh" else lang

    def by_name(member: Member) -> str:
        return localize(member.name, sort_lang).text.casefold()

    countries: list[CountryGroup] = []
    for code in sorted({m.country for m in rows if m.kind == MemberKind.MEMBER}, key=_country_rank):
        regions: dict[str, RegionGroup] = {}
        for member in sorted((m for m in rows if m.kind == MemberKind.MEMBER and m.country == code), key=by_name):
            key = localize(member.region, sort_lang).text
            regions.setdefault(key, RegionGroup(name=member.region)).members.append(member)
        countries.append(CountryGroup(country=code, regions=[regions[k] for k in sorted(regions, key=str.casefold)]))
    board = sorted((m for m in rows if m.kind == MemberKind.ADVISORY_BOARD), key=by_name)
    return Directory(countries=countries, advisory_board=board)


def _country_rank(code: str) -> tuple[int, str]:
    """Germany, then China, then any other country alphabetically."""
    return (COUNTRY_ORDER.index(code) if code in COUNTRY_ORDER else len(COUNTRY_ORDER), code)


def member_counts() -> dict[str, int]:
    """Return the number of members per country code, plus 'total'."""
    rows = db.session.execute(
        db.select(Member.country, db.func.count()).where(Member.kind == MemberKind.MEMBER).group_by(Member.country)
    ).all()
    counts = {country: count for country, count in rows}
    counts["total"] = sum(counts.values())
    return counts
