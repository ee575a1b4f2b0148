"""When time alone changes a cached page: the next such instant after ``now``.

The instants (from ``events/services.py::registration_state``, ``list_public_plenaries``, ``next_plenary``, the
API's upcoming/past split, the calendar feed's year and the announcements' publication time):
- a plenary's registration opening and closing, its start (registration closes at the start when no closing time
  is set) and its end (upcoming → past; the home page's next plenary);
- a plenary's end plus 365 days (it leaves ``/calendar.ics``);
- an announcement's publication time (scheduled announcements appear on their own).
Personal pages (offers, answer deadlines, join links) are never cached. The cached templates show no relative time
("in 3 days", "today"); the one instant taken from the clock is an empty Atom feed's <updated> (feedgen's default),
which a cached feed gives as the time it was cached — true, since nothing changed after.
"""

from datetime import datetime, timedelta

import sqlalchemy as sa

from plenary.events.models import Plenary, PlenaryStatus
from plenary.extensions import db
from plenary.news.models import Announcement

#: How long a plenary stays in the calendar feed after its end (plenary/calendar/views.py::feed).
FEED_YEAR = timedelta(days=365)


def _first_after(column, now: datetime):
    return sa.func.min(sa.case((column > now, column)))


def next_boundary(now: datetime) -> datetime | None:
    """The first instant after ``now`` at which a public page may change without a write (one query)."""
    since = now - FEED_YEAR
    plenaries = sa.select(
        _first_after(Plenary.registration_opens_at, now),
        _first_after(Plenary.registration_closes_at, now),
        _first_after(Plenary.starts_at, now),
        _first_after(Plenary.ends_at, now),
        _first_after(Plenary.ends_at, since),
        sa.select(_first_after(Announcement.published_at, now)).scalar_subquery(),
    ).where(Plenary.status != PlenaryStatus.DRAFT)
    opens, closes, starts, ends, leaves_feed, published = db.session.execute(plenaries).one()
    candidates = [opens, closes, starts, ends, published, leaves_feed + FEED_YEAR if leaves_feed else None]
    return min((instant for instant in candidates if instant is not None), default=None)
