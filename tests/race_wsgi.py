"""The app as tests/test_registration_concurrency.py serves it: production's, with two test-only changes.

gunicorn loads ``tests.race_wsgi:app`` instead of ``wsgi:app``; two environment variables (read here,
never by the app) change the capacity decision so that the race can be seen:

- ``RACE_WINDOW_SECONDS``: each request that found a free seat waits this long before it takes it
  (only a seat being taken waits: that is the decision the race corrupts, and under the lock a
  burst then lasts seats × window rather than people × window);
- ``RACE_NO_CAPACITY_LOCK=1``: the plenary's row is read without the database's write lock.
"""

import os
import time

from plenary import create_app
from plenary.registration import locking, seats

_seat_free = seats.seat_free
_window = float(os.environ.get("RACE_WINDOW_SECONDS", "0"))


def _slow_seat_free(*args, **kwargs) -> bool:
    """``seats.seat_free``, then the race window when a seat was free."""
    free = _seat_free(*args, **kwargs)
    if free and _window > 0:
        time.sleep(_window)
    return free


if _window > 0:
    seats.seat_free = _slow_seat_free  # seats.plan_seats looks it up at each call
if os.environ.get("RACE_NO_CAPACITY_LOCK") == "1":
    locking._locked = lambda session, query: session.scalar(query)  # lock_plenary looks it up at each call

app = create_app()
