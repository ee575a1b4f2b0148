"""``flask documents visa-letter REGISTRATION_ID --output FILE``: the approved letter's PDF, for scripts."""

import click

from plenary.documents import services as documents
from plenary.documents.cli import documents_cli, write_pdf
from plenary.extensions import db
from plenary.registration.models import Registration
from plenary.visa import review


@documents_cli.command("visa-letter")
@click.argument("registration_id", type=int)
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False),
              help="Where to write the PDF (- for standard output).")  # fmt: skip
def visa_letter(registration_id: int, output: str) -> None:
    """Write the valid visa invitation letter of registration REGISTRATION_ID to FILE."""
    registration = db.session.get(Registration, registration_id)
    if registration is None:
        raise click.ClickException(f"There is no registration {registration_id}.")
    document = review.current_letter(registration)
    if document is None:
        raise click.ClickException(f"Registration {registration_id} has no approved, valid visa letter.")
    pdf = documents.render_document(document)
    if pdf is None:
        raise click.ClickException(
            f"The letter of registration {registration_id} can no longer be made: its passport data has been deleted."
        )
    write_pdf(output, pdf)
