"""Running sweeps: each in an app context of its own, under the lease, in one write transaction.

Nothing here knows about APScheduler; `flask scheduler once`, the tests and
the scheduled jobs all run sweeps through SweepRunner.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sized
from dataclasses import dataclass
from datetime import datetime

from flask import Flask

from participation.core.db import write_transaction
from participation.core.time import now as clock_now
from participation.scheduler.lease import Lease
from participation.scheduler.registry import Sweep

log = logging.getLogger("participation.scheduler")


@dataclass(frozen=True)
class SweepRun:
    """What one run of a sweep came to: ran (and returned `result`), skipped (no lease), or failed."""

    sweep: str
    ran: bool
    result: object = None
    error: Exception | None = None

    @property
    def failed(self) -> bool:
        return self.error is not None

    def summary(self) -> str:
        if self.error is not None:
            return f"failed: {self.error!r}"
        if not self.ran:
            return "skipped: another scheduler holds the lease"
        return f"done: {describe(self.result)}"


def describe(result: object) -> str:
    """A short account of what a service returned, for the log."""
    if result is None:
        return "ok"
    if isinstance(result, bool):
        return "changed" if result else "nothing to do"
    if isinstance(result, int):
        return f"{result} changed" if result else "nothing to do"
    if isinstance(result, Mapping):  # counts by kind: {"due_soon": 1, "overdue": 0}
        if not any(result.values()):
            return "nothing to do"
        return ", ".join(f"{key} {value}" for key, value in result.items())
    if isinstance(result, Sized) and not isinstance(result, str):
        return f"{len(result)} changed" if len(result) else "nothing to do"
    return str(result)


def _did_something(result: object) -> bool:
    if isinstance(result, Mapping):
        return any(result.values())
    if isinstance(result, Sized) and not isinstance(result, str):
        return len(result) > 0
    return bool(result) if isinstance(result, int) else result is not None


class SweepRunner:
    """Runs sweeps for one app as one lease holder.

    `clock` gives the real time used for the lease; a sweep's own `now` may be
    passed in (tests, catch-up at a chosen moment) and defaults to the clock.
    """

    def __init__(
        self,
        app: Flask,
        sweeps: Iterable[Sweep],
        *,
        lease: Lease | None = None,
        clock: Callable[[], datetime] = clock_now,
    ):
        self.app = app
        self.sweeps = list(sweeps)
        names = [sweep.name for sweep in self.sweeps]
        if len(set(names)) != len(names):
            raise ValueError(f"sweep names must be unique: {names}")
        self.lease = lease or Lease()
        self.clock = clock

    @classmethod
    def for_app(cls, app: Flask, **kwargs) -> SweepRunner:
        """A runner for the site's own sweeps (sweeps.SWEEPS)."""
        from participation.scheduler.sweeps import SWEEPS

        return cls(app, SWEEPS, **kwargs)

    def sweep(self, name: str) -> Sweep:
        for sweep in self.sweeps:
            if sweep.name == name:
                return sweep
        raise KeyError(name)

    def acquire_lease(self) -> bool:
        """Take or renew the lease in a transaction of its own; False (logged) when the database fails."""
        try:
            with self.app.app_context():
                return self.lease.acquire(self.clock())
        except Exception:
            log.exception("scheduler lease: could not reach the database")
            return False

    def release_lease(self) -> None:
        try:
            with self.app.app_context():
                self.lease.release(self.clock())
        except Exception:
            log.exception("scheduler lease: could not release it (it expires by itself)")

    def run(self, sweep: Sweep | str, now: datetime | None = None) -> SweepRun:
        """Run one sweep if this runner holds the lease. Never raises an Exception: a failure is
        logged, its transaction rolled back, and reported in the SweepRun."""
        if isinstance(sweep, str):
            sweep = self.sweep(sweep)
        started = time.monotonic()
        result = None
        try:
            with self.app.app_context():
                if sweep.own_transactions:
                    with write_transaction():
                        claimed = self.lease.claim(self.clock())
                    if not claimed:
                        log.debug("sweep %s skipped: the lease is held elsewhere", sweep.name)
                        return SweepRun(sweep.name, ran=False)
                    result = sweep.function(now or self.clock())
                else:
                    with write_transaction():
                        # Claimed inside the sweep's own transaction: the lease cannot
                        # pass to another scheduler until this sweep has committed.
                        if not self.lease.claim(self.clock()):
                            log.debug("sweep %s skipped: the lease is held elsewhere", sweep.name)
                            return SweepRun(sweep.name, ran=False)
                        result = sweep.function(now or self.clock())
        except Exception as error:  # one failing sweep must not stop the others or the scheduler
            log.exception("sweep %s failed and was rolled back", sweep.name)
            return SweepRun(sweep.name, ran=True, error=error)
        run = SweepRun(sweep.name, ran=True, result=result)
        level = logging.INFO if _did_something(result) else logging.DEBUG
        log.log(level, "sweep %s %s (%.2f s)", sweep.name, run.summary(), time.monotonic() - started)
        return run

    def run_all(self, now: datetime | None = None) -> list[SweepRun]:
        """Every sweep once, in the registry's order (closing before publishing): the catch-up
        after start-up or downtime, and `flask scheduler once`."""
        return [self.run(sweep, now) for sweep in self.sweeps]
