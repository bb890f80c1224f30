"""`flask scheduler once | status`, in the test app and as two real processes at once."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select, update

from participation.core.audit import AuditEvent
from participation.core.db import write_transaction
from participation.core.time import now
from participation.extensions import db
from participation.ideas.models import Idea
from participation.scheduler.lease import Lease, current_lease
from participation.scheduler.registry import Sweep
from participation.voting import services as voting
from tests.factories import make_idea, make_round, make_user

ROOT = Path(__file__).resolve().parents[2]


def drifted_idea(by: int = 3) -> Idea:
    """An idea with one vote whose counter says 1 + `by`."""
    round_ = make_round("voting", votes_per_resident=None)
    idea = make_idea(round_)
    with write_transaction():
        voting.cast_vote(make_user(), db.session.get(Idea, idea.id), now())
    db.session.execute(update(Idea).where(Idea.id == idea.id).values(vote_count=1 + by))
    db.session.commit()
    return idea


def counter(idea: Idea) -> int:
    db.session.commit()
    return db.session.scalar(select(Idea.vote_count).where(Idea.id == idea.id))


def recount_events() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "votes.recounted"))


def test_scheduler_once_runs_every_sweep_and_hands_the_lease_back(runner, app_ctx):
    idea = drifted_idea()
    result = runner.invoke(args=["scheduler", "once"])
    assert result.exit_code == 0, result.output
    assert "reconcile_vote_counts: done: 1 changed" in result.output
    assert "purge_login_sessions: done: nothing to do" in result.output
    assert counter(idea) == 1
    assert not current_lease().is_live(now())  # released: a long-running scheduler need not wait


def test_scheduler_once_runs_nothing_while_another_scheduler_holds_the_lease(runner, app_ctx):
    idea = drifted_idea()
    assert Lease(holder="node-2:4242:abcd").acquire(now())
    result = runner.invoke(args=["scheduler", "once"])
    assert result.exit_code == 0, result.output
    assert "Another scheduler holds the lease (held by node-2:4242:abcd" in result.output
    assert "nothing was run" in result.output
    assert counter(idea) == 4


def test_scheduler_once_runs_the_other_sweeps_past_a_failing_one_and_exits_with_an_error(runner, app_ctx, monkeypatch):
    from participation.scheduler import sweeps

    def broken(at):
        raise RuntimeError("the service broke")

    monkeypatch.setattr(sweeps, "SWEEPS", [Sweep("broken", broken, timedelta(hours=1)), *sweeps.SWEEPS])
    idea = drifted_idea()
    result = runner.invoke(args=["scheduler", "once"])
    assert result.exit_code == 1
    assert "broken: failed: RuntimeError('the service broke')" in result.output
    assert "reconcile_vote_counts: done: 1 changed" in result.output
    assert counter(idea) == 1


def test_scheduler_status_names_the_holder_and_the_sweeps(runner, app_ctx):
    assert "Lease: never taken" in runner.invoke(args=["scheduler", "status"]).output
    Lease(holder="node-2:4242:abcd").acquire(now())
    result = runner.invoke(args=["scheduler", "status"])
    assert result.exit_code == 0, result.output
    assert "Lease: held by node-2:4242:abcd until" in result.output
    assert "reconcile_vote_counts: every 1:00:00" in result.output


def test_scheduler_status_lists_the_deadlines_coming_up(runner, app_ctx, monkeypatch):
    from participation.scheduler import sweeps

    soon = now() + timedelta(minutes=3)
    closing = Sweep("close_due_things", lambda at: 0, timedelta(minutes=1), deadlines=lambda at, horizon: [soon, at + 2 * horizon])
    monkeypatch.setattr(sweeps, "SWEEPS", [closing])
    result = runner.invoke(args=["scheduler", "status"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1:] == ["close_due_things: every 0:01:00", f"  deadline {soon.isoformat()}"]


def test_two_scheduler_once_processes_at_once_repair_a_drift_once(app, app_ctx):
    """Without the lease, two processes on PostgreSQL could both measure the drift and both
    correct it, leaving the counter wrong the other way."""
    idea = drifted_idea(by=5)
    env = {
        **os.environ,
        "FLASK_APP": "wsgi",
        "GONGRON_CONFIG": "testing",
        "TEST_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SCHEDULER_IN_PROCESS": "0",
    }
    command = [sys.executable, "-m", "flask", "scheduler", "once"]
    processes = [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=120)[0] for process in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    assert counter(idea) == 1
    assert recount_events() == 1
    assert sum("reconcile_vote_counts: done: 1 changed" in output for output in outputs) == 1
