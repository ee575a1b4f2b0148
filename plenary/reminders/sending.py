"""The worker's ``send-reminders`` job: each due reminder once to each confirmed registration of the plenary.

Each registration is claimed by one INSERT into ``reminder_sent`` that succeeds once (several workers may run), in
the same unit of work as the mail it queues, under the plenary's lock (taken first): a run twice, or two workers at
once, send one mail. Everything is checked again under the lock: the plenary (still published, not begun, maybe
moved), the reminder (still there, enabled, in its window) and the registration (still confirmed, an address, not
erased, confirmed no later than the reminder was due: nobody gets a reminder late).
"""

from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa

from plenary.events.models import Plenary, PlenaryStatus
from plenary.events.services import reply_address
from plenary.extensions import db
from plenary.formatting import BEIJING, BERLIN
from plenary.mail.outbox import queue_message
from plenary.registration.locking import lock_plenary
from plenary.registration.models import Registration
from plenary.registration.states import CONFIRMED
from plenary.reminders.models import PlenaryReminder, ReminderSent
from plenary.reminders.schedule import MAX_DAYS_BEFORE, Window, windows
from plenary.reminders.texts import texts_for
from plenary.upsert import insert_once

#: The reminder mail (templates/mail/plenary_reminder.txt + .html).
MAIL_KIND = "plenary_reminder"

#: An online attendee's own zone, by country (else the plenary's zone and the partner countries').
COUNTRY_ZONES = {"CN": BEIJING, "DE": BERLIN}


def _reminders(plenary_id: int) -> list[PlenaryReminder]:
    query = sa.select(PlenaryReminder).where(PlenaryReminder.plenary_id == plenary_id)
    return list(db.session.scalars(query.order_by(PlenaryReminder.id)))


def due_reminders(now: datetime) -> list[tuple[int, int, Window]]:
    """(plenary id, reminder id, window) of every reminder whose window is open at ``now``."""
    plenaries = db.session.scalars(
        sa.select(Plenary).where(Plenary.status == PlenaryStatus.PUBLISHED, Plenary.starts_at > now,
                                 Plenary.starts_at <= now + timedelta(days=MAX_DAYS_BEFORE + 2))
        .order_by(Plenary.starts_at)
    ).all()  # fmt: skip
    due = []
    for plenary in plenaries:
        for reminder_id, window in windows(plenary, _reminders(plenary.id)).items():
            if window.open_at(now):
                due.append((plenary.id, reminder_id, window))
    return due


def _eligible(due: datetime):
    """Confirmed, with an address, not erased, confirmed by ``due`` (NULL: confirmed before the column existed)."""
    return sa.and_(Registration.status == CONFIRMED, Registration.email.is_not(None),
                   Registration.anonymised_at.is_(None),
                   sa.or_(Registration.confirmed_at.is_(None), Registration.confirmed_at <= due))  # fmt: skip


def _waiting_query(plenary_id: int, reminder_id: int, due: datetime) -> sa.Select:
    sent = sa.exists().where(ReminderSent.reminder_id == reminder_id, ReminderSent.registration_id == Registration.id)
    return sa.select(Registration.id).where(Registration.plenary_id == plenary_id, _eligible(due), ~sent)


def waiting(plenary_id: int, reminder_id: int, due: datetime) -> list[int]:
    """The registrations (ids) that are to get the reminder and have not got it yet."""
    return list(db.session.scalars(_waiting_query(plenary_id, reminder_id, due).order_by(Registration.id)))


def waiting_count(plenary_id: int, reminder_id: int, due: datetime) -> int:
    """How many ``waiting`` would give (the job's own rule: what the back office shows as still to be sent)."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(_waiting_query(plenary_id, reminder_id,
                                                                                   due).subquery()))  # fmt: skip


def mail_context(plenary: Plenary, reminder: PlenaryReminder, registration: Registration, lang: str) -> dict:
    """What templates/mail/plenary_reminder.* get for ``registration`` (also the back office's preview)."""
    return {
        "registration": registration,
        "plenary": plenary,
        "reminder": texts_for(reminder, lang),
        "own_zone": COUNTRY_ZONES.get(registration.country or ""),
    }


def remind(plenary_id: int, reminder_id: int, registration_id: int, now: datetime) -> bool:
    """Queue one reminder for one registration, if still due for it; False if not (or another run did)."""
    plenary = lock_plenary(plenary_id)
    if plenary is None or plenary.status != PlenaryStatus.PUBLISHED or plenary.starts_at <= now:
        return False
    reminders = _reminders(plenary_id)
    window = windows(plenary, reminders).get(reminder_id)
    if window is None or not window.open_at(now):
        return False  # deleted, disabled or moved meanwhile
    registration = db.session.scalar(
        sa.select(Registration).where(Registration.id == registration_id, Registration.plenary_id == plenary_id,
                                      _eligible(window.due)).execution_options(populate_existing=True)
    )  # fmt: skip
    if registration is None:
        return False
    if not insert_once(ReminderSent.__table__, reminder_id=reminder_id, registration_id=registration_id, sent_at=now):
        return False
    reminder = next(r for r in reminders if r.id == reminder_id)
    queue_message(MAIL_KIND, registration.email, registration.language,
                  mail_context(plenary, reminder, registration, registration.language),
                  registration_id=registration.id, reply_to=reply_address(plenary))  # fmt: skip
    return True


def send_reminders(now: datetime, keep_going: Callable[[], bool]) -> int:
    """The job: every due reminder to everyone waiting for it (one unit of work each); how many were queued."""
    queued = 0
    for plenary_id, reminder_id, window in due_reminders(now):
        for registration_id in waiting(plenary_id, reminder_id, window.due):
            db.session.rollback()  # end the read snapshot: each reminder starts its own locked unit of work
            if not keep_going():
                return queued
            queued += remind(plenary_id, reminder_id, registration_id, now)
            db.session.commit()
    return queued
