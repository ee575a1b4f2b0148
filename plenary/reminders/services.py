"""A plenary's reminders: the defaults of a new plenary, adding, changing and deleting (audited; flush only)."""

from datetime import datetime, time

import sqlalchemy as sa

from plenary.audit.services import record
from plenary.events.models import Plenary
from plenary.events.signals import plenary_created
from plenary.extensions import db
from plenary.reminders.models import PlenaryReminder, ReminderSent
from plenary.reminders.schedule import DEFAULTS, Window, windows
from plenary.reminders.sending import waiting_count


def reminders_of(plenary_id: int) -> list[PlenaryReminder]:
    """The plenary's reminders, earliest first (most days before first)."""
    query = sa.select(PlenaryReminder).where(PlenaryReminder.plenary_id == plenary_id)
    return list(db.session.scalars(query.order_by(PlenaryReminder.days_before.desc(), PlenaryReminder.local_time,
                                                  PlenaryReminder.id)))  # fmt: skip


def add_defaults(plenary: Plenary) -> list[PlenaryReminder]:
    """Give ``plenary`` the default reminders (7 days and 1 day before, 09:00 in its zone)."""
    reminders = [PlenaryReminder(plenary=plenary, days_before=days, local_time=at) for days, at in DEFAULTS]
    db.session.add_all(reminders)
    return reminders


@plenary_created.connect
def _new_plenary(plenary: Plenary, **_extra) -> None:
    add_defaults(plenary)


def _values(reminder: PlenaryReminder) -> dict:
    return {"days_before": reminder.days_before, "local_time": reminder.local_time.strftime("%H:%M"),
            "enabled": reminder.enabled, "subject": dict(reminder.subject or {}), "intro": dict(reminder.intro or {}),
            "markdown": reminder.markdown}  # fmt: skip


def save_reminder(plenary: Plenary, reminder: PlenaryReminder | None, *, days_before: int, local_time: time,
                  enabled: bool, subject: dict, intro: dict, markdown: bool) -> PlenaryReminder:  # fmt: skip
    """Create (``reminder`` None) or change a reminder of ``plenary``; audited (before → after)."""
    before = _values(reminder) if reminder is not None else {}
    if reminder is None:
        reminder = PlenaryReminder(plenary=plenary)
        db.session.add(reminder)
    reminder.days_before, reminder.local_time, reminder.enabled = days_before, local_time, enabled
    reminder.subject = {lang: text for lang, text in subject.items() if text}
    reminder.intro = {lang: text for lang, text in intro.items() if text}
    reminder.markdown = markdown
    db.session.flush()
    after = _values(reminder)
    changes = {key: [before.get(key), value] for key, value in after.items() if before.get(key) != value}
    if changes:
        record("reminder.create" if not before else "reminder.update", reminder, plenary_id=plenary.id,
               changes=changes, summary=_summary(reminder))  # fmt: skip
    return reminder


def delete_reminder(reminder: PlenaryReminder) -> None:
    """Delete ``reminder`` (and the record of whom it went to); audited."""
    record("reminder.delete", reminder, plenary_id=reminder.plenary_id, changes={"days_before":
           [reminder.days_before, None]}, summary=_summary(reminder))  # fmt: skip
    db.session.execute(sa.delete(ReminderSent).where(ReminderSent.reminder_id == reminder.id))
    db.session.delete(reminder)
    db.session.flush()


def _summary(reminder: PlenaryReminder) -> str:
    return f"{reminder.days_before} d, {reminder.local_time.strftime('%H:%M')}"


def sent_counts(plenary_id: int) -> dict[int, int]:
    """How many registrations each of the plenary's reminders was queued for (reminder id → count)."""
    query = (sa.select(ReminderSent.reminder_id, sa.func.count()).join(PlenaryReminder)
             .where(PlenaryReminder.plenary_id == plenary_id).group_by(ReminderSent.reminder_id))  # fmt: skip
    return dict(db.session.execute(query).all())


def overview(plenary: Plenary, now: datetime) -> list[tuple[PlenaryReminder, Window | None, int, str, int]]:
    """Each reminder with its window (None: disabled), how many got it, its state for the back office and, while
    due, how many are still to get it (the job's rule, ``plenary.reminders.sending.waiting``; else 0). States:
    "disabled", "never" (on or after the start), "waiting" (not due yet), "sending" (due, someone still to get it),
    "done" (due, nobody left to send to: all have it, or everyone confirmed later), "past"."""
    reminders = reminders_of(plenary.id)
    spans, counts = windows(plenary, reminders), sent_counts(plenary.id)
    rows = []
    for reminder in reminders:
        window, left = spans.get(reminder.id), 0
        if window is None:
            state = "disabled"
        elif window.never:
            state = "never"
        elif now < window.due:
            state = "waiting"
        elif window.open_at(now):
            left = waiting_count(plenary.id, reminder.id, window.due)
            state = "sending" if left else "done"
        else:
            state = "past"
        rows.append((reminder, window, counts.get(reminder.id, 0), state, left))
    return rows
