"""Flask commands: demo content, and plenary import/export in the exchange format."""

import json
import sys

import click
from flask import Flask
from flask.cli import AppGroup

from plenary.auth.cli import users_cli
from plenary.badges import cli as badges_cli  # noqa: F401 (adds badges and nameplates to documents_cli)
from plenary.demo.loader import load_demo
from plenary.documents.cli import documents_cli
from plenary.events.editing import save_plenary
from plenary.events.exchange import ExchangeError, dumps, export_plenary
from plenary.events.models import Plenary
from plenary.extensions import db
from plenary.jobs.cli import jobs_cli
from plenary.mail.cli import outbox_cli
from plenary.registration.cli import deliver_now, registrations_cli
from plenary.storage.cli import storage_cli
from plenary.visa.cli import visa_letter  # noqa: F401 (adds `documents visa-letter` to documents_cli)
from plenary.visa.demo import load_visa_demo

plenary_cli = AppGroup("plenary", help="Import and export plenaries in the exchange format.")


@plenary_cli.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8"))
def import_command(file) -> None:
    """Create or update a plenary from a JSON FILE (use - for standard input)."""
    try:
        data = json.load(file)
    except json.JSONDecodeError as exc:
        raise click.ClickException(
            f"{file.name}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); nothing was changed"
        ) from None
    except UnicodeDecodeError:
        raise click.ClickException(f"{file.name}: not UTF-8 text") from None
    except RecursionError:
        raise click.ClickException(
            f"{file.name}: nested too deeply to be an exchange document; nothing was changed"
        ) from None
    except ValueError as exc:  # e.g. a number of more than 4,300 digits
        raise click.ClickException(f"{file.name}: not valid JSON ({exc}); nothing was changed") from None
    try:
        result = save_plenary(data)
    except ExchangeError as exc:
        db.session.rollback()
        lines = "\n".join(f"  - {error}" for error in exc.errors)
        raise click.ClickException(f"{file.name} was not imported; nothing was changed:\n{lines}") from None
    plenary, created, promoted = result.plenary, result.created, result.promoted
    db.session.commit()
    click.echo(f"{'Created' if created else 'Updated'} plenary {plenary.number}: {plenary.slug}")
    deliver_now()
    if promoted:
        click.echo(f"{len(promoted)} waitlisted registrations promoted.")


@plenary_cli.command("export")
@click.argument("slug")
def export_command(slug: str) -> None:
    """Print the plenary SLUG as JSON in the exchange format (including its private online link)."""
    plenary = db.session.scalar(db.select(Plenary).where(Plenary.slug == slug))
    if plenary is None:
        raise click.ClickException(f"No plenary with slug {slug!r}.")
    sys.stdout.write(dumps(export_plenary(plenary, include_private=True)))


@click.command("demo")
def demo_command() -> None:
    """Load the demo content (idempotent): plenaries, members, announcements, an organizer."""
    report = load_demo()
    db.session.commit()
    report.lines += load_visa_demo()  # after the commit: it registers a delegate (capacity lock first)
    for line in report.lines:
        click.echo(line)
    click.echo("")
    click.echo("Organizer account (a new password is set on every run):")
    click.echo(f"  email:    {report.organizer_email}")
    click.echo(f"  password: {report.organizer_password}")


def register_commands(app: Flask) -> None:
    """Attach the commands to ``app``."""
    app.cli.add_command(plenary_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(registrations_cli)
    app.cli.add_command(outbox_cli)  # with `outbox send` (plenary.jobs.cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(documents_cli)
    app.cli.add_command(storage_cli)
