"""The outbox worker command."""

import logging
import signal
import threading

import click
from flask.cli import AppGroup

from plenary.extensions import db
from plenary.mail.delivery import deliver_due, retry_failed

log = logging.getLogger(__name__)

outbox_cli = AppGroup("outbox", help="Deliver the messages in the outbox.")


@outbox_cli.command("send")
@click.option("--watch", is_flag=True, help="Keep running and deliver as messages fall due (the production worker).")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between rounds with --watch.")
def send_command(watch: bool, interval: float) -> None:
    """Deliver every message that is due, then exit (or keep going with --watch).

    SIGTERM or Ctrl-C stops the worker between two messages (never between sending one and
    recording it), so that a restart sends nothing twice.
    """
    stop = threading.Event()
    if watch:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
    while not stop.is_set():
        try:
            report = deliver_due(keep_going=lambda: not stop.is_set())
        except Exception:
            if not watch:
                raise
            # The worker outlives a database hiccup: what was not recorded is retried after its lease.
            db.session.rollback()
            log.exception("delivery round failed; trying again in %s s", interval)
        else:
            if report.sent or report.retrying or report.failed or not watch:
                click.echo(f"sent {len(report.sent)}, retrying {len(report.retrying)}, failed {len(report.failed)}")
        if not watch:
            return
        stop.wait(interval)


@outbox_cli.command("retry")
@click.option("--all-failed", is_flag=True, help="Every failed message (but those of erased people).")
@click.argument("ids", nargs=-1, type=int)
def retry_command(all_failed: bool, ids: tuple[int, ...]) -> None:
    """Queue failed messages again (attempts from 0, due now): the given IDs, or --all-failed.

    Messages of people whose data was erased, and invitations superseded by newer ones, are never sent again.
    The worker (``flask outbox send``) delivers them.
    """
    from plenary.audit.services import record

    if all_failed == bool(ids):
        raise click.UsageError("give message IDs or --all-failed (not both)")
    retried = retry_failed(None if all_failed else list(ids))
    if retried:
        record("outbox.retry", None, object_type="outbox", summary=f"{len(retried)} failed messages",
               changes={"messages": [None, retried]})  # fmt: skip
    db.session.commit()
    skipped = sorted(set(ids) - set(retried))
    click.echo(f"queued again: {len(retried)}")
    if skipped:
        click.echo(f"not failed, unknown or not to be sent again: {', '.join(map(str, skipped))}")
