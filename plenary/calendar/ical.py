"""Pure functions that build iCalendar objects (icalendar 7) for plenaries and agenda items.

Nothing here touches the database or the request: the callers pass the language, the
public base URL and, for personal copies and invitations, the attendee.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale, gettext
from icalendar import Alarm, Calendar, Event, vCalAddress, vDuration, vText

from plenary.calendar.timezones import vtimezone, vtimezone_text
from plenary.events.models import Plenary, PlenaryFormat, PlenaryStatus
from plenary.i18n import BABEL_LOCALES, localize, localize_any
from plenary.labels import AGENDA_KIND_LABELS, FORMAT_LABELS
from plenary.urls import public_url
from plenary.validation import strip_controls

PRODID = "-//Sino-German Industrial Cities Alliance//Plenary//EN"


def clean(text: str | None) -> str:
    """Text without control characters (icalendar escapes commas, semicolons, backslashes, newlines)."""
    # Control characters other than tab, line feed and carriage return are not allowed in iCalendar text.
    return strip_controls(str(text or ""), keep="\t\n\r")


def uid_host() -> str:
    """The host part of every UID: the configured public host, stable for the site's life."""
    return urlsplit(current_app.config["PUBLIC_URL"]).hostname or "localhost"


def plenary_uid(plenary: Plenary) -> str:
    """The plenary's UID, fixed at its creation and never changing while it exists."""
    return plenary.uid or f"plenary-{plenary.id}@{uid_host()}"


def agenda_item_uid(item) -> str:
    """An agenda item's UID, fixed at its creation (kept through edits and reordering)."""
    return item.uid or f"agenda-item-{item.id}@{uid_host()}"


@dataclass(frozen=True)
class Attendee:
    """The one person an invitation is for, and how they attend."""

    email: str
    name: str
    attendance: str  # in_person | online


def local_or_utc(instant: datetime, zone: ZoneInfo) -> datetime:
    """``instant`` as local time in ``zone``, or in UTC where that local time occurs twice.

    In the hour that repeats when summer time ends (02:00–03:00 on the last Sunday of October in
    Berlin) a local time with TZID means two instants, and parsers split between them; UTC has one.
    """
    local = instant.astimezone(zone)
    if local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset():
        return instant.astimezone(UTC)
    return local


def _location(plenary: Plenary, lang: str, online: bool, online_link: str | None) -> str | None:
    """The venue; for whoever attends online (and for an online plenary) the online meeting instead."""
    parts = [localize_any(plenary.venue_name, lang).text, localize_any(plenary.venue_address, lang).text,
             localize_any(plenary.venue_city, lang).text]  # fmt: skip
    venue = ", ".join(p for p in parts if p)
    if online or plenary.format == PlenaryFormat.ONLINE:
        return online_link or gettext("Online")
    return venue or None


def _summary(text: str, cancelled: bool) -> str:
    """The title, marked when the plenary is cancelled (so that it stands out in a subscribed calendar)."""
    return clean(gettext("Cancelled: %(title)s", title=text) if cancelled else text)


def _description(plenary: Plenary, lang: str, online_link: str | None) -> str:
    lines = []
    summary = localize(plenary.summary, lang).text
    if summary:
        lines += [summary, ""]
    if plenary.agenda_items:
        lines.append(gettext("Agenda") + ":")
        for item in plenary.agenda_items:
            lines.append(f"- {localize(item.title, lang).text}")
        lines.append("")
    if online_link:
        lines += [gettext("Online participation") + ": " + online_link, ""]
    lines.append(public_url("events.detail", slug=plenary.slug, lang=lang))
    return clean("\n".join(lines))


