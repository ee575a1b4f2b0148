"""Finding a person at the door by name: Latin or Chinese characters, pinyin (with or without tones and
spaces: "Zhāng Wěi", "zhang wei", "zhangwei", "张伟"), or organisation.

Computed in Python over the plenary's registrations rather than kept in a stored search column: one query
fetches the few name columns of a plenary's not-erased registrations (2,000 rows are ~100 kB), matching and
pinyin take a few milliseconds, and a second query loads the at most ``LIMIT`` people shown. Nothing is
stored, so no copy of a name can outlive a change of name or an erasure. Nothing is cached either (the
names are personal).
"""

import unicodedata
from dataclasses import dataclass

import sqlalchemy as sa
from pypinyin import lazy_pinyin
from sqlalchemy.orm import selectinload

from plenary.checkin.services import CheckinResult, admission
from plenary.extensions import db
from plenary.registration.models import Registration

#: The most people one search shows; more matches ask for more of the name.
LIMIT = 12
#: The longest query looked at (longer input is cut, never refused).
MAX_QUERY = 100


def fold(text: str | None) -> str:
    """``text`` for comparison: no tone marks or accents, case-folded, letters and digits only."""
    decomposed = unicodedata.normalize("NFKD", (text or "").replace("ß", "ss"))
    return "".join(ch for ch in decomposed if ch.isalnum() and not unicodedata.combining(ch)).casefold()


def has_han(text: str | None) -> bool:
    """True if ``text`` contains Chinese characters."""
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text or "")


def _pinyin(text: str) -> list[str]:
    """``text``'s syllables in toneless pinyin (characters that are not Chinese stay as they are)."""
    return [fold(syllable) for syllable in lazy_pinyin(text)]


def keys(first: str, last: str, name_zh: str | None, organisation: str | None, latin_query: bool) -> list[str]:
    """The folded strings a query is looked for in; with pinyin (both name orders) if the query is Latin."""
    found = [fold(first + last), fold(last + first), fold(name_zh), fold(organisation)]
    if latin_query:
        for name in (name_zh, last + first):
            if has_han(name):
                syllables = _pinyin(name)  # family name first: zhang wei
                found += ["".join(syllables), "".join(syllables[1:] + syllables[:1])]  # and wei zhang
        if has_han(organisation):
            found.append("".join(_pinyin(organisation)))
    return [key for key in found if key]


@dataclass
class SearchResult:
    """The people shown for a query (each with whether they may enter), and how many more matched."""

    query: str
    registrations: list[CheckinResult]
    more: int = 0


def search(plenary_id: int, query: str) -> SearchResult:
    """The plenary's not-erased registrations whose name, Chinese name, pinyin or organisation contains ``query``.

    Best first: those where a name or the organisation starts with the query, then by family name.
    Two queries whatever the number of registrations.
    """
    query = (query or "")[:MAX_QUERY]
    wanted = fold(query)
    if not wanted or (len(wanted) < 2 and not has_han(wanted)):
        return SearchResult(query, [])
    latin = not has_han(wanted)
    rows = db.session.execute(
        sa.select(Registration.id, Registration.first_name, Registration.last_name, Registration.name_zh,
                  Registration.organisation)
        .where(Registration.plenary_id == plenary_id, Registration.anonymised_at.is_(None))
    ).all()  # fmt: skip
    ranked = []
    for row in rows:
        found = keys(row.first_name, row.last_name, row.name_zh, row.organisation, latin)
        if any(wanted in key for key in found):
            starts = any(key.startswith(wanted) for key in found)
            ranked.append((0 if starts else 1, fold(row.last_name), fold(row.first_name), row.id))
    ranked.sort()
    shown = [entry[-1] for entry in ranked[:LIMIT]]
    if not shown:
        return SearchResult(query, [])
    loaded = {
        r.id: r
        for r in db.session.scalars(
            sa.select(Registration).where(Registration.id.in_(shown))
            .options(selectinload(Registration.delegation_head), selectinload(Registration.plenary))
        )
    }  # fmt: skip
    results = [admission(plenary_id, loaded[i]) for i in shown if i in loaded]
    return SearchResult(query, results, more=max(0, len(ranked) - LIMIT))
