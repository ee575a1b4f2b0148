"""Deliver a request's messages right after it has committed, without delaying its response.

One delivery thread per process (the courier) takes the message ids that requests committed
from a queue and sends them one at a time, so the response goes out at once and nothing
depends on how a server closes responses (the development server does not always). One
thread, not one per request: a burst of requests does not open a burst of SMTP connections,
threads do not pile up behind a stalled server, and a worker killed with ``kill -9`` had at
most one message in flight. What fails, times out, or is cut short by a worker restart stays
pending for the worker (``flask jobs worker``); after a timeout the courier drops its queue (those
messages are still due, and the worker has them).

The thread is not a daemon: when the process exits normally (a gunicorn worker restarting)
it finishes the message it is sending, drops the rest of its queue and ends, so no message
is cut off between the server accepting it and its record. It ends by itself when idle.
"""

import logging
import os
import queue
import threading

from flask import Flask, current_app

from plenary.extensions import db
from plenary.mail.delivery import deliver
from plenary.mail.outbox import queued_message_ids

log = logging.getLogger(__name__)

#: Seconds an idle courier waits for more work before its thread ends (a new one starts when needed).
IDLE_SECONDS = 2.0


def deliver_after_response(response):
    """After-request hook: hand the messages this request committed to the process's courier."""
    ids = queued_message_ids()
    if ids and current_app.config["OUTBOX_DELIVER_AFTER_REQUEST"]:
        courier_for(current_app._get_current_object()).submit(ids)
    return response


def courier_for(app: Flask) -> "Courier":
    """The courier of ``app`` in this process (a forked worker gets its own)."""
    courier = app.extensions.get("outbox_courier")
    if courier is None or courier.pid != os.getpid():
        courier = app.extensions["outbox_courier"] = Courier(app)
    return courier


def wait_for_deliveries(app: Flask, timeout: float = 30.0) -> None:
    """Wait until the courier has worked through its queue (tests and graceful shutdown)."""
    courier = app.extensions.get("outbox_courier")
    if courier is not None and courier.pid == os.getpid():
        courier.join(timeout)


class Courier:
    """One thread that delivers the messages requests committed, one at a time."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.pid = os.getpid()
        self._queue: queue.Queue[int] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def submit(self, ids: list[int]) -> None:
        """Queue ``ids`` for delivery; start the thread if none runs."""
        with self._lock:
            for message_id in ids:
                self._queue.put(message_id)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="outbox-courier", daemon=False)
                self._thread.start()

    def join(self, timeout: float) -> None:
        """Wait (at most ``timeout`` seconds) until every queued id has been handled."""
        with self._queue.all_tasks_done:
            self._queue.all_tasks_done.wait_for(lambda: not self._queue.unfinished_tasks, timeout)

    def _run(self) -> None:
        with self.app.app_context():
            try:
                while True:
                    try:
                        message_id = self._queue.get(timeout=IDLE_SECONDS)
                    except queue.Empty:
                        with self._lock:
                            if self._queue.empty():
                                self._thread = None
                                return
                        continue
                    try:
                        if _process_running():
                            self._deliver(message_id)
                        else:
                            self._drop()
                    finally:
                        self._queue.task_done()
                        db.session.remove()
            except BaseException:
                with self._lock:
                    self._thread = None
                raise

    def _deliver(self, message_id: int) -> None:
        try:
            report = deliver([message_id])
        except Exception:  # never let delivery break anything; the worker retries
            log.exception("delivery after the request failed; the outbox keeps the messages")
            return
        if report.stalled:
            self._drop()

    def _drop(self) -> None:
        """Forget the queued ids (they stay pending and due in the outbox: the worker sends them)."""
        dropped = 0
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
            self._queue.task_done()
            dropped += 1
        if dropped:
            log.warning("%s queued messages left to the outbox worker", dropped)


def _process_running() -> bool:
    """False once the main thread has finished (the process is exiting)."""
    return threading.main_thread().is_alive()
