"""`flask i18n ...`: catalog maintenance for developers."""
from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from participation.core.i18n import update_catalogs

i18n_cli = AppGroup("i18n", help="Translation catalogs.")


@i18n_cli.command("update")
def update_command() -> None:
    """Extract messages into the catalogs; list what still needs a Korean translation."""
    root = Path(__file__).resolve().parents[2]
    pending = update_catalogs(root)
    for language, ids in pending.items():
        click.echo(f"{language}: {len(ids)} message(s) to translate")
        for message_id in ids:
            click.echo(f"  {message_id}")


def init_app(app: Flask) -> None:
    app.cli.add_command(i18n_cli)
