"""`flask users ...`: account tasks for operators."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from participation.accounts import services
from participation.accounts.forms import PASSWORD_MESSAGES
from participation.accounts.passwords import password_problem
from participation.core.errors import ServiceError
from participation.core.time import now
from participation.extensions import db

users_cli = AppGroup("users", help="Manage accounts.")


@users_cli.command("create-admin")
@click.option("--email", prompt=True, help="The administrator's email address.")
@click.option("--name", "display_name", prompt="Display name", help="Shown next to their actions.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    envvar="GONGRON_ADMIN_PASSWORD",
    help="Prompted for when not given (or set GONGRON_ADMIN_PASSWORD).",
)
def create_admin_command(email: str, display_name: str, password: str) -> None:
    """Create an administrator account (the first admin of a new site)."""
    problem = password_problem(password, email, display_name)
    if problem:
        raise click.ClickException(str(PASSWORD_MESSAGES[problem]))
    try:
        user = services.create_admin(email=email, display_name=display_name, password=password, now=now())
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.message)) from exc
    db.session.commit()
    click.echo(f"Created administrator {user.email} (id {user.id}).")


def init_app(app: Flask) -> None:
    app.cli.add_command(users_cli)
