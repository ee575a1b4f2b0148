"""Rendering helpers for templates: Markdown, and times in both partner countries' zones."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import nh3
from babel.dates import format_date, format_time, get_timezone_name
from flask_babel import get_locale, gettext
from markdown_it import MarkdownIt
from markupsafe import Markup

from plenary.config import DEFAULT_TIMEZONE

BERLIN = DEFAULT_TIMEZONE  # Germany's zone is the alliance's home zone
BEIJING = "Asia/Shanghai"

#: The partner country's zone for each home zone of a plenary.
PARTNER_ZONE = {BERLIN: BEIJING, BEIJING: BERLIN}

# CommonMark with tables; raw HTML in the source is escaped by the parser, and
# the result is sanitised again by nh3 (defence in depth: links, attributes).
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")

_ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "a", "ul", "ol", "li", "blockquote", "code", "pre",
    "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip


def render_markdown(text: str | None) -> Markup:
    """Render Markdown to sanitised HTML; scripts, handlers and javascript: links are removed."""
    if not text:
        return Markup("")
    # The page title is the only <h1>; a "# Heading" in content becomes a section heading.
    html = _markdown.render(text).replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    clean = nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "th": {"align"}, "td": {"align"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    return Markup(clean)


def zone_label(moment: datetime, zone: str) -> str:
    """Name the zone of ``moment`` the way readers of the current language expect."""
    local = moment.astimezone(ZoneInfo(zone))
    if zone == BERLIN:
        return gettext("CEST") if local.dst() else gettext("CET")
    if zone == BEIJING:
        return gettext("Beijing")
    return get_timezone_name(local, "short", locale=get_locale())


@dataclass(frozen=True)
class ZonedTime:
    """One instant as shown in one zone."""

    moment: datetime
    zone: str
    label: str
    long_name: str

    def time(self) -> str:
        """Time of day, locale-formatted (15:00)."""
        return format_time(self.moment, "short", tzinfo=ZoneInfo(self.zone), locale=get_locale())

    def date(self, format: str = "full") -> str:
        """Date in this zone, locale-formatted."""
        return format_date(self.moment.astimezone(ZoneInfo(self.zone)).date(), format, locale=get_locale())

    def iso(self) -> str:
        """Machine-readable instant with offset, for <time datetime>."""
        return self.moment.astimezone(ZoneInfo(self.zone)).isoformat(timespec="minutes")


def zoned(moment: datetime, zone: str) -> ZonedTime:
    """Return ``moment`` as shown in ``zone``."""
    local = moment.astimezone(ZoneInfo(zone))
    return ZonedTime(
        moment=moment,
        zone=zone,
        label=zone_label(moment, zone),
        long_name=get_timezone_name(local, "long", locale=get_locale()),
    )


def partner_zones(home_zone: str) -> list[str]:
    """The plenary's own zone first, then the partner country's (Berlin ↔ Beijing)."""
    zones = [home_zone]
    partner = PARTNER_ZONE.get(home_zone)
    if partner:
        zones.append(partner)
    else:
        zones += [z for z in (BERLIN, BEIJING) if z != home_zone]
    return zones


def dual_times(moment: datetime | None, home_zone: str) -> list[ZonedTime]:
    """Return ``moment`` in the plenary's zone and in the partner country's zone(s)."""
    if moment is None:
        return []
    return [zoned(moment, zone) for zone in partner_zones(home_zone)]


_DIGITS = "零一二三四五六七八九"


def chinese_numeral(number: int) -> str:
    """Write 1–99 in Chinese numerals (十, 十一, 二十一); larger numbers stay in digits."""
    if not 0 < number < 100:
        return str(number)
    tens, ones = divmod(number, 10)
    if tens == 0:
        return _DIGITS[ones]
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + ("" if ones == 0 else _DIGITS[ones])


def ordinal(number: int, lang: str) -> str:
    """Return ``number`` as an ordinal in ``lang``: 10. / 10th / 第10届."""
    if lang == "de":
        return f"{number}."
    if lang == "zh":
        return f"第{chinese_numeral(number)}届"
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


@dataclass(frozen=True)
class TimeRange:
    """A plenary's time range as read in one zone: ``date`` (may be empty) and ``span`` ("09:00–12:30 MESZ")."""

    date: str
    span: str

    def __str__(self) -> str:
        return gettext("%(date)s, %(time)s", date=self.date, time=self.span) if self.date else self.span


def time_ranges(starts: datetime, ends: datetime, home_zone: str) -> list[TimeRange]:
    """The plenary's time range as read in its own zone, then the partner country's (for mails and plain text).

    "Mittwoch, 15. Oktober 2031" + "09:00–12:30 MESZ", then "15:00–18:30 Beijing" (the date again only where
    that zone is on another day); a plenary that ends on another day names that day at its end.
    """
    ranges = []
    for zone in partner_zones(home_zone):
        start, end = zoned(starts, zone), zoned(ends, zone)
        if not ranges:
            day = start.date("full")
        else:
            day = "" if start.date() == zoned(starts, home_zone).date() else start.date("medium")
        finish = end.time() if end.date() == start.date() else gettext(
            "%(date)s, %(time)s", date=end.date("medium"), time=end.time())  # fmt: skip
        ranges.append(TimeRange(day, f"{start.time()}–{finish} {start.label}"))
    return ranges
