"""APScheduler wiring: sweeps on intervals and at deadlines, the lease kept warm, catch-up on taking it.

One SweepScheduler runs in `flask scheduler run` (production: its own
process) or, for `make run`, in a background thread of the development
server. Every scheduler started tends the lease every few seconds; only the
one holding it runs sweeps. On taking the lease (at start-up, or when the
previous holder died) it first runs every sweep once, which catches up on
whatever fell due while no scheduler was acting, then follows the schedule.

Jobs live in memory: after a restart the catch-up and the interval sweeps
cover everything, so nothing needs persisting.
"""
from __future__ import annotations

import atexit
import logging
import os
import threading
from datetime import UTC, datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import ConflictingIdError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from participation.core.time import as_utc
from participation.scheduler.registry import Sweep
from participation.scheduler.runner import SweepRunner, log

LEASE_RENEW_EVERY = timedelta(seconds=10)
PLAN_DEADLINES_EVERY = timedelta(minutes=1)
# Deadlines this far ahead get a date trigger; the next planning pass sees later ones.
DEADLINE_HORIZON = timedelta(minutes=10)
# A sweep runs this long after a deadline, so `now` is safely past it on every clock.
AFTER_DEADLINE = timedelta(seconds=1)


class SweepScheduler:
    def __init__(self, runner: SweepRunner):
        self.runner = runner
        self.holding = False
        self._holding_lock = threading.Lock()
        self._stopped = False
        self.scheduler = BackgroundScheduler(
            timezone=UTC,
            executors={
                # One sweep at a time: they queue for the same lease row (PostgreSQL)
                # or database write lock (SQLite) anyway.
                "sweeps": ThreadPoolExecutor(max_workers=1),
                "default": ThreadPoolExecutor(max_workers=2),
            },
            # A run delayed by a busy pool or a suspended laptop still happens, once.
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )

    @classmethod
    def for_app(cls, app: Flask) -> SweepScheduler:
        return cls(SweepRunner.for_app(app))

    # -- lifecycle ---------------------------------------------------------

    def start(self, *, paused: bool = False) -> None:
        for sweep in self.runner.sweeps:
            self.scheduler.add_job(
                self.run_scheduled,
                IntervalTrigger(seconds=sweep.interval.total_seconds(), timezone=UTC),
                args=[sweep.name],
                id=f"sweep:{sweep.name}",
                name=f"sweep {sweep.name}",
                executor="sweeps",
            )
        self.scheduler.add_job(
            self.tend_lease,
            IntervalTrigger(seconds=LEASE_RENEW_EVERY.total_seconds(), timezone=UTC),
            id="lease",
            name="tend the scheduler lease",
            next_run_time=datetime.now(UTC),
        )
        self.scheduler.add_job(
            self.plan_deadlines_if_holding,
            IntervalTrigger(seconds=PLAN_DEADLINES_EVERY.total_seconds(), timezone=UTC),
            id="plan-deadlines",
            name="plan deadline sweeps",
        )
        self.scheduler.start(paused=paused)
        log.info(
            "scheduler started as %s with sweeps: %s",
            self.runner.lease.holder,
            ", ".join(f"{s.name} (every {s.interval})" for s in self.runner.sweeps),
        )

    def shutdown(self, *, wait: bool = True) -> None:
        """Stop scheduling, let a running sweep finish (wait=True) and hand the lease back."""
        if self._stopped:
            return
        self._stopped = True
        if self.scheduler.running:
            self.scheduler.shutdown(wait=wait)
        with self._holding_lock:
            held, self.holding = self.holding, False
        if held:
            self.runner.release_lease()
        log.info("scheduler %s stopped%s", self.runner.lease.holder, ", lease released" if held else "")

    # -- jobs --------------------------------------------------------------

    def tend_lease(self) -> bool:
        """Renew the lease, or take it if it lapsed; on taking it, catch up at once."""
        held = self.runner.acquire_lease()
        with self._holding_lock:
            was, self.holding = self.holding, held
        if held and not was:
            log.info("scheduler %s holds the lease: catching up on every sweep", self.runner.lease.holder)
            self.scheduler.add_job(
                self.catch_up, id="catch-up", name="catch up on every sweep", executor="sweeps", replace_existing=True
            )
        elif was and not held:
            log.warning("scheduler %s lost the lease: another scheduler acts now", self.runner.lease.holder)
        elif not held:
            log.debug("scheduler %s waits: the lease is held elsewhere", self.runner.lease.holder)
        return held

    def catch_up(self) -> None:
        runs = self.runner.run_all()
        log.info("caught up: %s", "; ".join(f"{run.sweep} {run.summary()}" for run in runs) or "no sweeps")
        self.plan_deadlines()

    def run_scheduled(self, name: str) -> None:
        """An interval or deadline job. A scheduler without the lease leaves the work to the holder
        (the runner checks the lease again inside the sweep's transaction)."""
        if not self.holding:
            return
        self.runner.run(name)
        # A sweep may have made new deadlines (a closed round's publication time).
        self.plan_deadlines()

    def plan_deadlines_if_holding(self) -> None:
        if self.holding:
            self.plan_deadlines()

    def plan_deadlines(self, now: datetime | None = None) -> list[str]:
        """Add a date trigger just after each deadline in the next DEADLINE_HORIZON; returns the new job ids.

        A job's id names the sweep and the deadline, so asking again adds nothing twice.
        """
        now = now or self.runner.clock()
        added = []
        for sweep in self.runner.sweeps:
            if sweep.deadlines is None:
                continue
            for deadline in self._upcoming(sweep, now):
                job_id = f"deadline:{sweep.name}:{deadline.isoformat()}"
                if self.scheduler.get_job(job_id) is not None:
                    continue
                try:
                    self.scheduler.add_job(
                        self.run_scheduled,
                        DateTrigger(run_date=deadline + AFTER_DEADLINE, timezone=UTC),
                        args=[sweep.name],
                        id=job_id,
                        name=f"sweep {sweep.name} after {deadline.isoformat()}",
                        executor="sweeps",
                    )
                except ConflictingIdError:  # planned meanwhile by the other planning path
                    continue
                added.append(job_id)
                log.debug("sweep %s will run just after %s", sweep.name, deadline.isoformat())
        return added

    def _upcoming(self, sweep: Sweep, now: datetime) -> list[datetime]:
        try:
            with self.runner.app.app_context():
                found = [as_utc(deadline) for deadline in sweep.deadlines(now, DEADLINE_HORIZON)]
        except Exception:
            log.exception("sweep %s: could not list its deadlines", sweep.name)
            return []
        # Past deadlines are the interval sweep's (and catch-up's) business; later ones, the next pass's.
        return sorted({d for d in found if now < d <= now + DEADLINE_HORIZON})


