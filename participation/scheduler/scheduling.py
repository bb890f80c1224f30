"""APScheduler wiring: sweeps on intervals and at deadlines, the lease kept warm, catch-up on taking it.

One SweepScheduler runs in `flask scheduler run` (production: its own
process) or, for `make run`, in a background thread of the development
server. Every scheduler started tends the lease every few seconds; only the
one holding it runs sweeps. On taking the lease (at start-up, or when the
previous holder died) it first runs every sweep once, which catches up on
whatever fell due while no scheduler was acting, then follows the schedule.

APScheduler's jobs only ask for a sweep and return; the sweeps run on lanes,
worker threads of their own: one for each deadline sweep (`Sweep.on_time`:
closing and publishing), so nothing slow holds a close back, and one shared by
the others in turn.

Jobs live in memory: after a restart the catch-up and the interval sweeps
cover everything, so nothing needs persisting.
"""
from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections.abc import Callable
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
ROUTINE_LANE = "routine"


def _brief(error: Exception | None) -> str:
    """An error's first line, for a log line that is not a traceback."""
    return str(error).strip().splitlines()[0] if error is not None and str(error).strip() else repr(error)


class _Lane:
    """A worker thread that runs the sweeps asked of it, one at a time, in the registry's order.

    Asking for a sweep that is already waiting adds nothing; asking for one under
    way runs it once more afterwards, since what fell due after it started may
    not be in its pass. The scheduler's jobs only ask, and return at once: none
    is ever still running when it comes round again.
    """

    def __init__(self, name: str, order: list[str], work: Callable[[str], None]):
        self.name = name
        self._order = {sweep: position for position, sweep in enumerate(order)}
        self._work = work
        self._changed = threading.Condition()
        self._wanted: set[str] = set()
        self._busy = False
        self._stopping = False
        self._thread = threading.Thread(target=self._serve, name=f"scheduler-{name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def ask(self, sweep: str) -> None:
        with self._changed:
            self._wanted.add(sweep)
            self._changed.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: not (self._wanted or self._busy) or self._stopping, timeout)

    def stop(self, *, wait: bool) -> None:
        """Start nothing more; with `wait`, let the sweep under way finish."""
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        if wait and self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join()

    def _serve(self) -> None:
        while True:
            with self._changed:
                self._busy = False
                self._changed.notify_all()
                self._changed.wait_for(lambda: self._wanted or self._stopping)
                if self._stopping:
                    return
                sweep = min(self._wanted, key=self._order.__getitem__)
                self._wanted.discard(sweep)
                self._busy = True
            try:
                self._work(sweep)
            except Exception:  # the runner logs a sweep's own failures; this is anything else
                log.exception("scheduler: sweep %s could not be run", sweep)


