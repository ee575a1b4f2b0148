"""Back office: statistics of a plenary's registrations, with server-rendered SVG charts and the same figures
as tables.

Everything comes from six grouped queries (the sixth: arrivals over time, admin/attendance_statistics.py),
whatever the number of registrations.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from babel.dates import format_date
from flask import render_template
from flask_babel import get_locale, gettext

from plenary.admin import charts
from plenary.admin.attendance_statistics import attendance_section
from plenary.admin.blueprint import bp
from plenary.attendance.models import AttendanceChannel, AttendanceRecord
from plenary.auth.access import viewer_required
from plenary.countries import country_name
from plenary.events.models import Plenary
from plenary.events.services import plenary_or_404
from plenary.extensions import db
from plenary.i18n import current_language, localize
from plenary.labels import ATTENDANCE_LABELS, REGISTRATION_STATUS_LABELS
from plenary.members.models import Member
from plenary.questions.statistics import answer_sections
from plenary.registration.models import Registration, RegistrationStatus
from plenary.registration.states import ACTIVE
from plenary.survey.statistics import survey_results

#: Member cities shown one by one; the rest are added up as "others".
TOP_MEMBERS = 15

#: Time buckets of the over-time query: 15 minutes, a divisor of every real UTC offset.
BUCKET_SECONDS = 900


@dataclass
class Day:
    """Registrations received on one day (in the plenary's zone)."""

    day: date
    count: int
    cumulative: int


@dataclass
class Statistics:
    """What the statistics page shows of one plenary."""

    total: int = 0
    active: int = 0
    days: list[Day] = field(default_factory=list)
    by_status: list[tuple[str, int]] = field(default_factory=list)
    by_attendance: list[tuple[str, int]] = field(default_factory=list)
    by_country: list[tuple[str | None, int]] = field(default_factory=list)
    # (member id, or "others", or None for no member city; count)
    by_member: list[tuple[int | str | None, int]] = field(default_factory=list)
    member_names: dict[int, dict] = field(default_factory=dict)
    interpretation: list[tuple[bool, int]] = field(default_factory=list)
    checked_in: list[tuple[bool, int]] = field(default_factory=list)
    #: Per attendance mode of the confirmed: (confirmed, attended at all, attended through the mode's own channel).
    attendance_totals: dict[str, tuple[int, int, int]] = field(default_factory=dict)


def _bucket(dialect: str):
    """Each registration's creation time as a number of 15-minute steps since 1970 (UTC)."""
    if dialect == "postgresql":
        return sa.func.floor(sa.extract("epoch", Registration.created_at) / BUCKET_SECONDS)
    return sa.cast(sa.func.strftime("%s", Registration.created_at), sa.Integer) // BUCKET_SECONDS


def _online_record():
    return sa.exists().where(AttendanceRecord.registration_id == Registration.id,
                             AttendanceRecord.channel == AttendanceChannel.ONLINE)  # fmt: skip


def plenary_statistics(plenary: Plenary) -> Statistics:
    """The figures of one plenary's registrations (five grouped queries; arrivals: admin/attendance_statistics.py)."""
    stats = Statistics()
    of_plenary = Registration.plenary_id == plenary.id
    checked = sa.case((Registration.checked_in, 1), else_=0).label("hall")
    online = sa.case((_online_record(), 1), else_=0).label("online")
    groups = (Registration.status, Registration.attendance, Registration.interpretation, checked, online)
    rows = db.session.execute(sa.select(*groups, sa.func.count()).where(of_plenary).group_by(*groups)).all()
    status, attendance, interpretation, checked_in = Counter(), Counter(), Counter(), Counter()
    confirmed, attended, own = Counter(), Counter(), Counter()
    for row_status, row_attendance, row_interpretation, row_checked, row_online, count in rows:
        status[row_status] += count
        if row_status in ACTIVE:
            attendance[row_attendance] += count
            interpretation[bool(row_interpretation)] += count
        if row_status == RegistrationStatus.CONFIRMED:
            checked_in[bool(row_checked)] += count
            confirmed[row_attendance] += count
            attended[row_attendance] += count if row_checked or row_online else 0
            own[row_attendance] += count if (row_checked if row_attendance == "in_person" else row_online) else 0
    stats.attendance_totals = {m: (confirmed[m], attended[m], own[m]) for m in ATTENDANCE_LABELS if confirmed[m]}
    stats.total, stats.active = sum(status.values()), sum(status[s] for s in ACTIVE)
    if not stats.total:
        return stats
    stats.by_status = [(s, status[s]) for s in REGISTRATION_STATUS_LABELS if status[s]]
    stats.by_attendance = [(a, attendance[a]) for a in ATTENDANCE_LABELS if attendance[a]]
    stats.interpretation = [(value, interpretation[value]) for value in (True, False) if interpretation[value]]
    stats.checked_in = [(value, checked_in[value]) for value in (True, False) if checked_in[value]]

    bucket = _bucket(db.session.get_bind().dialect.name)
    per_day: Counter = Counter()
    for step, count in db.session.execute(sa.select(bucket, sa.func.count()).where(of_plenary).group_by(bucket)):
        moment = datetime.fromtimestamp(int(step) * BUCKET_SECONDS, UTC)
        per_day[moment.astimezone(plenary.zone).date()] += count
    running, day, last = 0, min(per_day), max(per_day)
    while day <= last:
        running += per_day[day]
        stats.days.append(Day(day, per_day[day], running))
        day += timedelta(days=1)

    active = sa.and_(of_plenary, Registration.is_active)
    countries = db.session.execute(
        sa.select(Registration.country, sa.func.count()).where(active).group_by(Registration.country)
    ).all()  # fmt: skip
    stats.by_country = sorted(((c, n) for c, n in countries), key=lambda row: (-row[1], row[0] or "~"))

    members = db.session.execute(
        sa.select(Registration.member_id, sa.func.count()).where(active).group_by(Registration.member_id)
    ).all()  # fmt: skip
    named = sorted(((m, n) for m, n in members if m is not None), key=lambda row: (-row[1], row[0]))
    top, rest = named[:TOP_MEMBERS], named[TOP_MEMBERS:]
    stats.by_member = list(top)
    if rest:
        stats.by_member.append(("others", sum(n for _, n in rest)))
    without = sum(n for m, n in members if m is None)
    if without:
        stats.by_member.append((None, without))
    if top:
        stats.member_names = dict(db.session.execute(
            sa.select(Member.id, Member.name).where(Member.id.in_([m for m, _ in top]))).all())  # fmt: skip
    return stats


def _country_name(code: str | None) -> str:
    if not code:
        return gettext("Not given")
    return country_name(code, current_language())


def _labelled(stats: Statistics) -> dict[str, list[tuple[str, int]]]:
    """Each breakdown as (label in the reader's language, count) rows."""
    lang = current_language()

    def member_label(key):
        if key is None:
            return gettext("No member city")
        if key == "others":
            return gettext("Other member cities")
        return localize(stats.member_names.get(key), lang).text or f"#{key}"

    yes_no = {True: gettext("Yes"), False: gettext("No")}
    return {
        "status": [(str(REGISTRATION_STATUS_LABELS[s]), n) for s, n in stats.by_status],
        "attendance": [(str(ATTENDANCE_LABELS[a]), n) for a, n in stats.by_attendance],
        "country": [(_country_name(c), n) for c, n in stats.by_country],
        "member": [(member_label(m), n) for m, n in stats.by_member],
        "interpretation": [(yes_no[v], n) for v, n in stats.interpretation],
        "checked_in": [(gettext("Checked in") if v else gettext("Not checked in"), n) for v, n in stats.checked_in],
    }


@bp.get("/plenaries/<slug>/statistics")
@viewer_required
def statistics(slug: str):
    """A plenary's registrations in figures: over time, by status, attendance, country, member city …"""
    plenary = plenary_or_404(slug)
    stats = plenary_statistics(plenary)
    sections = []
    if stats.total:
        rows = _labelled(stats)
        titles = {
            "status": (gettext("By status"), gettext("All registrations, by status.")),
            "attendance": (gettext("By attendance"), gettext("Registrations not cancelled or rejected.")),
            "country": (gettext("By country"), gettext("Registrations not cancelled or rejected.")),
            "member": (gettext("By member city or region"),
                       gettext("Registrations not cancelled or rejected; the %(count)s most frequent member cities.",
                               count=TOP_MEMBERS)),
            "interpretation": (gettext("Interpretation needed"), gettext("Registrations not cancelled or rejected.")),
            "checked_in": (gettext("Checked in"), gettext("Confirmed registrations.")),
        }  # fmt: skip
        if not plenary.has_venue:
            del titles["checked_in"]  # an online plenary has no door (its arrivals are in the attendance section)
        for key, (title, desc) in titles.items():
            if rows[key]:
                sections.append({"id": key, "title": title, "desc": desc, "rows": rows[key],
                                 "chart": charts.bar_chart(f"chart-{key}", title, desc, rows[key])})  # fmt: skip
        sections += answer_sections(plenary)  # the questions' choices (plenary/questions/statistics.py)
    timeline = None
    if stats.days:
        locale = get_locale()
        labels = [format_date(d.day, "medium", locale=locale) for d in stats.days]
        title = gettext("Registrations over time")
        desc = gettext("Registrations received per day (bars) and in total (line), %(first)s to %(last)s, "
                       "%(total)s in all.", first=labels[0], last=labels[-1], total=stats.total)  # fmt: skip
        timeline = {"title": title, "desc": desc, "rows": [(label, d) for label, d in zip(labels, stats.days,
                                                                                          strict=True) if d.count],
                    "chart": charts.timeline_chart("chart-time", title, desc, labels, [d.count for d in stats.days],
                                                   [d.cumulative for d in stats.days])}  # fmt: skip
    attendance = attendance_section(plenary, stats.attendance_totals) if stats.total else None
    return render_template("admin/statistics.html", plenary=plenary, stats=stats, sections=sections,
                           timeline=timeline, attendance=attendance,
                           survey=survey_results(plenary))  # fmt: skip
