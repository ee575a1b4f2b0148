"""Calendar invitations (iTIP over iMIP) and what a change to a plenary sends out.

One code path for every change to a published plenary (``plenary import`` now, the back
office later): ``apply_plenary_changes`` compares what invitations carry, raises the
plenary's SEQUENCE and queues an update (METHOD:REQUEST) to every confirmed attendee, or a
cancellation (METHOD:CANCEL) when the plenary is cancelled. Agenda-only edits send nothing.
"""

from flask import current_app

from plenary.calendar.ical import Attendee, calendar, plenary_event
from plenary.db import utcnow
from plenary.events.models import Plenary, PlenaryStatus

#: What an invitation carries: a change to any of these re-invites the attendees.
INVITATION_FIELDS = ("starts_at", "ends_at", "timezone", "format", "venue_name", "venue_address", "venue_city",
                     "online_url", "status")  # fmt: skip


def snapshot(plenary: Plenary) -> dict:
    """The invitation-relevant state of a plenary, to compare before and after a change."""
    return {name: getattr(plenary, name) for name in INVITATION_FIELDS}


def organizer() -> tuple[str, str]:
    """The mailbox that sends invitations and receives the replies, with its name."""
    config = current_app.config
    return config["CALENDAR_ORGANIZER_EMAIL"] or config["CONTACT_EMAIL"], config["CALENDAR_ORGANIZER_NAME"]


def invitation(registration, method: str, uninvite: bool = False) -> str:
    """The iCalendar text of ``method`` (REQUEST or CANCEL) for one registrant, in their language.

    ``uninvite``: the attendee leaves a plenary that goes on; RFC 5546 3.2.5 then wants no STATUS.
    """
    plenary = registration.plenary
    attendee = Attendee(registration.email, registration.display_name, registration.attendance)
    event = plenary_event(plenary, registration.language, now=utcnow(), attendee=attendee, organizer=organizer(),
                          cancelled=method == "CANCEL")  # fmt: skip
    if uninvite:
        del event["status"]
    return calendar([event], {plenary.timezone}, method=method).to_ical().decode("utf-8")


def apply_plenary_changes(plenary: Plenary, before: dict | None) -> str | None:
    """After ``plenary`` was changed (``before`` = its snapshot, None if new), notify attendees.

    Returns "update", "cancel" or None. Call inside the capacity lock's unit of work.
    """
    if before is None or before == snapshot(plenary) or PlenaryStatus.DRAFT in (before["status"], plenary.status):
        return None  # new, unchanged, or a draft (unpublishing is decided by the organizers, not mailed)
    if before["status"] == plenary.status == PlenaryStatus.CANCELLED:
        return None  # corrections to a cancelled plenary: everyone was told already
    from plenary.extensions import db
    from plenary.registration.models import Registration, RegistrationStatus
    from plenary.registration.services import queue_registration_message

    plenary.sequence += 1
    cancelled = plenary.status == PlenaryStatus.CANCELLED
    people = db.session.scalars(
        db.select(Registration).where(
            Registration.plenary_id == plenary.id,
            Registration.status.in_((RegistrationStatus.CONFIRMED, RegistrationStatus.PENDING,
                                     RegistrationStatus.WAITLISTED)),  # fmt: skip
            Registration.email.is_not(None),
        ).order_by(Registration.id)
    ).all()
    for registration in people:
        invited = registration.status == RegistrationStatus.CONFIRMED
        if cancelled:
            queue_registration_message(registration, "plenary_cancelled", "CANCEL" if invited else None)
        elif invited:
            queue_registration_message(registration, "plenary_updated", "REQUEST")
    return "cancel" if cancelled else "update"