class SweepScheduler:
    def __init__(self, runner: SweepRunner):
        self.runner = runner
        self.holding = False
        self._holding_lock = threading.Lock()
        self._told_waiting = False
        self._stopped = False
        # The deadline sweeps each have a worker of their own; the others share one,
        # in the registry's order. The same sweep never runs twice at once (runner.run).
        order = [sweep.name for sweep in runner.sweeps]
        self.lanes: dict[str, _Lane] = {}
        self._lane_of: dict[str, _Lane] = {}
        for sweep in runner.sweeps:
            key = sweep.name if sweep.on_time else ROUTINE_LANE
            lane = self.lanes.get(key)
            if lane is None:
                lane = self.lanes[key] = _Lane(key, order, self.run_scheduled)
            self._lane_of[sweep.name] = lane
        self.scheduler = BackgroundScheduler(
            timezone=UTC,
            executors={
                # The jobs here are short (they ask a lane and return), so a worker is always free
                # for the lease; the catch-up runs every sweep in one go, on a worker of its own.
                "default": ThreadPoolExecutor(max_workers=2),
                "catch-up": ThreadPoolExecutor(max_workers=1),
            },
            # A run delayed by a suspended laptop still happens, once.
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )

    @classmethod
    def for_app(cls, app: Flask) -> SweepScheduler:
        return cls(SweepRunner.for_app(app))

    # -- lifecycle ---------------------------------------------------------

    def start(self, *, paused: bool = False) -> None:
        """Plan the jobs and start; `paused` (tests) starts no clock, but the lanes still run what is asked."""
        for sweep in self.runner.sweeps:
            self.scheduler.add_job(
                self.ask,
                IntervalTrigger(seconds=sweep.interval.total_seconds(), timezone=UTC),
                args=[sweep.name],
                id=f"sweep:{sweep.name}",
                name=f"sweep {sweep.name}",
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
        for lane in self.lanes.values():
            lane.start()
        self.scheduler.start(paused=paused)
        log.info(
            "scheduler started as %s with sweeps: %s",
            self.runner.lease.holder,
            ", ".join(f"{s.name} (every {s.interval}{', on time' if s.on_time else ''})" for s in self.runner.sweeps),
        )

    def shutdown(self, *, wait: bool = True) -> None:
        """Stop scheduling, let the sweeps under way finish (wait=True) and hand the lease back."""
        if self._stopped:
            return
        self._stopped = True
        if self.scheduler.running:
            self.scheduler.shutdown(wait=wait)
        for lane in self.lanes.values():
            lane.stop(wait=wait)
        with self._holding_lock:
            held, self.holding = self.holding, False
        if held:
            self.runner.release_lease()
        log.info("scheduler %s stopped%s", self.runner.lease.holder, ", lease released" if held else "")

    def lane_for(self, sweep: str) -> str:
        """The name of the worker that runs `sweep`: its own name for a deadline sweep."""
        return self._lane_of[sweep].name

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until no sweep is asked for or under way (tests, and a check before stopping)."""
        give_up = time.monotonic() + timeout
        return all(lane.wait_idle(max(0.0, give_up - time.monotonic())) for lane in self.lanes.values())

    # -- jobs --------------------------------------------------------------

    def tend_lease(self) -> bool:
        """Renew the lease, or take it if it lapsed; on taking it, catch up at once.

        Waiting for the lease is a standby's normal state, told once at INFO. A busy
        database is not losing the lease: the holder keeps it until it would run out.
        """
        # A standby tries once: the lease it looks for is normally someone else's.
        held = self.runner.renew_lease() if self.holding else self.runner.renew_lease(within=timedelta(0))
        lease = self.runner.lease
        if held is None:
            until = lease.confirmed_until
            held = self.holding and until is not None and self.runner.clock() < until
            if held:
                log.warning("scheduler %s could not renew the lease yet (%s); it holds it until %s",
                            lease.holder, _brief(self.runner.renewal_error), until.isoformat())
            else:
                log.debug("scheduler %s could not reach the lease (%s)", lease.holder, _brief(self.runner.renewal_error))
        with self._holding_lock:
            was, self.holding = self.holding, held
        if held and not was:
            self._told_waiting = False
            log.info("scheduler %s holds the lease: catching up on every sweep", lease.holder)
            self.scheduler.add_job(
                self.catch_up, id="catch-up", name="catch up on every sweep", executor="catch-up", replace_existing=True
            )
        elif was and not held:
            log.warning("scheduler %s lost the lease: another scheduler acts now", lease.holder)
        elif not held and not self._told_waiting:
            self._told_waiting = True
            log.info("scheduler %s waits: another scheduler holds the lease; it takes over if that one stops",
                     lease.holder)
        elif not held:
            log.debug("scheduler %s waits: the lease is held elsewhere", lease.holder)
        return held

    def catch_up(self) -> None:
        runs = self.runner.run_all()
        log.info("caught up: %s", "; ".join(f"{run.sweep} {run.summary()}" for run in runs) or "no sweeps")
        self.plan_deadlines()

    def ask(self, name: str) -> None:
        """An interval or deadline job: hand the sweep to its lane. A scheduler without the lease
        leaves the work to the holder (the runner checks the lease again inside the sweep)."""
        if self.holding:
            self._lane_of[name].ask(name)

    def run_scheduled(self, name: str) -> None:
        """Run one sweep now, if holding the lease (what a lane does with a sweep asked of it)."""
        if not self.holding:
            return
        run = self.runner.run(name)
        sweep = self.runner.sweep(name)
        if run.changed and sweep.on_time:
            # What it changed may be due at once for the deadline sweeps after it
            # (a round closed with its outcome published at the close).
            after = self.runner.sweeps[self.runner.sweeps.index(sweep) + 1:]
            for later in after:
                if later.on_time:
                    self.ask(later.name)
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
                        self.ask,
                        DateTrigger(run_date=deadline + AFTER_DEADLINE, timezone=UTC),
                        args=[sweep.name],
                        id=job_id,
                        name=f"sweep {sweep.name} after {deadline.isoformat()}",
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