# -- the development server's scheduler ------------------------------------


def should_run_in_process(app: Flask) -> bool:
    """True only in the process `flask run` serves from, and only when SCHEDULER_IN_PROCESS asks for it.

    Never in tests, in other `flask` commands, or under gunicorn (whose every
    worker would start one); with the reloader, only in the child that serves
    (WERKZEUG_RUN_MAIN), not in the parent that watches files.
    """
    if not app.config.get("SCHEDULER_IN_PROCESS") or app.testing:
        return False
    import click
    from flask.cli import get_debug_flag, run_command

    ctx = click.get_current_context(silent=True)
    if ctx is None or ctx.command is not run_command:
        return False
    reload = ctx.params.get("reload")
    if reload is None:
        reload = get_debug_flag()
    return not reload or os.environ.get("WERKZEUG_RUN_MAIN") == "true"


def start_in_process(app: Flask) -> SweepScheduler:
    """Start the scheduler in a background thread of this process, once per app."""
    existing = app.extensions.get("scheduler")
    if existing is not None:
        return existing
    configure_logging()
    service = SweepScheduler.for_app(app)
    app.extensions["scheduler"] = service
    service.start()
    # Daemon threads die with the server; hand the lease back on the way out.
    atexit.register(service.shutdown, wait=False)
    return service


def init_app(app: Flask) -> None:
    if should_run_in_process(app):
        start_in_process(app)


def configure_logging() -> None:
    """Show the scheduler's INFO lines when nothing else configured logging (dev server, CLI)."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    quiet = logging.getLogger("apscheduler")
    if quiet.level == logging.NOTSET:  # it logs every job run at INFO
        quiet.setLevel(logging.WARNING)
