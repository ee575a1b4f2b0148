"""The outbox worker command."""

import time

import click
from flask.cli import AppGroup

from plenary.mail.delivery import deliver_due

outbox_cli = AppGroup("outbox", help="Deliver the messages in the outbox.")


@outbox_cli.command("send")
@click.option("--watch", is_flag=True, help="Keep running and deliver as messages fall due (the production worker).")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between rounds with --watch.")
def send_command(watch: bool, interval: float) -> None:
    """Deliver every message that is due, then exit (or keep going with --watch)."""
    while True:
        report = deliver_due()
        if report.sent or report.retrying or report.failed or not watch:
            click.echo(f"sent {len(report.sent)}, retrying {len(report.retrying)}, failed {len(report.failed)}")
        if not watch:
            return
        time.sleep(interval)
