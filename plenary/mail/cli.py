"""The outbox commands: ``outbox retry``; ``outbox send`` is the worker's (``plenary.jobs.cli``)."""

import click
from flask.cli import AppGroup

from plenary.extensions import db
from plenary.mail.retry import retry_by_hand

outbox_cli = AppGroup("outbox", help="Deliver the messages in the outbox.")


@outbox_cli.command("retry")
@click.option("--all-failed", is_flag=True, help="Every failed message (but those of erased people).")
@click.argument("ids", nargs=-1, type=int)
def retry_command(all_failed: bool, ids: tuple[int, ...]) -> None:
    """Queue failed messages again (attempts from 0, due now): the given IDs, or --all-failed.

    Messages of people whose data was erased, invitations superseded by newer ones and messages that
    cannot be built are never sent again (``plenary.mail.retry``). The worker (``flask jobs worker``) delivers them.
    """
    if all_failed == bool(ids):
        raise click.UsageError("give message IDs or --all-failed (not both)")
    retried = retry_by_hand(None if all_failed else list(ids))
    db.session.commit()
    skipped = sorted(set(ids) - set(retried))
    click.echo(f"queued again: {len(retried)}")
    if skipped:
        click.echo(f"not failed, unknown or not to be sent again: {', '.join(map(str, skipped))}")
