"""Checks every calendar the app emits must pass, with parsers other than icalendar (vobject, ics)."""

from datetime import datetime

import ics
import vobject


def check_calendar_text(raw: bytes) -> None:
    """RFC 5545 surface rules icalendar users rely on: UTF-8, CRLF, folded lines, a VTIMEZONE per TZID."""
    text = raw.decode("utf-8")  # valid UTF-8, or this raises
    assert "\r\n" in text and "\n" not in text.replace("\r\n", ""), "lines must end with CRLF"
    for line in raw.split(b"\r\n"):
        assert len(line) <= 75, f"line longer than 75 octets: {line!r}"
        line.decode("utf-8")  # folding never splits a character
    unfolded = text.replace("\r\n ", "").replace("\r\n\t", "")
    tzids = {part.split(":", 1)[0].split(";", 1)[0] for line in unfolded.splitlines() for part in
             line.split("TZID=")[1:]}  # fmt: skip
    defined = {line.split(":", 1)[1] for line in unfolded.splitlines() if line.startswith("TZID:")}
    assert tzids <= defined, f"TZIDs without VTIMEZONE: {tzids - defined}"
    for line in unfolded.splitlines():
        assert not any(ord(c) < 32 and c not in "\t" for c in line), f"control character in {line!r}"


def parse_with_vobject(raw: bytes) -> list:
    """The VEVENTs as vobject reads them (with its validation)."""
    # vobject keeps every VTIMEZONE it has seen in a process-wide registry by TZID; a zone read
    # for another year would shadow this calendar's own. Start clean, as a client reading one file does.
    vars(vobject.icalendar)["__tzidMap"].clear()
    calendar = vobject.readOne(raw.decode("utf-8"), validate=True)
    return list(calendar.vevent_list) if hasattr(calendar, "vevent_list") else []


def parse_with_ics(raw: bytes) -> list:
    """The events as the ics library reads them."""
    return sorted(ics.Calendar(raw.decode("utf-8")).events, key=lambda e: e.begin)


def instants(raw: bytes) -> list[tuple[datetime, datetime]]:
    """(start, end) of every event, read by both parsers, which must agree; aware UTC datetimes."""
    by_vobject = sorted((e.dtstart.value, e.dtend.value) for e in parse_with_vobject(raw))
    by_ics = [(e.begin.datetime, e.end.datetime) for e in parse_with_ics(raw)]
    assert [(a.timestamp(), b.timestamp()) for a, b in by_vobject] == [
        (a.timestamp(), b.timestamp()) for a, b in by_ics
    ], f"vobject and ics disagree: {by_vobject} vs {by_ics}"
    return by_vobject
