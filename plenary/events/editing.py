"""Saving a plenary: the one path for `flask plenary import` and the back office.

A change is a whole exchange-format document (``export_plenary(include_private=True)``
edited and handed back), so every editor gets the same validation, the same agenda identity
rules, the same calendar updates and cancellations, and the same waitlist promotion.
"""

from dataclasses import dataclass, field

from plenary.audit.services import diff, record
from plenary.calendar.services import apply_plenary_changes, snapshot
from plenary.events.exchange import export_plenary, import_plenary
from plenary.events.models import Plenary
from plenary.extensions import db
from plenary.registration.locking import lock_plenary
from plenary.registration.models import Registration


@dataclass
class SaveResult:
    """What saving did."""

    plenary: Plenary
    created: bool
    promoted: list[Registration] = field(default_factory=list)
    changes: dict = field(default_factory=dict)
    #: "update" or "cancel" when registrants were sent the change (calendar_sent), else None.
    told: str | None = None


def save_plenary(data: dict, action: str | None = None) -> SaveResult:
    """Create or update the plenary of ``data`` (matched by slug) in one locked unit of work.

    Raises ``ExchangeError`` (nothing changed; roll back) when the document is invalid.
    Flushes, never commits. Logs the change (before → after) in the audit log.
    """
    from plenary.registration.seats import promote_from_waitlist
    from plenary.registration.states import attendance_modes

    existing_id = None
    if isinstance(data, dict) and isinstance(data.get("slug"), str):
        existing_id = db.session.scalar(db.select(Plenary.id).where(Plenary.slug == data["slug"]))
    before = calendar_before = None
    if existing_id is not None:
        # Capacity, waitlist and approval may change: one locked unit of work with the registrations.
        locked = lock_plenary(existing_id)
        before, calendar_before = export_plenary(locked, include_private=True), snapshot(locked)
    plenary, created = import_plenary(data, notify=False)
    # Time, place, format, link or status changed: attendees get an update or a cancellation.
    told = apply_plenary_changes(plenary, calendar_before)
    promoted = []
    if not created:  # a raised capacity gives seats to the waitlist at once
        for mode in attendance_modes(plenary):
            promoted += promote_from_waitlist(plenary, mode)
    after = export_plenary(plenary, include_private=True)
    changes = diff(before or {}, after)
    if changes:
        record(action or ("plenary.create" if created else "plenary.update"), plenary, changes=changes,
               summary=f"{plenary.number}. {plenary.slug}")  # fmt: skip
    db.session.flush()
    return SaveResult(plenary, created, promoted, changes, told)
