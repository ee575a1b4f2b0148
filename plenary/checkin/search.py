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
from sqlalchemy.orm import joinedload, selectinload

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


def _pinyin_keys(text: str | None) -> list[str]:
    """Toneless pinyin of ``text`` in both name orders ("zhangwei", "weizhang"); [] without Chinese characters."""
    if not has_han(text):
        return []
    syllables = _pinyin(text)
    return ["".join(syllables), "".join(syllables[1:] + syllables[:1])]


class Matcher:
    """Whether a registration's names contain a query; pinyin is worked out once per distinct text of one search
    (organisations repeat across a delegation) and only when the Latin spellings did not match already."""

    def __init__(self, query: str):
        self.wanted = fold(query)
        self.latin = not has_han(self.wanted)
        self._pinyin: dict[str, list[str]] = {}

    def _memo(self, text: str | None) -> list[str]:
        if not text:
            return []
        if text not in self._pinyin:
            self._pinyin[text] = _pinyin_keys(text)
        return self._pinyin[text]

    def keys(self, first: str, last: str, name_zh: str | None, organisation: str | None) -> list[str]:
        """The folded strings the query is looked for in (pinyin only if the query is Latin)."""
        found = [fold(first + last), fold(last + first), fold(name_zh), fold(organisation)]
        found = [key for key in found if key]
        if self.latin and not any(self.wanted in key for key in found):
            found += self._memo(name_zh) + self._memo(last + first) + self._memo(organisation)[:1]
        return found


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
    matcher = Matcher(query)
    wanted = matcher.wanted
    if not wanted or (len(wanted) < 2 and not has_han(wanted)):
        return SearchResult(query, [])
    rows = db.session.execute(
        sa.select(Registration.id, Registration.first_name, Registration.last_name, Registration.name_zh,
                  Registration.organisation)
        .where(Registration.plenary_id == plenary_id, Registration.anonymised_at.is_(None))
    ).all()  # fmt: skip
    ranked = []
    for row in rows:
        found = matcher.keys(row.first_name, row.last_name, row.name_zh, row.organisation)
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
            .options(selectinload(Registration.delegation_head), selectinload(Registration.plenary),
                     joinedload(Registration.attendance_records))  # the door asks who arrived: no extra query
        ).unique()
    }  # fmt: skip
    results = [admission(plenary_id, loaded[i]) for i in shown if i in loaded]
    return SearchResult(query, results, more=max(0, len(ranked) - LIMIT))