def plenary_event(
    plenary: Plenary,
    lang: str,
    *,
    now: datetime,
    attendee: Attendee | None = None,
    organizer: tuple[str, str] | None = None,
    cancelled: bool = False,
    join_link: str | None = None,
    sequence: int | None = None,
) -> Event:
    """The plenary as a VEVENT in ``lang``.

    Public copies carry no link into the meeting; a personal copy (``attendee``) carries ``join_link`` (the
    attendee's personal join link, never the meeting's own address) when the person attends online.
    ``organizer`` adds ORGANIZER and the one ATTENDEE (iTIP). ``sequence``: SEQUENCE if not the plenary's.
    """
    with force_locale(BABEL_LOCALES[lang]):
        online = bool(attendee and attendee.attendance == "online" and plenary.format != PlenaryFormat.IN_PERSON)
        online_link = join_link if online else None
        plenary_cancelled = plenary.status == PlenaryStatus.CANCELLED
        is_cancelled = cancelled or plenary_cancelled
        event = Event()
        event.add("uid", plenary_uid(plenary))
        event.add("dtstamp", now)
        event.add("sequence", plenary.sequence if sequence is None else sequence)
        event.add("created", plenary.created_at)
        event.add("last-modified", plenary.updated_at)
        event.add("dtstart", local_or_utc(plenary.starts_at, plenary.zone))
        event.add("dtend", local_or_utc(plenary.ends_at, plenary.zone))
        event.add("summary", _summary(localize(plenary.title, lang).text, plenary_cancelled))
        event.add("description", _description(plenary, lang, online_link))
        location = _location(plenary, lang, online, online_link)
        if location:
            event.add("location", clean(location))
        event.add("url", public_url("events.detail", slug=plenary.slug, lang=lang))
        event.add("status", "CANCELLED" if is_cancelled else "CONFIRMED")
        # A cancelled plenary blocks no time in a calendar that keeps showing it (a subscribed feed).
        event.add("transp", "TRANSPARENT" if is_cancelled else "OPAQUE")
        event.add("categories", [clean(FORMAT_LABELS[plenary.format])])
        if online_link:
            event.add("conference", online_link, parameters={"VALUE": "URI", "FEATURE": ["AUDIO", "VIDEO"],
                                                             "LABEL": gettext("Online participation")})  # fmt: skip
        if organizer:
            email, name = organizer
            event.add("organizer", vCalAddress(f"mailto:{email}", params={"CN": vText(clean(name))}))
        if attendee:
            params = {"CN": vText(clean(attendee.name))} if attendee.name else {}  # no name: an erased person
            params |= {"ROLE": "REQ-PARTICIPANT", "PARTSTAT": "NEEDS-ACTION", "RSVP": "TRUE", "CUTYPE": "INDIVIDUAL"}
            event.add("attendee", vCalAddress(f"mailto:{attendee.email}", params=params))
            event.add("x-microsoft-cdo-busystatus", "FREE" if is_cancelled else "BUSY")
        if not is_cancelled:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", clean(localize(plenary.title, lang).text))
            alarm.add("trigger", timedelta(days=-1))
            event.add_component(alarm)  # VALARM last in the VEVENT
        return event


def agenda_events(plenary: Plenary, lang: str, *, now: datetime) -> list[Event]:
    """One VEVENT per timed agenda item, each RELATED-TO the plenary."""
    events = []
    with force_locale(BABEL_LOCALES[lang]):
        cancelled = plenary.status == PlenaryStatus.CANCELLED
        for item in plenary.agenda_items:
            if item.starts_at is None:
                continue
            event = Event()
            event.add("uid", agenda_item_uid(item))
            event.add("dtstamp", now)
            event.add("sequence", plenary.sequence)
            event.add("dtstart", local_or_utc(item.starts_at, plenary.zone))
            if item.ends_at and item.ends_at > item.starts_at:  # no duration: no DTEND (it must be later)
                event.add("dtend", local_or_utc(item.ends_at, plenary.zone))
            kind = str(AGENDA_KIND_LABELS[item.kind])
            event.add("summary", _summary(f"{localize(item.title, lang).text} ({kind})", cancelled))
            speakers = [_speaker(s, lang) for s in item.speakers]
            parts = [localize(item.description, lang).text, *speakers]
            parties = [localize_any(p, lang).text for p in item.parties]
            if parties:
                parts.append(" – ".join(parties))
            description = clean("\n".join(p for p in parts if p))
            if description:  # an empty DESCRIPTION is dropped with an error by libical
                event.add("description", description)
            event.add("categories", [clean(kind)])
            event.add("related-to", plenary_uid(plenary), parameters={"RELTYPE": "PARENT"})
            event.add("url", public_url("events.detail", slug=plenary.slug, lang=lang))
            event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
            event.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
            events.append(event)
    return events


