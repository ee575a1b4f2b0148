"""Commands for work at a time: ``jobs run-due`` (once, for cron and tests), ``jobs worker`` (the long-running one).

``outbox send [--watch]`` stays: without --watch it delivers what is due once; with --watch it is the worker.
"""

import signal
import threading

import click
from flask.cli import AppGroup

from plenary.jobs.catalog import JOBS
from plenary.jobs.registry import run_due, work
from plenary.mail.cli import outbox_cli
from plenary.mail.delivery import deliver_due, due_message_ids
from plenary.mail.wakeup import waiter

jobs_cli = AppGroup("jobs", help="Periodic work: the outbox, broadcasts, pruning, the retention purge.")


def _summary(done: dict[str, int]) -> str:
    return ", ".join(f"{name} {count}" for name, count in done.items())


@jobs_cli.command("run-due")
def run_due_command() -> None:
    """Do everything that is due now, once, then exit (for cron, and for tests)."""
    click.echo(_summary(run_due(JOBS)))


@jobs_cli.command("worker")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between rounds.")
def worker_command(interval: float) -> None:
    """Keep running every job as it falls due (the production worker; several may run at once).

    SIGTERM or Ctrl-C stops the worker between two units of work (never between sending a message
    and recording it), so that a restart sends nothing twice.
    """
    _run_worker(interval)


def _run_worker(interval: float) -> None:
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    wait = waiter(stop, lambda: due_message_ids(limit=1))  # returns early when mail is queued (plenary.mail.wakeup)
    try:
        work(JOBS, interval, stop, lambda done: click.echo(_summary(done)), wait=wait)
    finally:
        wait.close()


@outbox_cli.command("send")
@click.option("--watch", is_flag=True, help="Keep running as the worker (the same as `flask jobs worker`).")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between rounds with --watch.")
def send_command(watch: bool, interval: float) -> None:
    """Deliver the messages that are due (one round), then exit; with --watch, run the worker (every job)."""
    if watch:
        _run_worker(interval)
        return
    report = deliver_due()
    click.echo(f"sent {len(report.sent)}, retrying {len(report.retrying)}, failed {len(report.failed)}")
