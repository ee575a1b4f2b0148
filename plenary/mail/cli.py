"""The outbox worker command."""

import logging
import time

import click
from flask.cli import AppGroup

from plenary.extensions import db
from plenary.mail.delivery import deliver_due

log = logging.getLogger(__name__)

outbox_cli = AppGroup("outbox", help="Deliver the messages in the outbox.")


@outbox_cli.command("send")
@click.option("--watch", is_flag=True, help="Keep running and deliver as messages fall due (the production worker).")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between rounds with --watch.")
def send_command(watch: bool, interval: float) -> None:
    """Deliver every message that is due, then exit (or keep going with --watch)."""
    while True:
        try:
            report = deliver_due()
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
        time.sleep(interval)
