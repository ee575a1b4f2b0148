"""The plenary exchange format: JSON in (validated, all or nothing) and JSON out.

One representation serves the demo data, ``flask plenary import/export`` and the
public API. Times go in and out with their UTC offset, shown in the plenary's zone;
they are stored as UTC beside the IANA zone name. See docs/exchange-format.md.
"""

import json
import re
import uuid
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from plenary.agenda.models import AgendaItem, Speaker
from plenary.db import utcnow
from plenary.events.models import Plenary
from plenary.extensions import db
from plenary.validation import normalised_email, text_problem


class ExchangeError(ValueError):
    """An import document is invalid; ``errors`` lists each problem with its field path."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


@cache
def plenary_schema() -> dict:
    """Return the JSON Schema of the exchange format."""
    return json.loads(resources.files("plenary.events").joinpath("plenary.schema.json").read_text("utf-8"))


def _path(error: ValidationError) -> str:
    """Render a validation error's location as ``agenda[2].speakers[0].name``."""
    out = ""
    for part in error.absolute_path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(document)"


def _best(error: ValidationError) -> ValidationError:
    """For oneOf/anyOf errors, return the sub-error that explains the value best.

    The generic "is not valid under any of the given schemas" hides the reason; the
    branch that matches the value's type (not failing on "type" at the same place)
    and goes deepest usually names the real problem.
    """
    if not error.context:
        return error
    depth = len(error.absolute_path)
    candidates = [e for e in error.context if not (e.validator == "type" and len(e.absolute_path) == depth)]
    if not candidates:
        return error
    return _best(max(candidates, key=lambda e: len(e.absolute_path)))


def _message(error: ValidationError) -> str:
    """Return a human-readable message for ``error``."""
    if error.validator == "pattern":
        return f"{error.instance!r} does not have the expected form"
    if error.validator in ("oneOf", "anyOf"):
        return f"{error.instance!r} is not an allowed value here"
    return error.message


