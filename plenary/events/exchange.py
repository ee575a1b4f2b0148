"""The plenary exchange format: JSON in (validated, all or nothing) and JSON out.

One representation serves the demo data, ``flask plenary import/export`` and the
public API. Times go in and out with their UTC offset, shown in the plenary's zone;
they are stored as UTC beside the IANA zone name. See docs/exchange-format.md.
"""

import json
import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from plenary.agenda.models import AgendaItem, Speaker
from plenary.calendar.ical import uid_host
from plenary.db import utcnow
from plenary.events.checks import (
    ExchangeError,
    parse_instant,
    plenary_schema,  # noqa: F401 (part of the format's API: the API documents it)
    validate_document,
)
from plenary.events.models import Plenary
from plenary.extensions import db

#: Fields of the exchange format that the public never sees (the meeting addresses): only an export that asks
#: for them (``include_private``) has them, and an import without them keeps what is stored.
PRIVATE_FIELDS = ("online_url", "online_url_cn")


def _instant_or_none(value: str | None) -> datetime | None:
    return parse_instant(value) if value else None


def import_plenary(data: Any) -> tuple[Plenary, bool]:
    """Create or update the plenary of ``data`` (matched by slug): ``check_document``, then ``apply_document``.

    No side effects beyond the model: nobody is told, nobody moves up, nothing is logged (that is
    ``plenary.events.editing.save_plenary``, which every path that saves a plenary takes). Flushes,
    never commits. Returns the plenary and whether it was created.
    """
    return apply_document(data, check_document(data))


def check_document(data: Any) -> Plenary | None:
    """Validate ``data`` completely, touching nothing; return the stored plenary of its slug (None if new).

    Raises ``ExchangeError`` naming every problem: the document itself, a number that belongs to
    another plenary, agenda uids used twice or belonging to another plenary's items.
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
    return plenary


def apply_document(data: dict, plenary: Plenary | None) -> tuple[Plenary, bool]:
    """Write a checked document onto ``plenary`` (None: a new one); return it and whether it was created.

    Agenda items are updated in place (matched by uid, else by position), so their identities (and
    their calendar UIDs) survive edits. An agenda change alone moves ``updated_at`` (feeds and downloads
    change). Flushes, never commits.
    """
    created = plenary is None
    if created:
        plenary = Plenary(slug=data["slug"], uid=new_uid("plenary"))
        db.session.add(plenary)
    agenda_before = None if created else export_plenary(plenary)["agenda"]
    _apply_plenary_fields(plenary, data)
    _apply_agenda(plenary, data.get("agenda", []))
    db.session.flush()
    if not created and export_plenary(plenary)["agenda"] != agenda_before:
        plenary.updated_at = utcnow()  # feeds and downloads change (Last-Modified, ETag), no re-invitation
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
    for name in PRIVATE_FIELDS:  # absent (a public export) keeps the stored private link; null clears it
        if name in data:
            setattr(plenary, name, data[name])
    plenary.status = data["status"]
    plenary.contact_email = data.get("contact_email")
    plenary.registration_opens_at = _instant_or_none(registration.get("opens_at"))
    plenary.registration_closes_at = _instant_or_none(registration.get("closes_at"))
    plenary.capacity_in_person = registration.get("capacity_in_person")
    plenary.capacity_online = registration.get("capacity_online")
    plenary.waitlist = registration.get("waitlist", True)
    plenary.offer_hours = registration.get("offer_hours")
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
    return f"{prefix}-{uuid.uuid4().hex}@{uid_host()}"


def format_instant(value: datetime | None, zone: ZoneInfo) -> str | None:
    """Render an instant in ``zone`` with its offset, to the second."""
    if value is None:
        return None
    return value.astimezone(zone).isoformat(timespec="seconds")


def export_plenary(plenary: Plenary, include_private: bool = False) -> dict:
    """Return the exchange-format dict of ``plenary``; only ``include_private`` adds the meeting addresses.

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
        "online_url_cn": plenary.online_url_cn,
        "status": plenary.status,
        "contact_email": plenary.contact_email,
        "registration": {
            "opens_at": format_instant(plenary.registration_opens_at, zone),
            "closes_at": format_instant(plenary.registration_closes_at, zone),
            "capacity_in_person": plenary.capacity_in_person,
            "capacity_online": plenary.capacity_online,
            "waitlist": plenary.waitlist,
            "offer_hours": plenary.offer_hours,
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
        for name in PRIVATE_FIELDS:
            del document[name]
    return document


def dumps(document: dict) -> str:
    """Serialise an exchange document the one way we always do (stable, readable UTF-8)."""
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"

