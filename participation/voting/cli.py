"""`flask votes ...`: checking the vote counters against the votes."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from participation.core.db import write_transaction
from participation.core.time import now
from participation.voting.services import find_vote_drift, repair_vote_drift

votes_cli = AppGroup("votes", help="Votes and their counters.")


@votes_cli.command("reconcile")
@click.option("--round", "round_id", type=int, default=None, help="Only this round's ideas.")
def reconcile_command(round_id: int | None) -> None:
    """Recount every idea's votes from the rows; repair and list any counter that drifted."""
    # Measured outside the write lock (a full count takes a while); corrected inside it by difference.
    drifts = find_vote_drift(round_id)
    with write_transaction():
        repair_vote_drift(drifts, now())
    for drift in drifts:
        click.echo(f"idea {drift.idea_id}: counter {drift.cached}, votes {drift.counted} (repaired)")
    click.echo(f"{len(drifts)} counter(s) repaired." if drifts else "Every counter matches its votes.")


def init_app(app: Flask) -> None:
    app.cli.add_command(votes_cli)