def validate_document(data: Any) -> list[str]:
    """Return every problem in ``data`` as 'field: message': its texts and nesting, then the schema, then meaning."""
    problems = _text_errors(data)
    if problems:
        return problems
    validator = Draft202012Validator(plenary_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        return [_describe(e) for e in errors]
    return _semantic_errors(data)


#: Deeper than any exchange document goes (``agenda[0].speakers[0].position.de`` is 6 levels).
MAX_DEPTH = 12
#: Fields whose texts may have several lines; every other text of the document is one line.
MULTILINE_FIELDS = frozenset({"summary", "description"})


def _text_errors(data: Any) -> list[str]:
    """Every text (and field name) of ``data`` as plenary.validation takes it, and the nesting bounded.

    Walks the document without recursion, before the schema check, so that neither a deep document nor a
    lone surrogate can reach jsonschema, the database or a page.
    """
    problems = []
    stack = [(data, "", 0, False)]
    while stack:
        value, path, depth, multiline = stack.pop()
        if depth > MAX_DEPTH:
            return [f"{path}: nested more than {MAX_DEPTH} levels deep (no exchange document is)"]
        if isinstance(value, str):
            problem = text_problem(value, multiline=multiline)
            if problem is not None:
                problems.append(f"{path or '(document)'}: {problem}")
        elif isinstance(value, dict):
            children = []
            for key, child in value.items():
                problem = text_problem(key) if isinstance(key, str) else None
                if problem is not None:
                    problems.append(f"{path or '(document)'}: a field name {problem}")
                    continue
                child_path = f"{path}.{key}" if path else str(key)
                children.append((child, child_path, depth + 1, multiline or key in MULTILINE_FIELDS))
            stack.extend(reversed(children))
        elif isinstance(value, list):
            stack.extend((value[i], f"{path}[{i}]", depth + 1, multiline) for i in reversed(range(len(value))))
    return problems


def _describe(error: ValidationError) -> str:
    """Return 'field.path: message'; a missing or unknown field is named in the path itself."""
    error = _best(error)
    parent = _path(error)

    def child(name: str) -> str:
        return name if parent == "(document)" else f"{parent}.{name}"

    if error.validator == "required":
        # jsonschema raises one error per missing field; its message names that field.
        match = re.match(r"'(.+)' is a required property", error.message)
        return f"{child(match.group(1) if match else '?')}: this field is required"
    if error.validator == "additionalProperties":
        known = error.schema.get("properties", {})
        unknown = [name for name in error.instance if name not in known]
        return "; ".join(f"{child(name)}: unknown field" for name in unknown)
    return f"{parent}: {_message(error)}"


def _semantic_errors(data: dict) -> list[str]:
    """Checks JSON Schema cannot express: real zones and dates, and their order."""
    problems = []
    if data["timezone"] not in _zone_names():
        problems.append(f"timezone: {data['timezone']!r} is not an IANA time zone name")
    title_fields = [("title", data["title"])]
    title_fields += [(f"agenda[{i}].title", item["title"]) for i, item in enumerate(data.get("agenda", []))]
    for name, values in title_fields:
        if not any(text.strip() for text in values.values()):
            problems.append(f"{name}: needs a non-empty text in at least one language")
    instants = {}
    fields = [("starts_at", data.get("starts_at")), ("ends_at", data.get("ends_at"))]
    registration = data.get("registration") or {}
    fields += [(f"registration.{k}", registration.get(k)) for k in ("opens_at", "closes_at")]
    fields += [(f"agenda[{i}].starts_at", item.get("starts_at")) for i, item in enumerate(data.get("agenda", []))]
    for name, value in fields:
        if value is None:
            continue
        try:
            instants[name] = parse_instant(value)
        except ValueError:
            problems.append(f"{name}: {value!r} is not a valid date and time")
    if "starts_at" in instants and "ends_at" in instants and instants["ends_at"] < instants["starts_at"]:
        problems.append("ends_at: the plenary ends before it starts")
    start, end = instants.get("starts_at"), instants.get("ends_at")
    for index in range(len(data.get("agenda", []))):
        item_start = instants.get(f"agenda[{index}].starts_at")
        if item_start and start and end and not start <= item_start <= end:
            problems.append(
                f"agenda[{index}].starts_at: outside the plenary's time ({data['starts_at']} to {data['ends_at']})"
            )
    opens, closes = instants.get("registration.opens_at"), instants.get("registration.closes_at")
    if opens and closes and closes < opens:
        problems.append("registration.closes_at: registration closes before it opens")
    email = data.get("contact_email")
    if email is not None and normalised_email(email) is None:  # the forms' rule; the schema only sees an @
        problems.append(f"contact_email: {email!r} is not a valid email address")
    return problems


@cache
def _zone_names() -> frozenset[str]:
    """Every IANA zone name the tz database knows (folders like "Europe" are not zones)."""
    return frozenset(available_timezones())


def parse_instant(value: str) -> datetime:
    """Parse an ISO 8601 time that carries its offset; naive times are refused."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError("no UTC offset")
    return parsed


def _instant_or_none(value: str | None) -> datetime | None:
    return parse_instant(value) if value else None


def import_plenary(data: Any, *, notify: bool = True) -> tuple[Plenary, bool]:
    """Create or update the plenary described by ``data`` (matched by slug).

    Validates everything before touching the session, so an invalid document
    changes nothing. Agenda items are updated in place by position, so their
    identities (and later their calendar UIDs) survive edits. Flushes, never commits.
    Returns the plenary and whether it was created. ``notify=False``: the caller
    (``save_plenary``) brings attendees' calendars up to date itself.
    """
    problems = validate_document(data)
    if problems:
        raise ExchangeError(problems)
    plenary = db.session.scalar(db.select(Plenary).where(Plenary.slug == data["slug"]))
    clash = db.session.scalar(db.select(Plenary).where(Plenary.number == data["number"], Plenary.slug != data["slug"]))
    if clash is not None:
        raise ExchangeError([f"number: plenary number {data['number']} already belongs to {clash.slug!r}"])
    uid_problems = _agenda_uid_problems(data.get("agenda", []), plenary.id if plenary else None)
    if uid_problems:
        raise ExchangeError(uid_problems)
    created = plenary is None
    if created:
        plenary = Plenary(slug=data["slug"], uid=new_uid("plenary"))
        db.session.add(plenary)
    from plenary.calendar.services import apply_plenary_changes, snapshot

    before = None if created else snapshot(plenary)
    agenda_before = None if created else export_plenary(plenary)["agenda"]
    _apply_plenary_fields(plenary, data)
    _apply_agenda(plenary, data.get("agenda", []))
    db.session.flush()
    if not created and export_plenary(plenary)["agenda"] != agenda_before:
        plenary.updated_at = utcnow()  # feeds and downloads change (Last-Modified, ETag), no re-invitation
    if notify:  # time, place, format, link or status changed: attendees get an update or a cancellation
        apply_plenary_changes(plenary, before)
    db.session.flush()
    return plenary, created


def _apply_plenary_fields(plenary: Plenary, data: dict) -> None:
    """Copy the plenary's own fields from a validated document."""
    venue = data.get("venue") or {}
    registration = data.get("registration") or {}
    plenary.number = data["number"]
    plenary.title = data["title"]
    plenary.summary = data.get("summary") or {}
    plenary.description = data.get("description") or {}
    plenary.timezone = data["timezone"]
    plenary.starts_at = parse_instant(data["starts_at"])
    plenary.ends_at = parse_instant(data["ends_at"])
    plenary.format = data["format"]
    plenary.venue_name = venue.get("name")
    plenary.venue_address = venue.get("address")
    plenary.venue_city = venue.get("city")
    if "online_url" in data:  # absent (a public export) keeps the stored private link; null clears it
        plenary.online_url = data["online_url"]
    plenary.status = data["status"]
    plenary.contact_email = data.get("contact_email")
    plenary.registration_opens_at = _instant_or_none(registration.get("opens_at"))
    plenary.registration_closes_at = _instant_or_none(registration.get("closes_at"))
    plenary.capacity_in_person = registration.get("capacity_in_person")
    plenary.capacity_online = registration.get("capacity_online")
    plenary.waitlist = registration.get("waitlist", True)
    plenary.requires_approval = registration.get("requires_approval", False)


def _apply_agenda(plenary: Plenary, items: list[dict]) -> None:
    """Make the plenary's agenda match ``items``: rows matched by ``uid``, else reused by position."""
    existing = list(plenary.agenda_items)
    by_uid = {item.uid: item for item in existing if item.uid}
    if any(data.get("uid") for data in items):
        ordered = [by_uid.get(data.get("uid")) for data in items]
    else:
        ordered = [existing[i] if i < len(existing) else None for i in range(len(items))]
    kept = {id(item) for item in ordered if item is not None}
    for item in existing:
        if id(item) not in kept:
            plenary.agenda_items.remove(item)
    for index, (data, item) in enumerate(zip(items, ordered, strict=True)):
        if item is None:
            item = AgendaItem(uid=data.get("uid") or new_uid("agenda-item"))
            plenary.agenda_items.append(item)
        item.sort_order = index
        item.kind = data["kind"]
        item.title = data["title"]
        item.description = data.get("description") or {}
        item.starts_at = _instant_or_none(data.get("starts_at"))
        item.duration_minutes = data.get("duration_minutes")
        item.parties = data.get("parties") or []
        item.document_title = data.get("document_title")
        item.document_url = data.get("document_url")
        item.speakers = [
            Speaker(
                sort_order=n,
                name=s.get("name"),
                name_zh=s.get("name_zh"),
                honorific=s.get("honorific"),
                position=s.get("position") or {},
                organisation=s.get("organisation"),
            )
            for n, s in enumerate(data.get("speakers", []))
        ]
    plenary.agenda_items.sort(key=lambda item: item.sort_order)


def _agenda_uid_problems(items: list[dict], plenary_id: int | None) -> list[str]:
    """Agenda uids must be unique in the document and not belong to another plenary's items."""
    problems, seen = [], set()
    uids = [(i, item["uid"]) for i, item in enumerate(items) if item.get("uid")]
    taken = dict(db.session.execute(
        db.select(AgendaItem.uid, AgendaItem.plenary_id).where(AgendaItem.uid.in_([uid for _, uid in uids]))
    ).all()) if uids else {}  # fmt: skip
    for index, uid in uids:
        if uid in seen:
            problems.append(f"agenda[{index}].uid: {uid!r} appears twice")
        elif uid in taken and taken[uid] != plenary_id:
            problems.append(f"agenda[{index}].uid: {uid!r} belongs to another plenary's agenda")
        seen.add(uid)
    return problems


def new_uid(prefix: str) -> str:
    """A new permanent, globally unique calendar UID on the configured public host."""
    from plenary.calendar.ical import uid_host

    return f"{prefix}-{uuid.uuid4().hex}@{uid_host()}"


def format_instant(value: datetime | None, zone: ZoneInfo) -> str | None:
    """Render an instant in ``zone`` with its offset, to the second."""
    if value is None:
        return None
    return value.astimezone(zone).isoformat(timespec="seconds")


def export_plenary(plenary: Plenary, include_private: bool = False) -> dict:
    """Return the exchange-format dict of ``plenary``; only ``include_private`` adds online_url.

    Private by default, so that a public caller cannot leak the online link by forgetting an argument.
    """
    zone = plenary.zone
    venue = None
    if plenary.venue_name:
        venue = {"name": plenary.venue_name, "address": plenary.venue_address, "city": plenary.venue_city}
    document = {
        "slug": plenary.slug,
        "number": plenary.number,
        "title": plenary.title,
        "summary": plenary.summary,
        "description": plenary.description,
        "timezone": plenary.timezone,
        "starts_at": format_instant(plenary.starts_at, zone),
        "ends_at": format_instant(plenary.ends_at, zone),
        "format": plenary.format,
        "venue": venue,
        "online_url": plenary.online_url,
        "status": plenary.status,
        "contact_email": plenary.contact_email,
        "registration": {
            "opens_at": format_instant(plenary.registration_opens_at, zone),
            "closes_at": format_instant(plenary.registration_closes_at, zone),
            "capacity_in_person": plenary.capacity_in_person,
            "capacity_online": plenary.capacity_online,
            "waitlist": plenary.waitlist,
            "requires_approval": plenary.requires_approval,
        },
        "agenda": [
            {
                "uid": item.uid,
                "kind": item.kind,
                "title": item.title,
                "starts_at": format_instant(item.starts_at, zone),
                "duration_minutes": item.duration_minutes,
                "description": item.description,
                "speakers": [
                    {
                        "name": s.name,
                        "name_zh": s.name_zh,
                        "honorific": s.honorific,
                        "position": s.position,
                        "organisation": s.organisation,
                    }
                    for s in item.speakers
                ],
                "parties": item.parties,
                "document_title": item.document_title,
                "document_url": item.document_url,
            }
            for item in plenary.agenda_items
        ],
    }
    if not include_private:
        del document["online_url"]
    return document


def dumps(document: dict) -> str:
    """Serialise an exchange document the one way we always do (stable, readable UTF-8)."""
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"

