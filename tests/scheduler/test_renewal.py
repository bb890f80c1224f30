"""The holder keeps its lease through its own long sweeps, and a standby waits quietly.

Renewing must never queue behind the work the lease guards: the sweep's transaction
holds SQLite's one write lock (and this process's writer gate) or the lease row
(PostgreSQL), and a renewal waiting for them let the lease lapse mid-sweep.
"""
from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from participation.accounts.models import Department
from participation.core.db import write_transaction
from participation.extensions import db
from participation.scheduler.lease import LEASE_TTL, Lease, current_lease
from participation.scheduler.registry import Sweep
from participation.scheduler.runner import SweepRunner
from participation.scheduler.scheduling import SweepScheduler
from tests.factories import make_department

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
PAST_THE_LEASE = LEASE_TTL + timedelta(seconds=10)


class Clock:
    """The time the schedulers see, moved on by the test."""

    def __init__(self, at: datetime):
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def scheduler(app, sweeps, holder: str, clock: Clock) -> SweepScheduler:
    """Not started: the test calls the jobs itself."""
    return SweepScheduler(SweepRunner(app, sweeps, lease=Lease(holder=holder), clock=clock))


def in_thread(app, task) -> tuple[threading.Thread, list]:
    results = []

    def run():
        with app.app_context():
            try:
                results.append(task())
            finally:
                db.session.remove()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, results


def tend_while(app, service, timeout: float = 15.0) -> list:
    """The lease job, run beside the sweep; what it answered within `timeout`, if anything."""
    thread, results = in_thread(app, service.tend_lease)
    thread.join(timeout=timeout)
    return results


def lease_expiry() -> datetime:
    db.session.commit()  # a fresh look
    return current_lease().expires_at


def rename_department(department_id: int, name: str) -> None:
    db.session.execute(update(Department).where(Department.id == department_id).values(name_ko=name))


