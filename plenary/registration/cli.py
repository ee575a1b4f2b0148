"""Organizer commands: export, approve, reject, cancel, purge."""

import sys
from datetime import UTC, datetime

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from plenary.events.models import Plenary
from plenary.extensions import db
from plenary.mail.delivery import deliver
from plenary.mail.outbox import queued_message_ids
from plenary.registration import changes, errors, organizer, privacy
from plenary.registration.export import csv_text, export_rows, spreadsheet

registrations_cli = AppGroup("registrations", help="Registrations of a plenary.")


@registrations_cli.command("export")
@click.argument("slug")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True),
              help="File to write (default: standard output, csv only).")  # fmt: skip
def export_command(slug: str, fmt: str, output: str | None) -> None:
    """Export the registrations of plenary SLUG, one row each."""
    plenary = db.session.scalar(sa.select(Plenary).where(Plenary.slug == slug))
    if plenary is None:
        raise click.ClickException(f"No plenary with slug {slug!r}.")
    header, rows = export_rows(plenary.id)
    if fmt == "xlsx" and not output:
        raise click.ClickException("--format xlsx needs --output FILE.")
    if output:
        with open(output, "wb") as fh:
            fh.write(spreadsheet(header, rows, fmt, slug))
        click.echo(f"{len(rows)} registrations written to {output}", err=True)
    else:
        sys.stdout.write(csv_text(header, rows))


def _change(action, registration_id: int, verb: str) -> None:
    try:
        registration = action(registration_id)
    except errors.RegistrationError as exc:
        db.session.rollback()
        status = exc.details.get("status")
        raise click.ClickException(f"Registration {registration_id} cannot be {verb}: {exc.code}"
                                   + (f" (status {status})" if status else "")) from None  # fmt: skip
    db.session.commit()
    deliver_now()
    click.echo(f"Registration {registration.id} is now {registration.status}.")


def deliver_now() -> None:
    """Try the messages just committed (the outbox worker retries what fails)."""

    deliver(queued_message_ids())


@registrations_cli.command("approve")
@click.argument("registration_id", type=int)
def approve_command(registration_id: int) -> None:
    """Approve a pending registration."""
    _change(organizer.approve, registration_id, "approved")


@registrations_cli.command("reject")
@click.argument("registration_id", type=int)
def reject_command(registration_id: int) -> None:
    """Reject a pending or waitlisted registration."""
    _change(organizer.reject, registration_id, "rejected")


@registrations_cli.command("cancel")
@click.argument("registration_id", type=int)
def cancel_command(registration_id: int) -> None:
    """Cancel a registration (the waitlist moves up)."""
    _change(changes.cancel, registration_id, "cancelled")


@registrations_cli.command("purge")
@click.option("--before", required=True, type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Anonymise registrations of plenaries that ended before this date (YYYY-MM-DD, UTC).")  # fmt: skip
def purge_command(before: datetime) -> None:
    """Anonymise the registrations of past plenaries."""
    count = 0
    for plenary_id in privacy.plenaries_ended_before(before.replace(tzinfo=UTC)):
        count += privacy.purge_plenary(plenary_id)  # one plenary per locked unit of work
        db.session.commit()
    click.echo(f"{count} registrations anonymised.")
