"""``flask documents badges`` and ``flask documents nameplates``: write one PDF directly (no worker)."""

import click

from plenary.badges.layout import SIZES
from plenary.badges.selection import ANY, BadgeSelection, selected
from plenary.badges.services import cards_for, plenary_context, render_cards, render_nameplates
from plenary.documents.cli import documents_cli, write_pdf
from plenary.events.models import Plenary
from plenary.extensions import db
from plenary.registration.roles import ParticipantRole
from plenary.registration.states import Attendance, RegistrationStatus

_STATUSES = click.Choice([*(s.value for s in RegistrationStatus), ANY])
_ATTENDANCES = click.Choice([*(a.value for a in Attendance), ANY])


def _people(slug: str, status: str, attendance: str, role: str | None) -> tuple[Plenary, list]:
    """The plenary and whom the options select; exits with a message if there is no such plenary or nobody."""
    plenary = db.session.scalar(db.select(Plenary).where(Plenary.slug == slug))
    if plenary is None:
        raise click.ClickException(f"No plenary with slug {slug!r}.")
    selection = BadgeSelection.from_args({"status": status, "attendance": attendance, "role": role or ""})
    people = selected(plenary.id, selection)
    if not people:
        raise click.ClickException(f"Nobody of plenary {slug!r} is {status} and attends {attendance}"
                                   f"{f' as {role}' if role else ''}: no PDF was written.")  # fmt: skip
    return plenary, people


@documents_cli.command("badges")
@click.argument("slug")
@click.option("--output", required=True, help="The PDF file to write (- for standard output).")
@click.option("--status", type=_STATUSES, default=RegistrationStatus.CONFIRMED.value, show_default=True)
@click.option("--attendance", type=_ATTENDANCES, default=Attendance.IN_PERSON.value, show_default=True)
@click.option("--role", type=click.Choice([r.value for r in ParticipantRole]), default=None)
@click.option("--size", type=click.Choice(list(SIZES)), default="a6", show_default=True)
def badges_command(slug: str, output: str, status: str, attendance: str, role: str | None, size: str) -> None:
    """Write the badges of plenary SLUG (confirmed, in person by default) as one PDF."""
    plenary, people = _people(slug, status, attendance, role)
    cards = cards_for("badge", people)
    db.session.commit()  # the badges' documents (their codes), before rendering: no lock held while it takes
    write_pdf(output, render_cards("badge", plenary_context(plenary), cards, size))
    click.echo(f"{len(cards)} badges", err=True)


@documents_cli.command("nameplates")
@click.argument("slug")
@click.option("--output", required=True, help="The PDF file to write (- for standard output).")
@click.option("--status", type=_STATUSES, default=RegistrationStatus.CONFIRMED.value, show_default=True)
@click.option("--attendance", type=_ATTENDANCES, default=Attendance.IN_PERSON.value, show_default=True)
@click.option("--role", type=click.Choice([r.value for r in ParticipantRole]), default=None)
def nameplates_command(slug: str, output: str, status: str, attendance: str, role: str | None) -> None:
    """Write the table name plates of plenary SLUG (one folded A4 landscape page each) as one PDF."""
    plenary, people = _people(slug, status, attendance, role)
    write_pdf(output, render_nameplates(plenary, people))
