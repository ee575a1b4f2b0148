"""`flask users …`: accounts for the back office."""

import sys

import click
from flask.cli import AppGroup

from plenary.auth.forms import MIN_PASSWORD
from plenary.auth.models import Role
from plenary.auth.services import create_user
from plenary.extensions import db

users_cli = AppGroup("users", help="Back-office accounts.")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--name", default=None, help="The person's name.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (for scripts).")
def create_command(email: str, role: str, name: str | None, password_stdin: bool) -> None:
    """Create an account for EMAIL with ROLE (the password is prompted, or read from stdin)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < MIN_PASSWORD:
        raise click.ClickException(f"The password needs at least {MIN_PASSWORD} characters.")
    try:
        user = create_user(email, Role(role), password, name)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"Created {user.role} account {user.email}.")
