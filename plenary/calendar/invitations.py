"""A registrant's calendar invitation (iTIP over iMIP): the iCalendar text for one registration.

A pure builder: it reads the registration and its plenary and returns text. Who is sent one,
and when, is decided elsewhere (``plenary.events.changes`` when a plenary changes, the
registration's notifications when a registration does).
"""

from flask import current_app

from plenary.calendar.ical import Attendee, calendar_text, plenary_event
from plenary.db import utcnow
from plenary.events.models import Plenary
from plenary.events.services import reply_address


def organizer(plenary: Plenary) -> tuple[str, str]:
    """ORGANIZER of ``plenary``'s invitations: the mailbox that receives the replies (as Reply-To), with a name."""
    return reply_address(plenary), current_app.config["CALENDAR_ORGANIZER_NAME"]


def invitation(registration, method: str, uninvite: bool = False, address: str | None = None,
               join_link: str | None = None, sequence: int | None = None) -> str:  # fmt: skip
    """The iCalendar text of ``method`` (REQUEST or CANCEL) for one registrant, in their language.

    ``uninvite``: the attendee leaves a plenary that goes on; RFC 5546 3.2.5 then wants no STATUS.
    ``address``: where it goes, for a registration whose data was erased (it then names nobody).
    ``join_link``: the attendee's join link (online attendees; for the outbox one with a stand-in token).
    ``sequence``: the SEQUENCE it carries, if not the plenary's current one (the copy a queued message recorded).
    """
    plenary = registration.plenary
    name = "" if registration.anonymised_at else registration.display_name
    attendee = Attendee(address or registration.email, name, registration.attendance)
    event = plenary_event(plenary, registration.language, now=utcnow(), attendee=attendee,
                          organizer=organizer(plenary), cancelled=method == "CANCEL", join_link=join_link,
                          sequence=sequence)  # fmt: skip
    if uninvite:
        del event["status"]
    return calendar_text([event], {plenary.timezone}, method=method)
