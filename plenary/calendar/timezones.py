"""One VTIMEZONE per zone, the same in every file the app writes and right for every date it emits.

Some parsers (vobject, and so Radicale) keep the first definition they read for a TZID for the
whole process, so a definition must not depend on the events of the file it is in: a zone is
always written with its transitions from 1970 (where the tz database guarantees its history)
to 2200 (the last year a plenary may have), read from ``zoneinfo``:

- a run of yearly transitions that follow one rule (Europe/Berlin since 1996: last Sunday of
  March and of October) becomes one component with an RRULE, bounded by UNTIL where the rule
  ended (Mexico City abolished summer time in 2022) and open-ended where it still holds, the
  form Outlook itself exports;
- transitions that follow no rule (Casablanca's Ramadan changes) are listed as RDATEs;
- a first component from 1970 gives the offset before the first transition (Asia/Shanghai
  since 1991: nothing else).
"""

import calendar as cal
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

#: The years every definition covers (the app refuses plenary dates outside 1900–2200; the tz
#: database vouches for zones' history only since 1970, and before it the 1970 offset applies).
FIRST_YEAR, LAST_YEAR = 1970, 2200
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
#: A yearly rule needs at least this many transitions in a row (fewer are listed as RDATEs).
_MIN_RUN = 3


@dataclass(frozen=True)
class Transition:
    """One change of a zone's offset."""

    moment: datetime  # the UTC instant of the change
    before: timedelta  # UTC offset until then
    after: timedelta  # UTC offset from then
    name: str  # the abbreviation from then ("CEST", "+01")
    daylight: bool  # whether the new offset is daylight-saving time

    @property
    def onset(self) -> datetime:
        """The local time of the change in the offset that ends there (what DTSTART/RDATE carry)."""
        return (self.moment + self.before).replace(tzinfo=None)

    @property
    def kind(self) -> tuple:
        """Transitions of one kind can share a component."""
        return self.before, self.after, self.name, self.daylight


def _moment_of_change(zone: ZoneInfo, start: datetime, end: datetime) -> datetime:
    """The first second in (start, end] whose offset differs from ``start``'s (one change in between)."""
    offset = start.astimezone(zone).utcoffset()
    low, high = start, end
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        middle = middle.replace(microsecond=0)
        if middle.astimezone(zone).utcoffset() == offset:
            low = middle
        else:
            high = middle
    return high


@cache
def transitions(zone_name: str) -> tuple[Transition, ...]:
    """Every offset change of the zone from FIRST_YEAR to the end of LAST_YEAR (cached per process)."""
    zone = ZoneInfo(zone_name)
    found = []
    day = datetime(FIRST_YEAR, 1, 1, tzinfo=UTC)
    end = datetime(LAST_YEAR + 1, 1, 1, tzinfo=UTC)
    step = timedelta(hours=12)  # no zone changes its offset twice within half a day
    offset = day.astimezone(zone).utcoffset()
    while day < end:
        following = day + step
        new = following.astimezone(zone).utcoffset()
        if new != offset:
            moment = _moment_of_change(zone, day, following)
            local = moment.astimezone(zone)
            found.append(Transition(moment, offset, new, local.tzname() or "", bool(local.dst())))
            offset = new
        day = following
    return tuple(found)


def _day_rules(onset: datetime) -> set[tuple[str, object]]:
    """The yearly day rules ``onset`` satisfies: nth or last weekday of its month, or its day of month."""
    weekday = _WEEKDAYS[onset.weekday()]
    rules = {("bymonthday", onset.day), ("byday", f"{(onset.day - 1) // 7 + 1}{weekday}")}
    if onset.day + 7 > cal.monthrange(onset.year, onset.month)[1]:
        rules.add(("byday", f"-1{weekday}"))
    return rules


def _runs(items: list[Transition]) -> list[tuple[list[Transition], tuple[str, object] | None]]:
    """Split transitions of one kind into runs of consecutive years that follow one yearly rule."""
    runs: list[tuple[list[Transition], set]] = []
    for item in items:
        rules = _day_rules(item.onset)
        if runs:
            run, common = runs[-1]
            last = run[-1].onset
            if (item.onset.year == last.year + 1 and item.onset.month == last.month
                    and item.onset.time() == last.time() and common & rules):  # fmt: skip
                run.append(item)
                runs[-1] = (run, common & rules)
                continue
        runs.append(([item], rules))
    # Prefer a weekday rule (the way zones' rules are written) over a fixed day of the month.
    return [(run, min(common, key=lambda r: (r[0] != "byday", str(r[1]))) if len(run) >= _MIN_RUN else None)
            for run, common in runs]  # fmt: skip


def _component(transition: Transition):
    part = TimezoneDaylight() if transition.daylight else TimezoneStandard()
    part.add("dtstart", transition.onset)
    return part


def _finish(part, transition: Transition):
    part.add("tzoffsetfrom", transition.before)
    part.add("tzoffsetto", transition.after)
    if transition.name:
        part.add("tzname", transition.name)
    return part


@cache
def _vtimezone_ical(zone_name: str) -> bytes:
    """The serialised VTIMEZONE of ``zone_name`` (built once per process)."""
    # The offset in force when the covered range begins, from local midnight of 1 January FIRST_YEAR.
    start = datetime(FIRST_YEAR, 1, 1, tzinfo=ZoneInfo(zone_name))
    offset = start.utcoffset()
    initial = Transition(start.astimezone(UTC), offset, offset, start.tzname() or "", bool(start.dst()))
    parts = [(initial.onset, _finish(_component(initial), initial))]
    changes = transitions(zone_name)
    by_kind: dict[tuple, list[Transition]] = {}
    for item in changes:
        by_kind.setdefault(item.kind, []).append(item)
    irregular: dict[tuple, list[Transition]] = {}
    for items in by_kind.values():
        for run, rule in _runs(items):
            if rule is None:
                for item in run:
                    irregular.setdefault(item.kind, []).append(item)
                continue
            first, last = run[0], run[-1]
            recur = {"freq": "yearly", "bymonth": first.onset.month, rule[0]: rule[1]}
            if last.onset.year < LAST_YEAR:  # the rule ended (or the zone's rules changed): say when
                # UNTIL is UTC; dateutil (vobject, ics) reads it as local time, which east of UTC would
                # drop the last change. No later change of the rule is near, so the later of both is exact.
                recur["until"] = max(last.moment, last.onset.replace(tzinfo=UTC))
            part = _component(first)
            part.add("rrule", recur)
            parts.append((first.onset, _finish(part, first)))
    for items in irregular.values():
        part = _component(items[0])
        for item in items[1:]:  # one RDATE per date: vobject reads only the first of a list
            part.add("rdate", item.onset)
        parts.append((items[0].onset, _finish(part, items[0])))
    component = Timezone()
    component.add("tzid", zone_name)
    for _onset, part in sorted(parts, key=lambda p: p[0]):
        component.add_component(part)
    return component.to_ical()


def vtimezone_text(zone_name: str) -> bytes:
    """The VTIMEZONE of ``zone_name`` as iCalendar text (made once per process): what ``vtimezone`` writes."""
    return _vtimezone_ical(zone_name)


def vtimezone(zone_name: str) -> Timezone:
    """The VTIMEZONE of ``zone_name``: byte for byte the same in every calendar the app writes."""
    return Timezone.from_ical(_vtimezone_ical(zone_name))
