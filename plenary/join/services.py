"""What a personal join link does: who gets one, when it opens, where it leads, and recording the join.

The link (``/join/<token>``, plenary.join.tokens) stands in for the meeting's address everywhere an attendee
reads it; only this module hands out the address itself, and only inside the window to the link's holder.
Functions flush, never commit.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from flask import current_app

from plenary.attendance.models import AttendanceChannel, AttendanceSource
from plenary.attendance.services import record_arrival
from plenary.db import utcnow
from plenary.events.models import Plenary, PlenaryFormat, PlenaryStatus
from plenary.extensions import db
from plenary.formatting import BEIJING, BERLIN, ZonedTime, zoned
from plenary.join.tokens import join_token_for
from plenary.registration.locking import lock_plenary
from plenary.registration.models import Registration
from plenary.registration.states import Attendance, RegistrationStatus
from plenary.urls import public_url

#: The zone a delegate's country reads times in (the partner countries); others: only their browser's.
COUNTRY_ZONE = {"CN": BEIJING, "DE": BERLIN}


class Refusal(StrEnum):
    """Why a (genuine) join link does not lead into the meeting."""

    NOT_CONFIRMED = "not_confirmed"  # pending, waitlisted, offered, rejected, cancelled
    IN_PERSON = "in_person"  # attends in the hall
    PLENARY_CANCELLED = "plenary_cancelled"
    NO_ONLINE_PART = "no_online_part"  # an in-person plenary (or not public)


class Phase(StrEnum):
    """Where a join link stands in time."""

    WAITING = "waiting"  # before the window
    OPEN = "open"  # inside the window, until the plenary's end
    OVER = "over"  # the plenary has ended


def refusal(registration: Registration) -> Refusal | None:
    """Why ``registration``'s join link leads nowhere, or None if it leads into the meeting (in its window)."""
    plenary = registration.plenary
    if plenary.status == PlenaryStatus.CANCELLED:
        return Refusal.PLENARY_CANCELLED
    if plenary.format == PlenaryFormat.IN_PERSON or plenary.status != PlenaryStatus.PUBLISHED:
        return Refusal.NO_ONLINE_PART
    if registration.status != RegistrationStatus.CONFIRMED:
        return Refusal.NOT_CONFIRMED
    if registration.attendance != Attendance.ONLINE:
        return Refusal.IN_PERSON
    return None


def gets_join_link(registration: Registration) -> bool:
    """True if ``registration`` is to be given its join link (in mails, calendars and on its personal page):
    confirmed, attending online, not erased, its plenary published with an online part and not cancelled.

    Whether the meeting address is already set does not matter: the link stays the same when it is set later.
    """
    return registration.anonymised_at is None and registration.token_hash is not None and refusal(registration) is None


def join_url(registration: Registration, lang: str | None = None) -> str:
    """The absolute join link of ``registration`` (for pages and downloads; mails use the ``join_url()`` helper)."""
    return public_url("join.open", token=join_token_for(registration), lang=lang or registration.language)


def opens_at(plenary: Plenary) -> datetime:
    """When join links of ``plenary`` start leading into the meeting (JOIN_OPENS_MINUTES_BEFORE its start)."""
    return plenary.starts_at - timedelta(minutes=int(current_app.config["JOIN_OPENS_MINUTES_BEFORE"]))


def phase(plenary: Plenary, now: datetime | None = None) -> Phase:
    """Before the window, inside it (from ``opens_at`` until the end), or over."""
    now = now or utcnow()
    if now < opens_at(plenary):
        return Phase.WAITING
    if now < plenary.ends_at:
        return Phase.OPEN
    return Phase.OVER


@dataclass(frozen=True)
class Addresses:
    """Where a person's join link leads (``primary``) and the other meeting address offered as a fallback."""

    primary: str | None
    fallback: str | None


def addresses(registration: Registration) -> Addresses:
    """The meeting addresses for ``registration``, chosen by the delegate's country: from mainland China the
    China address if set, everyone else the general one if set; each falls back on the other."""
    plenary = registration.plenary
    general, china = plenary.online_url or None, plenary.online_url_cn or None
    first, second = (china, general) if registration.country == "CN" else (general, china)
    primary = first or second
    fallback = second if first and second and second != first else None
    return Addresses(primary, fallback)


def visitor_zone(registration: Registration) -> str | None:
    """The zone the delegate's country reads times in (CN: Beijing, DE: Berlin), or None."""
    return COUNTRY_ZONE.get((registration.country or "").upper())


def record_join(registration: Registration, now: datetime | None = None) -> bool:
    """Record an online join of ``registration`` (first and latest time), its plenary's lock taken first; False
    (nothing recorded) if, read again under the lock, its link no longer leads into the meeting. Flushes."""
    registration_id = registration.id
    lock_plenary(registration.plenary_id)
    registration = db.session.get(Registration, registration_id, populate_existing=True)
    if registration is None or not gets_join_link(registration) or phase(registration.plenary, now) != Phase.OPEN:
        return False
    record_arrival(registration, AttendanceChannel.ONLINE, AttendanceSource.JOIN_LINK, at=now)
    return True


@dataclass(frozen=True)
class JoinLinkView:
    """What a personal page shows of the join link: the link, when it opens, whether a fallback exists."""

    url: str
    opens: ZonedTime
    fallback_url: str | None


def join_link_view(registration: Registration) -> JoinLinkView | None:
    """The join link as the personal page shows it (confirmed online attendees before the end), else None."""
    if not gets_join_link(registration) or phase(registration.plenary) == Phase.OVER:
        return None
    token = join_token_for(registration)
    fallback = addresses(registration).fallback
    return JoinLinkView(
        url=public_url("join.open", token=token, lang=registration.language),
        opens=zoned(opens_at(registration.plenary), visitor_zone(registration) or registration.plenary.timezone),
        fallback_url=(
            public_url("join.open", token=token, via="other", lang=registration.language) if fallback else None
        ),
    )
