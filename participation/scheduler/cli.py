"""`flask scheduler ...`: the scheduler as a process of its own, one pass for cron, and its state."""
from __future__ import annotations

import signal
import threading

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from participation.core.time import as_utc, now
from participation.scheduler.lease import current_lease
from participation.scheduler.runner import SweepRunner
from participation.scheduler.scheduling import DEADLINE_HORIZON, SweepScheduler, configure_logging

scheduler_cli = AppGroup("scheduler", help="The sweeps that close, publish and tidy up on time.")


@scheduler_cli.command("run")
def run_command() -> None:
    """Run the sweeps on their schedule until SIGTERM or SIGINT.

    Start one per site, beside the web servers, never inside each of them. A
    second one started anyway waits harmlessly and takes over if the first stops.
    """
    configure_logging()
    service = SweepScheduler.for_app(current_app._get_current_object())
    stop = threading.Event()

    def request_stop(signum, frame):
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, request_stop)
    service.start()
    try:
        while not stop.wait(1.0):
            pass
    finally:
        service.shutdown(wait=True)


@scheduler_cli.command("once")
def once_command() -> None:
    """Run every sweep once now, unless another scheduler holds the lease (for cron and checks)."""
    runner = SweepRunner.for_app(current_app._get_current_object())
    if not runner.acquire_lease():
        click.echo(f"Another scheduler holds the lease ({_describe_lease()}); nothing was run.")
        return
    try:
        runs = runner.run_all()
    finally:
        runner.release_lease()
    for run in runs:
        click.echo(f"{run.sweep}: {run.summary()}")
    if any(run.failed for run in runs):
        raise click.exceptions.Exit(1)


@scheduler_cli.command("status")
def status_command() -> None:
    """Who holds the lease, and what each sweep runs on."""
    click.echo(f"Lease: {_describe_lease()}")
    runner = SweepRunner.for_app(current_app._get_current_object())
    moment = now()
    for sweep in runner.sweeps:
        click.echo(f"{sweep.name}: every {sweep.interval}")
        if sweep.deadlines is None:
            continue
        try:
            found = sweep.deadlines(moment, DEADLINE_HORIZON)
        except Exception as error:
            click.echo(f"  deadlines unavailable: {error!r}")
            continue
        for deadline in sorted(d for d in map(as_utc, found) if moment < d <= moment + DEADLINE_HORIZON):
            click.echo(f"  deadline {deadline.isoformat()}")


def _describe_lease() -> str:
    lease = current_lease()
    if lease is None:
        return "never taken"
    if lease.is_live(now()):
        return f"held by {lease.holder} until {lease.expires_at.isoformat()} (since {lease.acquired_at.isoformat()})"
    return f"free (last held by {lease.holder}, until {lease.expires_at.isoformat()})"


def init_app(app: Flask) -> None:
    app.cli.add_command(scheduler_cli)
