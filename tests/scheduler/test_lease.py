"""The scheduler lease: one holder at a time, taken over when it lapses, handed back on release."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

from participation.extensions import db
from participation.scheduler.lease import LEASE_TTL, Lease, current_lease
from tests.scheduler.helpers import run_in_parallel

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


def holder_now():
    db.session.commit()  # end the test's read transaction, which may predate the change
    lease = current_lease()
    return lease.holder if lease and lease.is_live(T0) else None


def test_of_two_schedulers_racing_to_create_the_lease_only_one_gets_it(app, app_ctx):
    a, b = Lease(holder="host:1:a"), Lease(holder="host:2:b")
    results = run_in_parallel(app, [lambda: a.acquire(T0), lambda: b.acquire(T0)])
    assert sorted(results) == [False, True]
    assert holder_now() == ("host:1:a" if results[0] else "host:2:b")


def test_of_two_schedulers_racing_for_a_lapsed_lease_only_one_gets_it(app, app_ctx):
    assert Lease(holder="host:0:gone").acquire(T0 - LEASE_TTL - timedelta(seconds=1))
    a, b = Lease(holder="host:1:a"), Lease(holder="host:2:b")
    results = run_in_parallel(app, [lambda: a.acquire(T0), lambda: b.acquire(T0)])
    assert sorted(results) == [False, True]
    assert holder_now() == ("host:1:a" if results[0] else "host:2:b")


def test_the_holder_renews_and_others_wait_until_it_lapses(app_ctx):
    holder, other = Lease(holder="host:1:a"), Lease(holder="host:2:b")
    assert holder.acquire(T0)
    assert holder.acquire(T0 + timedelta(seconds=20))  # renewed: now runs to T0 + 50 s
    assert not other.acquire(T0 + timedelta(seconds=40))
    lease = current_lease()
    assert (lease.holder, lease.acquired_at, lease.expires_at) == ("host:1:a", T0, T0 + timedelta(seconds=50))
    assert other.acquire(T0 + timedelta(seconds=50))  # lapsed: a waiting scheduler takes over
    assert not holder.acquire(T0 + timedelta(seconds=55))
    lease = current_lease()
    assert (lease.holder, lease.acquired_at) == ("host:2:b", T0 + timedelta(seconds=50))


def test_a_released_lease_can_be_taken_at_once(app_ctx):
    holder, other = Lease(holder="host:1:a"), Lease(holder="host:2:b")
    assert holder.acquire(T0)
    holder.release(T0 + timedelta(seconds=5))
    assert other.acquire(T0 + timedelta(seconds=5))


def test_a_former_holder_releasing_late_does_not_free_its_successors_lease(app_ctx):
    old, new = Lease(holder="host:1:a"), Lease(holder="host:2:b")
    assert old.acquire(T0)
    assert new.acquire(T0 + LEASE_TTL)
    old.release(T0 + LEASE_TTL + timedelta(seconds=1))
    assert not old.acquire(T0 + LEASE_TTL + timedelta(seconds=2))
    assert current_lease().holder == "host:2:b"


RACE = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime
    from sqlalchemy import text
    from participation import create_app
    from participation.extensions import db
    from participation.scheduler.lease import Lease

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": sys.argv[1]})
    with app.app_context():
        db.session.execute(text("SELECT 1"))  # connected before the start signal
        db.session.commit()
        print("ready", flush=True)
        sys.stdin.readline()
        print(Lease(holder=sys.argv[2]).acquire(datetime(2026, 11, 23, 9, 0, tzinfo=UTC)), flush=True)
    """
)


def test_of_two_processes_racing_for_the_lease_only_one_gets_it(app, app_ctx):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", RACE, url, f"host:{n}:proc"],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "SCHEDULER_IN_PROCESS": "0"},
        )
        for n in (1, 2)
    ]
    for process in processes:
        assert process.stdout.readline().strip() == "ready", process.stderr.read()
    for process in processes:  # both start the race together
        process.stdin.write("go\n")
        process.stdin.flush()
    outputs = [process.communicate(timeout=60) for process in processes]
    assert [p.returncode for p in processes] == [0, 0], [err for _, err in outputs]
    results = [out.strip() for out, _ in outputs]
    assert sorted(results) == ["False", "True"]
    assert holder_now() == ("host:1:proc" if results[0] == "True" else "host:2:proc")
