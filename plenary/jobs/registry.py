"""The Job type, running what is due once (``run_due``) and the worker loop (``work``)."""

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from plenary.db import utcnow
from plenary.extensions import db

log = logging.getLogger(__name__)

#: A job's body: (now, keep_going) → how many units it did. It commits its own units of work.
JobBody = Callable[[datetime, Callable[[], bool]], int]


@dataclass(frozen=True)
class Job:
    """A periodic, idempotent piece of work: safe to run at any moment, by several workers at once."""

    name: str
    run: JobBody
    #: How often the worker runs it (``run_due`` runs every job). Its due work is found in the data.
    every: timedelta


def _always() -> bool:
    return True


def run_due(jobs: Sequence[Job], now: datetime | None = None, keep_going: Callable[[], bool] = _always,
            ) -> dict[str, int]:  # fmt: skip
    """Run every job once (in order); return what each did. A failing job raises after a rollback."""
    now = now or utcnow()
    done = {}
    for job in jobs:
        if not keep_going():
            break
        try:
            done[job.name] = job.run(now, keep_going)
        except Exception:
            db.session.rollback()
            raise
    return done


def work(jobs: Sequence[Job], interval: float, stop: threading.Event, report: Callable[[dict], None],
         wait: Callable[[float], None] | None = None) -> None:  # fmt: skip
    """The worker: run each job when its ``every`` has passed (the first round runs all), until ``stop`` is set.

    Between rounds it waits ``interval`` seconds with ``wait`` (default: ``stop.wait``); the worker's ``wait``
    (``plenary.mail.wakeup.waiter``) returns early when a message is queued.

    A job that fails is logged and tried again in its next turn: the worker outlives a database hiccup
    (what was not recorded is retried after its lease). ``stop`` is checked between units of work.
    """
    last_run: dict[str, datetime] = {}
    def keep_going() -> bool:
        return not stop.is_set()

    while not stop.is_set():
        now = utcnow()
        done = {}
        for job in jobs:
            if stop.is_set():
                break
            if job.name in last_run and now - last_run[job.name] < job.every:
                continue
            last_run[job.name] = now
            try:
                done[job.name] = job.run(now, keep_going)
            except Exception:
                db.session.rollback()
                log.exception("job %s failed; trying again in its next turn", job.name)
        if any(done.values()):
            report(done)
        db.session.remove()
        (wait or stop.wait)(interval)
