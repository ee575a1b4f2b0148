"""Telling attendees that their plenary changed: the "tell attendees" step of ``save_plenary``.

``tell_attendees`` compares what invitations carry with what attendees were last sent
(``Plenary.calendar_sent``), not only with the state just before, so that no path through
draft, published and cancelled leaves a calendar behind:

- every change of what a calendar shows of the plenary (time, zone, place, format, link,
  cancellation) raises its SEQUENCE, whatever the status, so that a SEQUENCE never stands
  for two different contents and never goes back;
- a draft tells nobody (the organizers are still at work); as soon as the plenary is public
  again (published or cancelled) and differs from what attendees were sent, every active
  registrant (``ACTIVE``) gets a message: the confirmed an update (METHOD:REQUEST) or a
  cancellation (METHOD:CANCEL), the pending and waitlisted a cancellation notice without an
  invitation. Agenda-only edits and unpublishing-then-publishing unchanged send nothing.
"""

from datetime import UTC

import sqlalchemy as sa

from plenary.events.models import Plenary, PlenaryStatus
from plenary.extensions import db
from plenary.registration.models import Registration
from plenary.registration.notifications import queue_registration_message
from plenary.registration.states import ACTIVE, RegistrationStatus

#: What an invitation carries: a change to any of these re-invites the attendees. Not the meeting addresses: an
#: online attendee's invitation carries their personal join link (plenary.join), which stays the same when the
#: organizers change where it leads, so a new address re-sends nothing.
INVITATION_FIELDS = ("starts_at", "ends_at", "timezone", "format", "venue_name", "venue_address", "venue_city")


def snapshot(plenary: Plenary) -> dict:
    """What calendars show of ``plenary`` (JSON, as stored in ``calendar_sent``), and its status."""
    state = {name: getattr(plenary, name) for name in INVITATION_FIELDS}
    for name in ("starts_at", "ends_at"):
        state[name] = state[name].astimezone(UTC).isoformat() if state[name] else None  # the instant, not its offset
    return state | {"status": plenary.status}


def _content(state: dict) -> dict:
    """A snapshot without the difference between draft and published (calendars show neither)."""
    # Only today's fields: a snapshot stored when it still held the meeting address compares equal without it.
    content = {name: value for name, value in state.items() if name in INVITATION_FIELDS}
    return content | {"cancelled": state.get("status") == PlenaryStatus.CANCELLED}


def tell_attendees(plenary: Plenary, before: dict | None) -> str | None:
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
    return _queue_messages(plenary, cancelled)


def _told(plenary_id: int):
    """The conditions that pick the registrations a change reaches: active, with an address."""
    return (Registration.plenary_id == plenary_id, Registration.status.in_(ACTIVE), Registration.email.is_not(None))


def told_counts(plenary_id: int) -> dict[str, int]:
    """How many registrations a change or a cancellation of the plenary reaches, by status."""
    rows = db.session.execute(
        sa.select(Registration.status, sa.func.count()).where(*_told(plenary_id)).group_by(Registration.status)
    ).all()
    return {status: count for status, count in rows}


def _queue_messages(plenary: Plenary, cancelled: bool) -> str | None:
    """Queue the update or the cancellation to everyone told (the invitation to the confirmed)."""
    people = db.session.scalars(sa.select(Registration).where(*_told(plenary.id)).order_by(Registration.id)).all()
    for registration in people:
        invited = registration.status == RegistrationStatus.CONFIRMED
        if cancelled:
            queue_registration_message(registration, "plenary_cancelled", "CANCEL" if invited else None)
        elif invited:
            queue_registration_message(registration, "plenary_updated", "REQUEST")
    if not people:
        return None
    return "cancel" if cancelled else "update"
