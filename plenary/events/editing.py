"""What happens when a plenary changes: ``save_plenary``, the one path every change takes.

The back office's form, publish and cancel, its agenda pages, ``flask plenary import`` and the
demo loader all hand a whole exchange-format document (``export_plenary(include_private=True)``
edited) to ``save_plenary``, which reads top to bottom:

1. validate: the whole document, before anything is touched (``ExchangeError``: nothing changed);
2. lock: the plenary's capacity lock (capacity, waitlist and approval change with it);
3. apply: write the document onto the model (``events/exchange.py``; no side effects);
4. tell attendees: calendar update or cancellation, the SEQUENCE (``events/changes.py``);
5. promote: a raised capacity gives seats to the waitlist at once (``registration/seats.py``);
6. audit: the change, before → after, in the audit log.

With ``move_agenda``, moving the plenary's start moves its timed agenda items by as much
(before validating: the items must lie within the plenary's new time).
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from plenary.audit.services import diff, record
from plenary.events.changes import snapshot, tell_attendees
from plenary.events.exchange import apply_document, check_document, export_plenary, parse_instant
from plenary.events.models import Plenary
from plenary.events.signals import TIME_AND_PLACE, plenary_created, plenary_rescheduled
from plenary.extensions import db
from plenary.registration.locking import lock_plenary
from plenary.registration.models import Registration
from plenary.registration.seats import promote_from_waitlist
from plenary.registration.states import attendance_modes


@dataclass
class SaveResult:
    """What saving did."""

    plenary: Plenary
    created: bool
    promoted: list[Registration] = field(default_factory=list)
    changes: dict = field(default_factory=dict)
    #: "update" or "cancel" when registrants were sent the change (calendar_sent), else None.
    told: str | None = None


def save_plenary(data: Any, action: str | None = None, *, move_agenda: bool = False) -> SaveResult:
    """Create or update the plenary of ``data`` (matched by slug) in one locked unit of work.

    Raises ``ExchangeError`` (nothing changed; roll back) when the document is invalid.
    Flushes, never commits. ``action`` names the audit entry (default plenary.create/update).
    """
    if move_agenda:
        data = with_agenda_moved(data)
    existing = check_document(data)  # 1. validate
    before = calendar_before = None
    if existing is not None:
        existing = lock_plenary(existing.id)  # 2. lock (freshly loaded under it)
        before, calendar_before = export_plenary(existing, include_private=True), snapshot(existing)
    plenary, created = apply_document(data, existing)  # 3. apply
    if created:
        plenary_created.send(plenary)  # what other areas add to a new plenary (its default reminders)
    told = tell_attendees(plenary, calendar_before)  # 4. tell attendees (and what documents state of it)
    if calendar_before is not None:
        moved = [name for name in TIME_AND_PLACE if calendar_before[name] != snapshot(plenary)[name]]
        if moved:
            plenary_rescheduled.send(plenary, changed=moved)
    promoted = [] if created else _promote(plenary)  # 5. promote
    changes = _audit(plenary, created, before, action)  # 6. audit
    db.session.flush()
    return SaveResult(plenary, created, promoted, changes, told)


def set_status(plenary: Plenary, status: str, action: str) -> SaveResult:
    """Publish, cancel (or unpublish) ``plenary``: its stored document with a new status, saved as any change."""
    return save_plenary(export_plenary(plenary, include_private=True) | {"status": status}, action)


def with_agenda_moved(data: Any) -> Any:
    """``data`` with its timed agenda items moved by as much as its start moved from the stored plenary's.

    A new plenary, an unchanged start or values that are no instants (validation names them) leave it as it is.
    """
    if not isinstance(data, dict) or not isinstance(data.get("slug"), str):
        return data
    stored = db.session.scalar(db.select(Plenary.starts_at).where(Plenary.slug == data["slug"]))
    try:
        start = parse_instant(data["starts_at"])
    except (KeyError, TypeError, ValueError, AttributeError):
        return data
    if stored is None or start == stored:
        return data
    return data | {"agenda": [_moved(item, start - stored, start) for item in data.get("agenda") or []]}


def _moved(item: Any, delta: timedelta, start: datetime) -> Any:
    """One agenda item moved by ``delta``, written in the offset of the plenary's new ``start``."""
    if not isinstance(item, dict) or not item.get("starts_at"):
        return item
    try:
        moment = parse_instant(item["starts_at"]) + delta
    except (TypeError, ValueError, AttributeError):
        return item
    return item | {"starts_at": moment.astimezone(start.tzinfo).isoformat(timespec="seconds")}


def _promote(plenary: Plenary) -> list[Registration]:
    """Give the seats a raised capacity freed to the waitlist, in each attendance mode."""
    promoted = []
    for mode in attendance_modes(plenary):
        promoted += promote_from_waitlist(plenary, mode)
    return promoted


def _audit(plenary: Plenary, created: bool, before: dict | None, action: str | None) -> dict:
    """Log the change (before → after) unless nothing changed; return the changes."""
    changes = diff(before or {}, export_plenary(plenary, include_private=True))
    if changes:
        record(action or ("plenary.create" if created else "plenary.update"), plenary, changes=changes,
               summary=f"{plenary.number}. {plenary.slug}")  # fmt: skip
    return changes
