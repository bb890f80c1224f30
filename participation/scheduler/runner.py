"""Running sweeps: each in an app context of its own, under the lease, in one write transaction.

Nothing here knows about APScheduler; `flask scheduler once`, the tests and
the scheduled jobs all run sweeps through SweepRunner.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sized
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from participation.core.db import write_transaction
from participation.core.time import now as clock_now
from participation.extensions import db
from participation.scheduler.lease import Lease
from participation.scheduler.registry import Sweep

log = logging.getLogger("participation.scheduler")

# A renewal waits this long at a time for a lock (this process's other writers,
# another process's transaction), and gives up after RENEW_WITHIN: well inside
# the interval at which it is tried again.
RENEW_PATIENCE = timedelta(seconds=0.2)
RENEW_WITHIN = timedelta(seconds=5)


@event.listens_for(Session, "before_commit")
def _renew_as_the_sweep_commits(session):
    """A sweep's transaction that kept the lease locked renews it last, for as long again:
    its renewals meanwhile were not written, and must not all lapse at the commit."""
    renew = session.info.pop("renew_lease_on_commit", None)
    if renew is not None:
        renew()


@event.listens_for(Session, "after_transaction_end")
def _lease_lock_released(session, transaction):
    """A sweep's transaction that kept the lease locked has ended (committed, rolled back, or
    committed early by a service that commits step by step)."""
    if transaction.parent is None:
        session.info.pop("renew_lease_on_commit", None)
        for unguard in session.info.pop("lease_guards", ()):
            unguard()


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

    @property
    def changed(self) -> bool:
        """Whether the sweep did something (and may have made work for the sweeps after it)."""
        return self.error is None and self.ran and _did_something(self.result)

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
        self._sweep_locks = {name: threading.Lock() for name in names}
        self._guards = 0
        self._guards_lock = threading.Lock()
        self.renewal_error: Exception | None = None

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

    def renew_lease(self, *, within: timedelta = RENEW_WITHIN) -> bool | None:
        """Keep or take the lease without ever queuing behind this runner's own sweeps.

        While a sweep's transaction that claimed the lease is open, the lease is
        held: its row (PostgreSQL) or the whole database (SQLite) is locked by that
        transaction, which renews it again just before committing. Otherwise the
        renewal goes ahead of this process's other writers and waits for a lock
        only briefly at a time, looking again in between.

        True: held; False: another scheduler holds it; None: the database was busy
        or unreachable throughout `within` (see `renewal_error`).
        """
        give_up = time.monotonic() + within.total_seconds()
        while True:
            if self.guarding:
                return True
            try:
                with self.app.app_context():
                    return self.lease.acquire(self.clock(), patience=RENEW_PATIENCE.total_seconds())
            except OperationalError as error:  # busy (a lock waited for too long) or unreachable
                self.renewal_error = error
                if time.monotonic() >= give_up:
                    return None
            except Exception as error:
                log.exception("scheduler lease: could not renew it")
                self.renewal_error = error
                return None

    @property
    def guarding(self) -> bool:
        """True while a sweep's transaction holds the lease locked (see renew_lease)."""
        with self._guards_lock:
            return self._guards > 0

    def _guard(self, session) -> None:
        """The lease counts as held until this session's transaction ends, and is renewed as it commits."""
        with self._guards_lock:
            self._guards += 1
        session.info.setdefault("lease_guards", []).append(self._unguard)
        session.info["renew_lease_on_commit"] = lambda: self.lease.claim(self.clock())

    def _unguard(self) -> None:
        with self._guards_lock:
            self._guards -= 1

    def _sweep_write_began(self, session) -> None:
        """A write transaction of a sweep under way began (a step, or a batch of its own).

        On SQLite it holds the database's one write lock, so no other scheduler
        can take the lease until it commits: renewing meanwhile would only queue
        behind it. On PostgreSQL it does not touch the lease row, and renewal
        goes on beside it.
        """
        if session.get_bind().dialect.name == "sqlite":
            self._guard(session)

    def release_lease(self) -> None:
        try:
            with self.app.app_context():
                self.lease.release(self.clock())
        except Exception:
            log.exception("scheduler lease: could not release it (it expires by itself)")

    def run(self, sweep: Sweep | str, now: datetime | None = None) -> SweepRun:
        """Run one sweep if this runner holds the lease. Never raises an Exception: a failure is
        logged, its transaction rolled back, and reported in the SweepRun.

        One run of a sweep at a time: a second caller (a deadline job while the
        catch-up runs it) waits for the first and then runs it again.
        """
        if isinstance(sweep, str):
            sweep = self.sweep(sweep)
        with self._sweep_locks[sweep.name]:
            return self._run(sweep, now)

    def _run(self, sweep: Sweep, now: datetime | None) -> SweepRun:
        started = time.monotonic()
        result = None
        try:
            with self.app.app_context():
                session = db.session()
                try:
                    if sweep.own_transactions:
                        with write_transaction():
                            claimed = self.lease.claim(self.clock())
                        if not claimed:
                            log.debug("sweep %s skipped: the lease is held elsewhere", sweep.name)
                            return SweepRun(sweep.name, ran=False)
                        session.info["on_write_transaction"] = self._sweep_write_began
                        result = sweep.function(now or self.clock())
                    else:
                        with write_transaction():
                            # Claimed inside the sweep's own transaction: the lease cannot
                            # pass to another scheduler until this sweep has committed.
                            if not self.lease.claim(self.clock()):
                                log.debug("sweep %s skipped: the lease is held elsewhere", sweep.name)
                                return SweepRun(sweep.name, ran=False)
                            self._guard(session)
                            session.info["on_write_transaction"] = self._sweep_write_began
                            result = sweep.function(now or self.clock())
                finally:
                    session.info.pop("on_write_transaction", None)
        except Exception as error:  # one failing sweep must not stop the others or the scheduler
            log.exception("sweep %s failed and was rolled back", sweep.name)
            # The rollback may have undone the lease's renewal as well.
            self.renew_lease()
            return SweepRun(sweep.name, ran=True, error=error)
        run = SweepRun(sweep.name, ran=True, result=result)
        level = logging.INFO if run.changed else logging.DEBUG
        log.log(level, "sweep %s %s (%.2f s)", sweep.name, run.summary(), time.monotonic() - started)
        return run

    def run_all(self, now: datetime | None = None) -> list[SweepRun]:
        """Every sweep once, in the registry's order (closing before publishing): the catch-up
        after start-up or downtime, and `flask scheduler once`."""
        return [self.run(sweep, now) for sweep in self.sweeps]
