"""``flask documents …``: each command writes one PDF (for organizers who script, and for tests).

The document packages add their commands to ``documents_cli`` (badges, name plates, visa letters, certificates).
"""

from pathlib import Path

import click
from flask.cli import AppGroup

documents_cli = AppGroup("documents", help="Write documents (badges, name plates, letters, certificates) as PDF.")


def write_pdf(output: str, pdf: bytes) -> None:
    """Write ``pdf`` to ``output`` (- for standard output) and say where it went."""
    if output == "-":
        click.get_binary_stream("stdout").write(pdf)
        return
    path = Path(output)
    try:
        path.write_bytes(pdf)
    except OSError as exc:
        raise click.ClickException(f"{output}: cannot write the file ({exc.strerror})") from None
    click.echo(f"{output}: {len(pdf):,} bytes", err=True)
