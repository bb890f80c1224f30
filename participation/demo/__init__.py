"""`flask demo seed`: loads the demo city (see `participation.demo.city`) into an empty database
and prints the demo accounts. Each part of the city is a module of this package."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from participation.accounts.models import User
from participation.demo.city import seed
from participation.extensions import db

demo_cli = AppGroup("demo", help="Demo data for trying the platform.")


def database_is_empty() -> bool:
    return db.session.scalar(select(func.count()).select_from(User)) == 0


@demo_cli.command("seed")
@click.option("--if-empty", is_flag=True, help="Do nothing (and succeed) when the database already has accounts.")
def seed_command(if_empty: bool) -> None:
    """Load the demo city and print the demo accounts."""
    if not current_app.config.get("DEMO_ALLOWED"):
        raise click.ClickException("Demo data is not allowed in this configuration.")
    if not database_is_empty():
        if if_empty:
            click.echo("Database already has data; demo seed skipped.")
            return
        raise click.ClickException("The database already has accounts; demo data is only loaded into an empty database.")
    seeded = seed()
    db.session.commit()
    click.echo("Demo data loaded. Demo accounts (email / password / roles):")
    for email, password, roles in seeded.accounts:
        click.echo(f"  {email:<28} {password:<22} {roles}")
    receipt = seeded.civil_requests
    click.echo(f"{receipt.requests} civil requests (민원). Counter receipt: tracking number {receipt.counter_tracking_number}, "
               f"phone {receipt.counter_phone} (follow it at /requests/track).")


def init_app(app: Flask) -> None:
    app.cli.add_command(demo_cli)
