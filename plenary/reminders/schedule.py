"""When a plenary's reminders are due: pure functions of the plenary's current start and zone.

A reminder is "N days before the start, at HH:MM in the plenary's zone": the start's local date minus N days,
at that wall time, converted to UTC with zoneinfo (so a reminder a week before a plenary just after the change to
summer time is due at 09:00 winter time). Computed from the plenary's current start, never stored: a moved plenary
moves its reminders.

A reminder may go out from its due time until the next reminder of the plenary is due, or the plenary starts
(``window``): a worker that was down does not send a week-before reminder the day before, next to that one, nor
anything once the plenary has begun.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from plenary.events.models import Plenary
from plenary.reminders.models import PlenaryReminder

#: The reminders a plenary gets when it is created: (days before, local time).
DEFAULTS = ((7, time(9, 0)), (1, time(9, 0)))
#: The range of "days before" the back office accepts (as the table's check constraint).
MAX_DAYS_BEFORE = 60


def due_at(plenary: Plenary, days_before: int, local_time: time) -> datetime:
    """The instant (UTC) of "``days_before`` days before ``plenary``'s start, at ``local_time`` in its zone"."""
    day = plenary.starts_at.astimezone(plenary.zone).date() - timedelta(days=days_before)
    return datetime.combine(day, local_time, tzinfo=plenary.zone).astimezone(UTC)


def reminder_due_at(plenary: Plenary, reminder: PlenaryReminder) -> datetime:
    """When ``reminder`` of ``plenary`` is due."""
    return due_at(plenary, reminder.days_before, reminder.local_time)


@dataclass(frozen=True)
class Window:
    """From when until when (excluded) a reminder may be sent."""

    due: datetime
    until: datetime

    def open_at(self, now: datetime) -> bool:
        """True if the reminder may go out at ``now``."""
        return self.due <= now < self.until

    @property
    def never(self) -> bool:
        """True if the reminder falls on or after the start: never sent."""
        return self.due >= self.until


def windows(plenary: Plenary, reminders: list[PlenaryReminder]) -> dict[int, Window]:
    """Each enabled reminder's window (by id): from its due time to the next later reminder's, or the start."""
    enabled = sorted((reminder_due_at(plenary, r), r.id) for r in reminders if r.enabled)
    result = {}
    for index, (due, reminder_id) in enumerate(enabled):
        later = [other for other, _ in enabled[index + 1 :] if other > due]
        result[reminder_id] = Window(due, min([plenary.starts_at, *later]))
    return result