def add_to_calendar_links(plenary: Plenary, lang: str) -> dict[str, str]:
    """Links for the plenary page: download, webcal subscription, Google Calendar, Outlook.com."""
    title = localize(plenary.title, lang).text
    page = public_url("events.detail", slug=plenary.slug, lang=lang)
    location = _location(plenary, lang, False, None) or ""
    feed = public_url("calendar.feed", lang=lang)
    utc = "%Y%m%dT%H%M%SZ"
    google = "https://calendar.google.com/calendar/render?" + urlencode({
        "action": "TEMPLATE", "text": title, "details": page, "location": location, "ctz": plenary.timezone,
        "dates": f"{plenary.starts_at.strftime(utc)}/{plenary.ends_at.strftime(utc)}",
    })  # fmt: skip
    outlook = "https://outlook.live.com/calendar/0/deeplink/compose?" + urlencode({
        "path": "/calendar/action/compose", "rru": "addevent", "subject": title, "body": page, "location": location,
        "startdt": plenary.starts_at.isoformat(), "enddt": plenary.ends_at.isoformat(),
    })  # fmt: skip
    return {
        "download": public_url("calendar.plenary_ics", slug=plenary.slug, lang=lang),
        "agenda": public_url("calendar.agenda_ics", slug=plenary.slug, lang=lang),
        "subscribe": "webcal://" + feed.split("://", 1)[1],
        "google": google,
        "outlook": outlook,
    }


def _speaker(speaker, lang: str) -> str:
    """"Staatssekretär a. D. Friedhelm Ost, ISA" (or the organisation of an unnamed representative)."""
    name = " ".join(p for p in (localize_any(speaker.honorific, lang).text, speaker.name or "") if p)
    return ", ".join(p for p in (name, localize_any(speaker.organisation, lang).text) if p)


def calendar_text(events: list[Event], zones: set[str], *, method: str | None = None) -> str:
    """``calendar(events, zones, method=method).to_ical()`` as text, without parsing and writing the VTIMEZONEs again.

    Each VTIMEZONE is the same stored text in every calendar (``plenary.calendar.timezones``); building one as a
    component and writing it out cost more than the event itself, once per invitation queued. So the calendar is
    written without them and their text is put where ``calendar`` puts them: after the properties, before the events.
    """
    head = calendar([], set(), method=method)
    for event in events:
        head.add_component(event)
    text = head.to_ical()
    zones_text = b"".join(vtimezone_text(zone) for zone in sorted(zones))
    at = text.index(b"BEGIN:VEVENT") if events else text.rindex(b"END:VCALENDAR")
    return (text[:at] + zones_text + text[at:]).decode("utf-8")


def calendar(events: list[Event], zones: set[str], *, method: str | None = None, name: str | None = None,
             description: str | None = None, refresh_hours: int | None = None) -> Calendar:  # fmt: skip
    """A VCALENDAR holding ``events`` and a VTIMEZONE for every zone they use (the same in every file)."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    if name:
        cal.add("name", clean(name))
        cal.add("x-wr-calname", clean(name))
    if description:
        cal.add("description", clean(description))
        cal.add("x-wr-caldesc", clean(description))
    if refresh_hours:
        cal.add("refresh-interval", timedelta(hours=refresh_hours), parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", vDuration(timedelta(hours=refresh_hours)))
    # Even without events the calendar keeps its VTIMEZONE(s): RFC 5545 wants at least one component.
    for zone in sorted(zones):
        cal.add_component(vtimezone(zone))
    for event in events:
        cal.add_component(event)
    return cal
