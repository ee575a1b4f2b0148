"""Back office statistics of the attendance record: arrivals over time (hall and online, two series) and the
totals per attendance mode, for the statistics page (plenary/admin/statistics.py).

Arrivals are the records' first sightings, counted per 15 minutes in one grouped query; a plenary whose arrivals
spread over more than 12 hours is shown per hour, over more than a week per day, in the plenary's zone.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from babel.dates import format_date, format_time
from flask_babel import get_locale, gettext

from plenary.admin import charts
from plenary.attendance.models import AttendanceChannel, AttendanceRecord
from plenary.events.models import Plenary
from plenary.extensions import db
from plenary.labels import ATTENDANCE_CHANNEL_LABELS
from plenary.registration.models import Registration

#: The query's steps (seconds): 15 minutes, a divisor of every real UTC offset.
STEP = 900
#: Arrivals spread over more than this are shown per hour; over more than WEEK per day.
HOURLY_AFTER = timedelta(hours=12)
WEEK = timedelta(days=7)
CHANNELS = (AttendanceChannel.HALL, AttendanceChannel.ONLINE)


@dataclass
class Arrivals:
    """Arrivals per time step (local starts of the steps, in the plenary's zone) and channel."""

    step: timedelta = timedelta(minutes=15)
    starts: list[datetime] = field(default_factory=list)
    counts: dict[str, list[int]] = field(default_factory=dict)

    @property
    def total(self) -> dict[str, int]:
        return {channel: sum(values) for channel, values in self.counts.items()}


def _bucket(dialect: str):
    """Each record's first sighting as a number of 15-minute steps since 1970 (UTC)."""
    if dialect == "postgresql":
        return sa.func.floor(sa.extract("epoch", AttendanceRecord.first_seen_at) / STEP)
    return sa.cast(sa.func.strftime("%s", AttendanceRecord.first_seen_at), sa.Integer) // STEP


def arrivals(plenary: Plenary) -> Arrivals:
    """The plenary's arrivals over time, hall and online (one grouped query; empty steps between filled in)."""
    bucket = _bucket(db.session.get_bind().dialect.name)
    rows = db.session.execute(
        sa.select(AttendanceRecord.channel, bucket, sa.func.count())
        .join(Registration, Registration.id == AttendanceRecord.registration_id)
        .where(Registration.plenary_id == plenary.id)
        .group_by(AttendanceRecord.channel, bucket)
    ).all()  # fmt: skip
    result = Arrivals()
    if not rows:
        return result
    zone = plenary.zone
    moments = [(str(channel), datetime.fromtimestamp(int(step) * STEP, UTC), count) for channel, step, count in rows]
    span = max(m for _, m, _ in moments) - min(m for _, m, _ in moments)
    result.step = timedelta(minutes=15) if span <= HOURLY_AFTER else timedelta(hours=1) if span <= WEEK \
        else timedelta(days=1)  # fmt: skip

    def local_start(moment: datetime) -> datetime:
        local = moment.astimezone(zone)
        if result.step == timedelta(days=1):
            return local.replace(hour=0, minute=0)
        if result.step == timedelta(hours=1):
            return local.replace(minute=0)
        return local

    per: dict[str, Counter] = {str(c): Counter() for c in CHANNELS}
    for channel, moment, count in moments:
        per.setdefault(channel, Counter())[local_start(moment)] += count
    first = min(min(c) for c in per.values() if c)
    last = max(max(c) for c in per.values() if c)
    # Steps walked in UTC (local days and hours can repeat or be skipped at a change of clocks).
    moment = first.astimezone(UTC)
    while moment <= last.astimezone(UTC) and len(result.starts) < 2000:
        local = local_start(moment)
        if not result.starts or result.starts[-1] != local:
            result.starts.append(local)
        moment += result.step if result.step != timedelta(days=1) else timedelta(hours=1)
    result.counts = {str(c): [per[str(c)][start] for start in result.starts] for c in CHANNELS}
    return result


def _label(start: datetime, step: timedelta, first: datetime) -> str:
    locale = get_locale()
    if step == timedelta(days=1):
        return format_date(start, "medium", locale=locale)
    clock = format_time(start, "short", locale=locale)
    return clock if start.date() == first.date() and step < timedelta(hours=1) else \
        f"{format_date(start, 'short', locale=locale)} {clock}"  # fmt: skip


def attendance_section(plenary: Plenary, totals: dict[str, tuple[int, int, int]]) -> dict | None:
    """What the statistics page shows of attendance: the chart over time with its table, and ``totals`` per
    attendance mode (mode → (confirmed, attended, of them through their own mode's channel)); None if nobody
    attended."""
    data = arrivals(plenary)
    if not data.starts:
        return None
    labels = [_label(start, data.step, data.starts[0]) for start in data.starts]
    names = {c: str(ATTENDANCE_CHANNEL_LABELS[c]) for c in data.counts}
    total = data.total
    step_text = {timedelta(minutes=15): gettext("per 15 minutes"), timedelta(hours=1): gettext("per hour"),
                 timedelta(days=1): gettext("per day")}[data.step]  # fmt: skip
    title = gettext("Attendance over time")
    desc = gettext("Arrivals %(step)s from %(first)s to %(last)s (%(zone)s): %(hall)s in the hall, %(online)s online.",
                   step=step_text, first=labels[0], last=labels[-1], zone=plenary.timezone,
                   hall=total.get("hall", 0), online=total.get("online", 0))  # fmt: skip
    # A channel nobody came through is left out (an online plenary has no hall).
    shown = [c for c in ("hall", "online") if total.get(c)]
    colours = {"hall": charts.BAR, "online": charts.SECOND}
    series = [(names[c], data.counts[c], colours[c]) for c in shown]
    rows = [(label, start, [data.counts[c][i] for c in shown])
            for i, (label, start) in enumerate(zip(labels, data.starts, strict=True))
            if any(data.counts[c][i] for c in shown)]  # fmt: skip
    return {"title": title, "desc": desc, "rows": rows, "names": [names[c] for c in shown], "totals": totals,
            "chart": charts.series_chart("chart-attendance", title, desc, labels, series)}  # fmt: skip
