"""Calendar invitations (iTIP over iMIP) and what a change to a plenary sends out.

One code path for every change to a plenary (``plenary import`` and the back office, both
through ``save_plenary``): ``apply_plenary_changes`` compares what invitations carry with
what attendees were last sent (``Plenary.calendar_sent``), not only with the state just
before, so that no path through draft, published and cancelled leaves a calendar behind:

- every change of what a calendar shows of the plenary (time, zone, place, format, link,
  cancellation) raises its SEQUENCE, whatever the status, so that a SEQUENCE never stands
  for two different contents and never goes back;
- a draft tells nobody (the organizers are still at work); as soon as the plenary is public
  again (published or cancelled) and differs from what attendees were sent, every confirmed
  attendee gets an update (METHOD:REQUEST) or a cancellation (METHOD:CANCEL), the others a
  message. Agenda-only edits and unpublishing-then-publishing unchanged send nothing.
"""

from datetime import UTC

from flask import current_app

from plenary.calendar.ical import Attendee, calendar, plenary_event
from plenary.db import utcnow
from plenary.events.models import Plenary, PlenaryStatus
from plenary.events.services import reply_address
from plenary.extensions import db
from plenary.registration.models import Registration, RegistrationStatus
from plenary.registration.states import ACTIVE

#: What an invitation carries: a change to any of these re-invites the attendees.
INVITATION_FIELDS = ("starts_at", "ends_at", "timezone", "format", "venue_name", "venue_address", "venue_city",
                     "online_url")  # fmt: skip

#: Who hears of an update or a cancellation (only the confirmed hold an invitation).
TOLD = ACTIVE


def snapshot(plenary: Plenary) -> dict:
    """What calendars show of ``plenary`` (JSON, as stored in ``calendar_sent``), and its status."""
    state = {name: getattr(plenary, name) for name in INVITATION_FIELDS}
    for name in ("starts_at", "ends_at"):
        state[name] = state[name].astimezone(UTC).isoformat() if state[name] else None  # the instant, not its offset
    return state | {"status": plenary.status}


def _content(state: dict) -> dict:
    """A snapshot without the difference between draft and published (calendars show neither)."""
    content = {name: value for name, value in state.items() if name != "status"}
    return content | {"cancelled": state.get("status") == PlenaryStatus.CANCELLED}


def organizer(plenary: Plenary) -> tuple[str, str]:
    """ORGANIZER of ``plenary``'s invitations: the mailbox that receives the replies (as Reply-To), with a name."""
    return reply_address(plenary), current_app.config["CALENDAR_ORGANIZER_NAME"]


def invitation(registration, method: str, uninvite: bool = False, address: str | None = None) -> str:
    """The iCalendar text of ``method`` (REQUEST or CANCEL) for one registrant, in their language.

    ``uninvite``: the attendee leaves a plenary that goes on; RFC 5546 3.2.5 then wants no STATUS.
    ``address``: where it goes, for a registration whose data was erased (it then names nobody).
    """
    plenary = registration.plenary
    name = "" if registration.anonymised_at else registration.display_name
    attendee = Attendee(address or registration.email, name, registration.attendance)
    event = plenary_event(plenary, registration.language, now=utcnow(), attendee=attendee,
                          organizer=organizer(plenary), cancelled=method == "CANCEL")  # fmt: skip
    if uninvite:
        del event["status"]
    return calendar([event], {plenary.timezone}, method=method).to_ical().decode("utf-8")


def apply_plenary_changes(plenary: Plenary, before: dict | None) -> str | None:
    """After ``plenary`` was changed (``before`` = its snapshot, None if new), bring attendees' calendars up to date.

    Returns "update" or "cancel" when registrants were told, else None. Call inside the capacity
    lock's unit of work.
    """
    state = snapshot(plenary)
    if before is not None and _content(before) != _content(state):
        plenary.sequence += 1  # whatever the status: the next copy anybody gets must outrank the last
    if plenary.status == PlenaryStatus.DRAFT:
        return None  # not public: nobody is told until it is published (or cancelled) again
    sent = plenary.calendar_sent
    if sent is None and before is not None and before["status"] != PlenaryStatus.DRAFT:
        sent = before  # public since before calendar_sent was kept: what it was is what they have
    plenary.calendar_sent = state
    if before is None or (sent is not None and _content(sent) == _content(state)):
        return None  # new (nobody registered yet), or attendees have this already
    cancelled = plenary.status == PlenaryStatus.CANCELLED
    if sent is not None and sent["status"] == PlenaryStatus.CANCELLED and cancelled:
        return None  # corrections to a cancelled plenary: everyone was told already
    return _tell(plenary, cancelled)


def _tell(plenary: Plenary, cancelled: bool) -> str | None:
    """Queue the update or the cancellation to everyone registered (the invitation to the confirmed)."""
    from plenary.registration.notifications import queue_registration_message  # it builds invitations with this module

    people = db.session.scalars(
        db.select(Registration).where(
            Registration.plenary_id == plenary.id, Registration.status.in_(TOLD), Registration.email.is_not(None)
        ).order_by(Registration.id)
    ).all()
    for registration in people:
        invited = registration.status == RegistrationStatus.CONFIRMED
        if cancelled:
            queue_registration_message(registration, "plenary_cancelled", "CANCEL" if invited else None)
        elif invited:
            queue_registration_message(registration, "plenary_updated", "REQUEST")
    if not people:
        return None
    return "cancel" if cancelled else "update"
