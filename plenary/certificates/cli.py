"""``flask documents certificate REGISTRATION_ID --output FILE``: one certificate of attendance as PDF."""

import click

from plenary.certificates.services import REASONS, CertificateRefused, certificate_for
from plenary.documents import services as documents
from plenary.documents.cli import documents_cli, write_pdf
from plenary.extensions import db
from plenary.registration.models import Registration


@documents_cli.command("certificate")
@click.argument("registration_id", type=int)
@click.option("--output", "-o", required=True, help="The PDF file to write (- for standard output).")
def certificate_command(registration_id: int, output: str) -> None:
    """Write the certificate of attendance of registration REGISTRATION_ID (issued now if it has none)."""
    registration = db.session.get(Registration, registration_id)
    if registration is None:
        raise click.ClickException(f"There is no registration {registration_id}.")
    try:
        document = certificate_for(registration)
    except CertificateRefused as refused:
        db.session.rollback()
        why = REASONS[refused.reason]
        if refused.reason == "not_ended":
            plenary = registration.plenary
            ends = plenary.ends_at.astimezone(plenary.zone).strftime("%Y-%m-%d %H:%M")
            why = f"{why} (it ends {ends} {plenary.timezone})"
        raise click.ClickException(f"No certificate for registration {registration_id}: {why}.") from None
    db.session.commit()
    pdf = documents.render_document(document)
    if pdf is None:
        raise click.ClickException(f"The certificate of registration {registration_id} cannot be made any more.")
    write_pdf(output, pdf)
