"""The organizers' daily digest: one mail a day listing a plenary's new registrations (``organizer_notice`` daily).

Each plenary's digest covers the registrations made since the end of the last one (``organizer_digest_at``)
up to the moment it is written. It is written under the plenary's capacity lock, which every registration
also takes: no registration of that window is still uncommitted, and a second worker waits, then finds the
window moved on (the same registrations are never listed twice). A day without registrations sends nothing.
"""

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from plenary.audit.services import record
from plenary.events.models import OrganizerNotice, Plenary, PlenaryStatus
from plenary.extensions import db
from plenary.mail.models import OutboxMessage
from plenary.mail.outbox import queue_message
from plenary.registration.locking import lock_plenary
from plenary.registration.models import Registration

#: The local hour (in the plenary's zone) from which the day's digest is due, unless ORGANIZER_DIGEST_HOUR says.
DEFAULT_DIGEST_HOUR = 7


def digest_hour() -> int:
    """The local hour the digests go out (FLASK_ORGANIZER_DIGEST_HOUR, 0–23; default 7)."""
    try:
        hour = int(current_app.config.get("ORGANIZER_DIGEST_HOUR", DEFAULT_DIGEST_HOUR))
    except (TypeError, ValueError):
        return DEFAULT_DIGEST_HOUR
    return hour if 0 <= hour <= 23 else DEFAULT_DIGEST_HOUR


def is_due(plenary: Plenary, now: datetime) -> bool:
    """True if today's digest (in the plenary's zone) has not been written and its hour has come."""
    local = now.astimezone(plenary.zone)
    if local.hour < digest_hour():
        return False
    last = plenary.organizer_digest_at
    return last is None or last.astimezone(plenary.zone).date() < local.date()


def plenaries_with_digest() -> list[int]:
    """The plenaries whose organizers chose the daily digest and that have a contact address."""
    return list(db.session.scalars(
        sa.select(Plenary.id).where(Plenary.organizer_notice == OrganizerNotice.DAILY,
                                    Plenary.contact_email.is_not(None), Plenary.status != PlenaryStatus.DRAFT)
        .order_by(Plenary.id)
    ))  # fmt: skip


def digest_window_start(plenary: Plenary, now: datetime) -> datetime:
    """Where the next digest begins: the end of the last one, else one day back."""
    return plenary.organizer_digest_at or now - timedelta(days=1)


def write_digest(plenary_id: int, now: datetime) -> OutboxMessage | None:
    """Queue the plenary's digest if it is due (under the capacity lock); None if not due or nobody registered.

    The window moves on either way, so a quiet day is not looked at again. Flushes, never commits.
    """
    plenary = lock_plenary(plenary_id)
    if plenary is None or plenary.organizer_notice != OrganizerNotice.DAILY or not is_due(plenary, now):
        return None
    start = digest_window_start(plenary, now)
    people = list(db.session.scalars(
        sa.select(Registration)
        .where(Registration.plenary_id == plenary.id, Registration.created_at >= start,
               Registration.created_at < now, Registration.anonymised_at.is_(None))
        .options(sa.orm.joinedload(Registration.delegation_head))
        .order_by(Registration.created_at, Registration.id)
    ))  # fmt: skip
    plenary.organizer_digest_at = now
    message = None
    if people and plenary.contact_email:
        language = current_app.config["ORGANIZER_MAIL_LANGUAGE"]
        message = queue_message("organizer_digest", plenary.contact_email, language,
                                {"registrations": people, "plenary": plenary, "since": start})  # fmt: skip
    db.session.flush()
    return message


def choose_notice(plenary_id: int, notice: OrganizerNotice, now: datetime) -> Plenary:
    """Set how the organizers hear of new registrations; a digest chosen now starts with what comes from now on."""
    plenary = lock_plenary(plenary_id)
    before = plenary.organizer_notice
    if notice == OrganizerNotice.DAILY and before != OrganizerNotice.DAILY:
        plenary.organizer_digest_at = now  # those before were told one by one (or not at all, as chosen)
    plenary.organizer_notice = notice
    if before != notice:
        record("plenary.organizer_notice", plenary, changes={"organizer_notice": [str(before), str(notice)]},
               summary="organizers' notice of new registrations")
    db.session.flush()
    return plenary
