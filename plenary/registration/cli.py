"""Organizer commands: export, approve, reject, cancel, purge."""

import sys
from datetime import UTC, datetime

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from plenary.events.models import Plenary
from plenary.extensions import db
from plenary.i18n import LANGUAGES
from plenary.mail.delivery import deliver
from plenary.mail.outbox import queued_message_ids
from plenary.registration import changes, errors, organizer, privacy
from plenary.registration.export import (
    DEFAULT_EXPORT_COLUMNS,
    DEFAULT_FORMAT,
    EXPORT_COLUMNS,
    FORMATS,
    export_columns,
    export_file,
)
from plenary.registration.models import Registration

registrations_cli = AppGroup("registrations", help="Registrations of a plenary.")


@registrations_cli.command("export")
@click.argument("slug")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(FORMATS)),
    default=DEFAULT_FORMAT,
    show_default=True,
    help="xlsx: Excel workbook; csv_semicolon: CSV German Excel opens in columns; csv: comma-separated.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="File to write (default: registrations-SLUG-DATE.xlsx here; a CSV goes to standard output).",
)
@click.option(
    "--language",
    type=click.Choice(LANGUAGES),
    default=None,
    help="Language of the titles and values (default: FLASK_ORGANIZER_MAIL_LANGUAGE).",
)
@click.option(
    "--columns",
    default=None,
    metavar="A,B,…",
    help=f"Columns, comma-separated, or 'all' (default: the back office's default set). "
    f"Known: {', '.join(EXPORT_COLUMNS)}.",
)
def export_command(slug: str, fmt: str, output: str | None, language: str | None, columns: str | None) -> None:
    """Export the registrations of plenary SLUG as the back office does: one row each, readable values."""
    plenary = db.session.scalar(sa.select(Plenary).where(Plenary.slug == slug))
    if plenary is None:
        raise click.ClickException(f"No plenary with slug {slug!r}.")
    chosen = _export_columns(columns)
    lang = language or current_app.config["ORGANIZER_MAIL_LANGUAGE"]
    query = sa.select(Registration).where(Registration.plenary_id == plenary.id)
    data, filename, _type = export_file(plenary, query, chosen, fmt, lang)
    if output is None and fmt == "xlsx":
        output = filename
    if output:
        with open(output, "wb") as fh:
            fh.write(data)
        count = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
        click.echo(f"{count} registrations written to {output}", err=True)
    else:
        sys.stdout.write(data.decode("utf-8-sig"))


def _export_columns(option: str | None) -> list[str]:
    if option is None:
        return list(DEFAULT_EXPORT_COLUMNS)
    if option.strip() == "all":
        return list(EXPORT_COLUMNS)
    names = [name.strip() for name in option.split(",") if name.strip()]
    unknown = [name for name in names if name not in EXPORT_COLUMNS]
    if unknown or not names:
        raise click.BadParameter(f"unknown column(s) {', '.join(unknown) or '(none)'}; known: "
                                 f"{', '.join(EXPORT_COLUMNS)}", param_hint="--columns")  # fmt: skip
    return export_columns(names)


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
