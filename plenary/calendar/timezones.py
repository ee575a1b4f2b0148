"""VTIMEZONE components that Outlook, Google, Apple and Thunderbird all read the same way.

icalendar's own generator lists every transition as an RDATE; Outlook has a history of
misreading RDATE-only zones. Where a zone's transitions follow one yearly rule in the
range around an event (Europe/Berlin: last Sunday of March and of October), this module
writes that rule as an RRULE, the form Outlook itself exports; zones without daylight
saving time (Asia/Shanghai) get a single STANDARD component. Anything irregular falls back
to icalendar's RDATE form.
"""

import calendar as cal
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _transitions(zone: ZoneInfo, first: date, last: date) -> list[tuple[datetime, timedelta, timedelta]]:
    """(UTC instant, offset before, offset after) of every offset change between the dates."""
    found = []
    day = datetime.combine(first, datetime.min.time(), UTC)
    end = datetime.combine(last, datetime.min.time(), UTC)
    offset = day.astimezone(zone).utcoffset()
    while day < end:
        following = day + timedelta(days=1)
        if following.astimezone(zone).utcoffset() != offset:
            moment = day
            while moment.astimezone(zone).utcoffset() == offset:
                moment += timedelta(minutes=15)
            new = moment.astimezone(zone).utcoffset()
            found.append((moment, offset, new))
            offset = new
        day = following
    return found


def _rule(local_starts: list[datetime]) -> dict | None:
    """A yearly RRULE matching every local start, or None."""
    months = {d.month for d in local_starts}
    weekdays = {d.weekday() for d in local_starts}
    times = {d.time() for d in local_starts}
    if len(months) != 1 or len(weekdays) != 1 or len(times) != 1:
        return None
    last = all(d.day + 7 > cal.monthrange(d.year, d.month)[1] for d in local_starts)
    nth = {(d.day - 1) // 7 + 1 for d in local_starts}
    if last:
        position = -1
    elif len(nth) == 1:
        position = nth.pop()
    else:
        return None
    return {"freq": "yearly", "bymonth": months.pop(), "byday": f"{position}{_WEEKDAYS[weekdays.pop()]}"}


def vtimezone(zone_name: str, first: date, last: date) -> Timezone:
    """A VTIMEZONE for ``zone_name`` valid from ``first`` to ``last`` (pad a year around events)."""
    zone = ZoneInfo(zone_name)
    # Start a year early so that the first component begins before anything it must cover.
    transitions = _transitions(zone, first - timedelta(days=366), last)
    component = Timezone()
    component.add("tzid", zone_name)
    if not transitions:
        moment = datetime.combine(first, datetime.min.time(), UTC).astimezone(zone)
        standard = TimezoneStandard()
        standard.add("dtstart", datetime(1970, 1, 1))
        standard.add("tzoffsetfrom", moment.utcoffset())
        standard.add("tzoffsetto", moment.utcoffset())
        standard.add("tzname", moment.tzname())
        component.add_component(standard)
        return component
    groups: dict[bool, list] = {True: [], False: []}
    for moment, before, after in transitions:
        groups[after > before].append((moment, before, after))
    parts = []
    for to_daylight, items in groups.items():
        if not items:
            continue
        # DTSTART is the local time just before the change, in the offset that ends there.
        local_starts = [(moment + before).replace(tzinfo=None) for moment, before, _after in items]
        rule = _rule(local_starts)
        if rule is None:
            return Timezone.from_tzinfo(zone, tzid=zone_name, first_date=first, last_date=last)
        part = TimezoneDaylight() if to_daylight else TimezoneStandard()
        moment, before, after = items[0]
        part.add("dtstart", local_starts[0])
        part.add("rrule", rule)
        part.add("tzoffsetfrom", before)
        part.add("tzoffsetto", after)
        part.add("tzname", (moment + timedelta(minutes=1)).astimezone(zone).tzname())
        parts.append((local_starts[0], part))
    for _start, part in sorted(parts, key=lambda p: p[0]):
        component.add_component(part)
    return component
