"""Pure functions that build iCalendar objects (icalendar 7) for plenaries and agenda items.

Nothing here touches the database or the request: the callers pass the language, the
public base URL and, for personal copies and invitations, the attendee.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale, gettext
from icalendar import Alarm, Calendar, Event, vCalAddress, vDuration, vText

from plenary.calendar.timezones import vtimezone
from plenary.events.models import Plenary, PlenaryFormat, PlenaryStatus
from plenary.i18n import BABEL_LOCALES, localize, localize_any
from plenary.labels import AGENDA_KIND_LABELS, FORMAT_LABELS
from plenary.urls import public_url

PRODID = "-//Sino-German Industrial Cities Alliance//Plenary//EN"

# Control characters other than tab, line feed and carriage return are not allowed in iCalendar text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(text: str | None) -> str:
    """Text without control characters (icalendar escapes commas, semicolons, backslashes, newlines)."""
    return _CONTROL.sub("", str(text or ""))


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


def _location(plenary: Plenary, lang: str, online_link: str | None) -> str | None:
    parts = [localize_any(plenary.venue_name, lang).text, localize_any(plenary.venue_address, lang).text,
             localize_any(plenary.venue_city, lang).text]  # fmt: skip
    venue = ", ".join(p for p in parts if p)
    if plenary.format == PlenaryFormat.ONLINE or (online_link and not venue):
        return online_link or gettext("Online")
    return venue or None


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
) -> Event:
    """The plenary as a VEVENT in ``lang``.

    Public copies carry no private online link; a personal copy (``attendee``) carries it
    when the person attends online. ``organizer`` adds ORGANIZER and the one ATTENDEE (iTIP).
    """
    with force_locale(BABEL_LOCALES[lang]):
        online_link = None
        if attendee and attendee.attendance == "online" and plenary.format != PlenaryFormat.IN_PERSON:
            online_link = plenary.online_url
        event = Event()
        event.add("uid", plenary_uid(plenary))
        event.add("dtstamp", now)
        event.add("sequence", plenary.sequence)
        event.add("created", plenary.created_at)
        event.add("last-modified", plenary.updated_at)
        event.add("dtstart", plenary.starts_at.astimezone(plenary.zone))
        event.add("dtend", plenary.ends_at.astimezone(plenary.zone))
        event.add("summary", clean(localize(plenary.title, lang).text))
        event.add("description", _description(plenary, lang, online_link))
        location = _location(plenary, lang, online_link)
        if location:
            event.add("location", clean(location))
        event.add("url", public_url("events.detail", slug=plenary.slug, lang=lang))
        is_cancelled = cancelled or plenary.status == PlenaryStatus.CANCELLED
        event.add("status", "CANCELLED" if is_cancelled else "CONFIRMED")
        event.add("transp", "OPAQUE")
        event.add("categories", [clean(FORMAT_LABELS[plenary.format])])
        if online_link:
            event.add("conference", online_link, parameters={"VALUE": "URI", "FEATURE": ["AUDIO", "VIDEO"],
                                                             "LABEL": gettext("Online participation")})  # fmt: skip
        if organizer:
            email, name = organizer
            event.add("organizer", vCalAddress(f"mailto:{email}", params={"CN": vText(clean(name))}))
        if attendee:
            event.add("attendee", vCalAddress(f"mailto:{attendee.email}", params={
                "CN": vText(clean(attendee.name)), "ROLE": "REQ-PARTICIPANT", "PARTSTAT": "NEEDS-ACTION",
                "RSVP": "TRUE", "CUTYPE": "INDIVIDUAL"}))  # fmt: skip
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
        for item in plenary.agenda_items:
            if item.starts_at is None:
                continue
            event = Event()
            event.add("uid", agenda_item_uid(item))
            event.add("dtstamp", now)
            event.add("sequence", plenary.sequence)
            event.add("dtstart", item.starts_at.astimezone(plenary.zone))
            if item.ends_at and item.ends_at > item.starts_at:  # no duration: no DTEND (it must be later)
                event.add("dtend", item.ends_at.astimezone(plenary.zone))
            kind = str(AGENDA_KIND_LABELS[item.kind])
            event.add("summary", clean(f"{localize(item.title, lang).text} ({kind})"))
            speakers = [_speaker(s, lang) for s in item.speakers]
            parts = [localize(item.description, lang).text, *speakers]
            parties = [localize_any(p, lang).text for p in item.parties]
            if parties:
                parts.append(" – ".join(parties))
            event.add("description", clean("\n".join(p for p in parts if p)))
            event.add("categories", [clean(kind)])
            event.add("related-to", plenary_uid(plenary), parameters={"RELTYPE": "PARENT"})
            event.add("url", public_url("events.detail", slug=plenary.slug, lang=lang))
            event.add("status", "CANCELLED" if plenary.status == PlenaryStatus.CANCELLED else "CONFIRMED")
            events.append(event)
    return events


def add_to_calendar_links(plenary: Plenary, lang: str) -> dict[str, str]:
    """Links for the plenary page: download, webcal subscription, Google Calendar, Outlook.com."""
    from urllib.parse import urlencode

    title = localize(plenary.title, lang).text
    page = public_url("events.detail", slug=plenary.slug, lang=lang)
    location = _location(plenary, lang, None) or ""
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


def calendar(events: list[Event], zones: set[str], *, method: str | None = None, name: str | None = None,
             description: str | None = None, refresh_hours: int | None = None) -> Calendar:  # fmt: skip
    """A VCALENDAR holding ``events`` and a VTIMEZONE for every zone they use."""
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
    starts = [e.decoded("dtstart") for e in events] or [datetime.now()]
    first, last = min(starts).date() - timedelta(days=366), max(starts).date() + timedelta(days=366)
    # Even without events the calendar keeps its VTIMEZONE(s): RFC 5545 wants at least one component.
    for zone in sorted(zones):
        cal.add_component(vtimezone(zone, first, last))
    for event in events:
        cal.add_component(event)
    return cal
