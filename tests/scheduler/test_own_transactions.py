"""A sweep that does slow work between its own short transactions (the email outbox) runs with
no transaction around it: other writers are never held up while it waits on the network."""
from __future__ import annotations

import threading
from datetime import timedelta

from participation.core.db import write_transaction
from participation.core.time import now
from participation.extensions import db
from participation.scheduler.registry import Sweep
from tests.factories import make_department
from tests.scheduler.helpers import make_runner


def _other_writer_waits(app) -> float:
    """Seconds another thread waits to write while the sweep is under way."""
    import time

    waited = []

    def write():
        with app.app_context():
            started = time.monotonic()
            with write_transaction():
                make_department_row()
            waited.append(time.monotonic() - started)
            db.session.remove()

    thread = threading.Thread(target=write)
    thread.start()
    thread.join(timeout=10)
    return waited[0] if waited else 10.0


def make_department_row():
    from participation.accounts.models import Department

    db.session.add(Department(name_ko=f"부서{threading.get_ident()}", created_at=now()))


def test_a_sweep_with_its_own_transactions_holds_no_lock_while_it_works(app, app_ctx):
    make_department()
    seen = {}

    def slow(moment):
        seen["in_transaction"] = bool(db.session().info.get("write_transaction"))
        seen["waited"] = _other_writer_waits(app)
        return 0

    runner = make_runner(app, [Sweep("slow", slow, interval=timedelta(minutes=1), own_transactions=True)])
    run = runner.run("slow")
    assert run.ran and run.error is None
    assert not seen["in_transaction"]
    assert seen["waited"] < 2  # written at once, not after the sweep


def test_an_ordinary_sweep_still_runs_inside_one_write_transaction(app, app_ctx):
    seen = {}

    def ordinary(moment):
        seen["in_transaction"] = bool(db.session().info.get("write_transaction"))
        return 0

    runner = make_runner(app, [Sweep("ordinary", ordinary, interval=timedelta(minutes=1))])
    assert runner.run("ordinary").ran
    assert seen["in_transaction"]
