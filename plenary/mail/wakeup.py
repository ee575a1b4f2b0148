"""Waking the worker when a message is queued, so that it goes out within a second, not at the next round.

The web workers only store messages (``plenary.mail.outbox``); the worker (``flask jobs worker``) sends them.
Between two rounds the worker waits for ``--interval`` seconds, or less when there is mail:

- On PostgreSQL, a transaction that queues a message also says ``NOTIFY plenary_outbox`` (once per
  transaction; PostgreSQL delivers it at the commit, never for a rollback), and the waiting worker LISTENs on
  a connection of its own.
- Elsewhere (SQLite), the waiting worker asks every FLASK_OUTBOX_POLL_SECONDS whether a message is due
  (one indexed query).

Either way a missed wake-up costs at most one ``--interval``: the round finds what is due in the data.
"""

import logging
import threading
import time
from collections.abc import Callable

from flask import current_app
from sqlalchemy import text

from plenary.extensions import db

log = logging.getLogger(__name__)

CHANNEL = "plenary_outbox"

_NOTIFIED = "outbox_notified_transaction"


def announce() -> None:
    """Have the current transaction wake the waiting workers when it commits (PostgreSQL; elsewhere nothing)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    transaction = db.session.get_transaction()
    if transaction is None or db.session.info.get(_NOTIFIED) is transaction:
        return
    db.session.execute(text(f"NOTIFY {CHANNEL}"))
    db.session.info[_NOTIFIED] = db.session.get_transaction()


def waiter(stop: threading.Event) -> Callable[[float], None]:
    """A ``wait(seconds)`` for the worker's loop: returns after ``seconds``, at ``stop``, or when mail is queued."""
    if db.engine.dialect.name == "postgresql":
        try:
            return _Listener(stop).wait
        except Exception:  # no LISTEN connection: polling still works
            log.exception("cannot LISTEN for queued mail; polling the outbox instead")
    return _poller(stop, float(current_app.config["OUTBOX_POLL_SECONDS"]))


def _poller(stop: threading.Event, every: float) -> Callable[[float], None]:
    from plenary.mail.delivery import due_message_ids

    def wait(seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not stop.wait(max(0.0, min(every, deadline - time.monotonic()))):
            if time.monotonic() >= deadline:
                return
            try:
                due = due_message_ids(limit=1)
            finally:
                db.session.remove()  # hold no transaction (or SQLite read lock) while waiting
            if due:
                return

    return wait


class _Listener:
    """A connection of its own that LISTENs on the outbox channel (autocommit, outside the pool)."""

    #: Longest single wait, so that ``stop`` (set by a signal handler) is seen soon.
    SLICE = 0.5

    def __init__(self, stop: threading.Event) -> None:
        self.stop = stop
        raw = db.engine.raw_connection()
        raw.detach()  # never handed back to the pool in LISTEN state
        self.connection = raw.driver_connection
        self.connection.autocommit = True
        self.connection.execute(f"LISTEN {CHANNEL}")

    def wait(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            try:
                woken = list(self.connection.notifies(timeout=min(self.SLICE, remaining), stop_after=1))
            except Exception:
                log.exception("LISTEN connection lost; waiting out the interval")
                self.stop.wait(max(0.0, deadline - time.monotonic()))
                return
            if woken:
                # Several commits may have woken us: take what else arrived, then run a round for all of them.
                list(self.connection.notifies(timeout=0, stop_after=100))
                return
