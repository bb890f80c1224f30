"""Shared by the scheduler tests: running a sweep set against the test database, and racing threads."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from participation.extensions import db
from participation.scheduler.lease import Lease
from participation.scheduler.registry import Sweep
from participation.scheduler.runner import SweepRunner


def make_runner(app, sweeps: list[Sweep], holder: str = "test-scheduler") -> SweepRunner:
    return SweepRunner(app, sweeps, lease=Lease(holder=holder))


def run_in_parallel(app, tasks):
    """Each task on its own thread, app context and connection, all released at once."""
    barrier = threading.Barrier(len(tasks))

    def run(task):
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                return task()
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=len(tasks)) as pool:
        return list(pool.map(run, tasks))
