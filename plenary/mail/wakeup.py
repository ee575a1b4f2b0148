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
    session = db.session()
    if session.get_bind().dialect.name != "postgresql":
        return
    transaction = session.get_transaction()
    if transaction is not None and session.info.get(_NOTIFIED) is transaction:
        return  # this transaction says it once, however many messages it queues
    session.execute(text(f"NOTIFY {CHANNEL}"))
    session.info[_NOTIFIED] = session.get_transaction()


def waiter(stop: threading.Event, is_due: Callable[[], object]) -> "Waiter":
    """The worker's wait between rounds: returns after ``seconds``, at ``stop``, or when mail is queued.

    ``is_due()`` says whether a message is due (``plenary.mail.delivery.due_message_ids``, given by the worker:
    this module is imported by the outbox, which delivery imports).
    """
    if db.engine.dialect.name == "postgresql":
        try:
            return _Listener(stop, is_due)
        except Exception:  # no LISTEN connection: polling still works
            log.exception("cannot LISTEN for queued mail; polling the outbox instead")
    return _Poller(stop, float(current_app.config["OUTBOX_POLL_SECONDS"]), is_due)


class Waiter:
    """``wait(seconds)``, called as ``waiter(seconds)``; ``close()`` when the worker ends."""

    def __init__(self, stop: threading.Event) -> None:
        self.stop = stop

    def __call__(self, seconds: float) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Free what the waiter holds (nothing, unless it listens)."""


class _Poller(Waiter):
    """Asks every ``every`` seconds whether a message is due (SQLite; any database)."""

    def __init__(self, stop: threading.Event, every: float, is_due: Callable[[], object]) -> None:
        super().__init__(stop)
        self.every = every
        self.is_due = is_due

    def __call__(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stop.wait(max(0.0, min(self.every, deadline - time.monotonic()))):
            if time.monotonic() >= deadline:
                return
            try:
                due = self.is_due()
            finally:
                db.session.remove()  # hold no transaction (or SQLite read lock) while waiting
            if due:
                return


class _Listener(Waiter):
    """A connection of its own that LISTENs on the outbox channel (autocommit, outside the pool)."""

    #: Longest single wait, so that ``stop`` (set by a signal handler) is seen soon.
    SLICE = 0.5

    def __init__(self, stop: threading.Event, is_due: Callable[[], object]) -> None:
        super().__init__(stop)
        self.is_due = is_due
        self.connection = self._connect()

    @staticmethod
    def _connect():
        """A new LISTENing connection (raises if the database cannot be reached)."""
        raw = db.engine.raw_connection()
        connection = raw.driver_connection
        raw.detach()  # never handed back to the pool in LISTEN state
        connection.autocommit = True
        connection.execute(f"LISTEN {CHANNEL}")
        return connection

    def __call__(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        if self.connection is None:
            if not self._reconnect():
                self.stop.wait(max(0.0, deadline - time.monotonic()))
                return
            try:
                due = self.is_due()  # what was committed while nobody listened
            finally:
                db.session.remove()
            if due:
                return
        while not self.stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            try:
                woken = list(self.connection.notifies(timeout=min(self.SLICE, remaining), stop_after=1))
            except Exception:
                # The database restarted or the connection dropped: listen on a new one from the next wait on
                # (a round runs first, so nothing queued meanwhile waits longer than this interval).
                log.exception("LISTEN connection lost; a new one listens from the next wait")
                self._drop()
                return
            if woken:
                # Several commits may have woken us: take what else arrived, then run a round for all of them.
                list(self.connection.notifies(timeout=0, stop_after=100))
                return

    def _reconnect(self) -> bool:
        """Listen on a new connection; False (logged) while the database cannot be reached."""
        try:
            self.connection = self._connect()
        except Exception:
            log.exception("cannot LISTEN for queued mail yet; waiting out the interval")
            return False
        log.info("listening for queued mail again")
        return True

    def _drop(self) -> None:
        """Forget a broken connection."""
        try:
            self.connection.close()
        except Exception:  # already gone
            pass
        self.connection = None

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