def no_errors(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


def test_the_holder_keeps_its_lease_through_a_sweep_longer_than_the_lease(app, app_ctx, caplog):
    """The sweep's one transaction holds the write lock (SQLite) or the lease row (PostgreSQL)
    for longer than the lease lasts; the holder's renewal meanwhile must not wait for it."""
    clock = Clock(T0)
    inside, finish = threading.Event(), threading.Event()

    def long_sweep(at):
        inside.set()
        assert finish.wait(timeout=60)

    service = scheduler(app, [Sweep("long", long_sweep, HOUR)], "host:1:a", clock)
    assert service.tend_lease()
    sweeping, runs = in_thread(app, lambda: service.runner.run("long"))
    assert inside.wait(timeout=30)
    clock.at = T0 + PAST_THE_LEASE
    with caplog.at_level(logging.DEBUG, logger="participation.scheduler"):
        answered = tend_while(app, service)
        still_sweeping = not finish.is_set() and sweeping.is_alive()
        finish.set()
        sweeping.join(timeout=30)
    assert answered == [True] and still_sweeping  # renewed while the sweep went on, not after it
    assert runs[0].ran and not runs[0].failed
    # The sweep renewed the lease as it committed: it did not lapse behind the holder's back.
    assert lease_expiry() == T0 + PAST_THE_LEASE + LEASE_TTL
    assert not Lease(holder="host:2:b").acquire(T0 + PAST_THE_LEASE + timedelta(seconds=5))
    assert "lost the lease" not in caplog.text
    assert no_errors(caplog) == []


def test_renewal_gets_in_between_the_steps_of_a_sweep_that_commits_step_by_step(app, app_ctx, caplog):
    """A service committing a round at a time (write_transaction blocks inside the runner's) let
    the renewal wait for all its steps on SQLite: the writer gate stayed with the outer block."""
    department = make_department()
    clock = Clock(T0)
    between, finish = threading.Event(), threading.Event()

    def two_steps(at):
        with write_transaction():
            rename_department(department.id, "첫 단계")
        between.set()
        assert finish.wait(timeout=60)
        with write_transaction():
            rename_department(department.id, "둘째 단계")
        return 2

    service = scheduler(app, [Sweep("steps", two_steps, HOUR)], "host:1:a", clock)
    assert service.tend_lease()
    sweeping, runs = in_thread(app, lambda: service.runner.run("steps"))
    assert between.wait(timeout=30)
    clock.at = T0 + timedelta(seconds=20)
    with caplog.at_level(logging.WARNING, logger="participation.scheduler"):
        answered = tend_while(app, service)
        still_sweeping = not finish.is_set() and sweeping.is_alive()
        expiry = lease_expiry()  # written by the renewal itself: no transaction holds the lease now
        finish.set()
        sweeping.join(timeout=30)
    assert answered == [True] and still_sweeping
    assert expiry == T0 + timedelta(seconds=20) + LEASE_TTL
    assert runs[0].result == 2 and not runs[0].failed
    assert no_errors(caplog) == []


def test_a_batch_of_a_sweep_with_its_own_transactions_does_not_hold_up_renewal(app, app_ctx, caplog):
    """As the outbox and the batched closes do: the runner's transaction is long over, but one of
    the sweep's own transactions keeps the write lock for a while."""
    department = make_department()
    clock = Clock(T0)
    inside, finish = threading.Event(), threading.Event()

    def long_batch(at):
        with write_transaction():
            rename_department(department.id, "일괄 처리")
            inside.set()
            assert finish.wait(timeout=60)
        return 1

    service = scheduler(app, [Sweep("batches", long_batch, HOUR, own_transactions=True)], "host:1:a", clock)
    assert service.tend_lease()
    sweeping, runs = in_thread(app, lambda: service.runner.run("batches"))
    assert inside.wait(timeout=30)
    clock.at = T0 + PAST_THE_LEASE
    with caplog.at_level(logging.WARNING, logger="participation.scheduler"):
        answered = tend_while(app, service)
        still_sweeping = not finish.is_set() and sweeping.is_alive()
        finish.set()
        sweeping.join(timeout=30)
    assert answered == [True] and still_sweeping
    assert runs[0].result == 1
    assert lease_expiry() == T0 + PAST_THE_LEASE + LEASE_TTL
    assert no_errors(caplog) == []


def test_a_standby_waits_quietly_while_the_holder_sweeps(app, app_ctx, caplog):
    """It used to wait for the holder's write lock (or lease row), then log a traceback,
    every time it looked."""
    clock = Clock(T0)
    inside, finish = threading.Event(), threading.Event()

    def long_sweep(at):
        inside.set()
        assert finish.wait(timeout=60)

    sweeps = [Sweep("long", long_sweep, HOUR)]
    holder, standby = scheduler(app, sweeps, "host:1:a", clock), scheduler(app, sweeps, "host:2:b", clock)
    with caplog.at_level(logging.DEBUG, logger="participation.scheduler"):
        assert holder.tend_lease()
        assert [standby.tend_lease() for _ in range(3)] == [False] * 3  # the lease is plainly live
        sweeping, _ = in_thread(app, lambda: holder.runner.run("long"))
        assert inside.wait(timeout=30)
        # As stored, the lease now looks lapsed (the holder's sweep renews it as it commits),
        # so the standby tries for it and finds the database busy.
        clock.at = T0 + PAST_THE_LEASE
        answers = [tend_while(app, standby) for _ in range(2)]
        still_sweeping = not finish.is_set() and sweeping.is_alive()
        finish.set()
        sweeping.join(timeout=30)
        assert standby.tend_lease() is False  # the holder renewed as it committed
    assert answers == [[False], [False]] and still_sweeping
    assert no_errors(caplog) == []
    waiting = [r for r in caplog.records if "host:2:b" in r.getMessage() and r.levelno >= logging.INFO]
    assert [r.levelno for r in waiting] == [logging.INFO]  # told once, plainly
    assert "waits" in waiting[0].getMessage()


def test_a_sweep_that_fails_after_a_long_transaction_leaves_the_lease_renewed(app, app_ctx):
    """Its rollback also undid the renewal it was to make as it committed."""
    clock = Clock(T0)

    def fails_late(at):
        clock.at = T0 + PAST_THE_LEASE
        raise RuntimeError("the service broke")

    service = scheduler(app, [Sweep("fails", fails_late, HOUR)], "host:1:a", clock)
    assert service.tend_lease()
    assert service.runner.run("fails").failed
    assert lease_expiry() == T0 + PAST_THE_LEASE + LEASE_TTL
