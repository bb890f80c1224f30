"""Running sweeps: under the lease, in one transaction each, a failure rolled back and the rest still run."""
from __future__ import annotations

import logging
import threading
from datetime import timedelta

from sqlalchemy import func, select, update

from participation.accounts import services as accounts
from participation.accounts.models import LoginSession
from participation.core.audit import AuditEvent
from participation.core.db import write_transaction
from participation.core.time import now
from participation.extensions import db
from participation.ideas.models import Idea
from participation.scheduler.lease import Lease
from participation.scheduler.registry import Sweep
from participation.scheduler.runner import describe
from participation.scheduler.sweeps import SWEEPS
from participation.voting import services as voting
from tests.factories import make_idea, make_round, make_user
from tests.scheduler.helpers import make_runner

HOUR = timedelta(hours=1)


def site_sweep(name: str) -> Sweep:
    return next(sweep for sweep in SWEEPS if sweep.name == name)


def test_a_failing_sweep_is_rolled_back_and_the_others_still_run(app, app_ctx, caplog):
    idea = make_idea(make_round("voting", votes_per_resident=None))
    user = make_user()
    moment = now()
    with write_transaction():
        accounts.start_session(user, moment - 13 * HOUR)  # expired an hour ago
    calls = []

    def spoil_then_fail(at):
        calls.append(at)
        db.session.execute(update(Idea).where(Idea.id == idea.id).values(title="망가진 제목"))
        raise RuntimeError("the service broke")

    runner = make_runner(app, [Sweep("breaks", spoil_then_fail, HOUR), site_sweep("purge_login_sessions")])
    with caplog.at_level(logging.ERROR, logger="participation.scheduler"):
        runs = runner.run_all(moment)
    assert [(run.sweep, run.failed) for run in runs] == [("breaks", True), ("purge_login_sessions", False)]
    assert isinstance(runs[0].error, RuntimeError) and calls == [moment]
    assert "sweep breaks failed and was rolled back" in caplog.text
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Idea, idea.id).title == "공원에 벤치를 놓아 주세요"  # the failed sweep's change is gone
    assert runs[1].result == 1 and db.session.scalar(select(func.count()).select_from(LoginSession)) == 0


def test_a_scheduler_without_the_lease_runs_no_sweep(app, app_ctx):
    calls = []
    assert Lease(holder="elsewhere:1:x").acquire(now())
    runner = make_runner(app, [Sweep("records", calls.append, HOUR)])
    run = runner.run("records")
    assert (run.ran, run.failed, calls) == (False, False, [])
    Lease(holder="elsewhere:1:x").release(now())
    assert runner.run("records").ran and len(calls) == 1


def test_no_scheduler_takes_the_lease_over_while_a_sweep_is_under_way(app, app_ctx):
    """The lease is claimed inside the sweep's own transaction: the row (PostgreSQL) or the
    database (SQLite) stays locked until the sweep commits, even if the lease runs out meanwhile."""
    inside, finish, order = threading.Event(), threading.Event(), []

    def slow_sweep(at):
        inside.set()
        finish.wait(timeout=30)
        order.append("sweep committed")

    runner = make_runner(app, [Sweep("slow", slow_sweep, HOUR)])
    assert runner.acquire_lease()  # the lease row exists, as it does once any scheduler has run
    later = now() + timedelta(hours=1)  # by then the sweep's lease has long run out

    def take_over():
        with app.app_context():
            taken = Lease(holder="elsewhere:1:x").acquire(later)
            order.append(f"taken over: {taken}")

    sweeping = threading.Thread(target=runner.run, args=("slow",))
    sweeping.start()
    assert inside.wait(timeout=30)
    other = threading.Thread(target=take_over)
    other.start()
    other.join(timeout=0.3)  # give it every chance to get in first if it could
    finish.set()
    sweeping.join(timeout=30)
    other.join(timeout=30)
    assert order == ["sweep committed", "taken over: True"]


def test_a_sweep_may_commit_step_by_step_in_transactions_of_its_own(app, app_ctx):
    """As close_due_rounds does, a round at a time, so one failing round holds back no other."""
    round_ = make_round("voting")
    ideas = [(idea.id, idea.title) for idea in (make_idea(round_, title=f"제안 {n}") for n in range(2))]

    def retitle_one_at_a_time(at):
        for idea_id, title in ideas:
            with write_transaction():
                db.session.execute(update(Idea).where(Idea.id == idea_id).values(title=f"{title} (검토)"))
        return len(ideas)

    run = make_runner(app, [Sweep("steps", retitle_one_at_a_time, HOUR)]).run("steps")
    assert (run.failed, run.result) == (False, 2)
    db.session.commit()
    assert sorted(db.session.scalars(select(Idea.title))) == ["제안 0 (검토)", "제안 1 (검토)"]


def test_what_a_sweep_did_is_told_briefly_in_the_log():
    assert describe(0) == describe([]) == describe({"due_soon": 0, "overdue": 0}) == "nothing to do"
    assert describe(3) == "3 changed" and describe(["drift"]) == "1 changed"
    assert describe({"due_soon": 1, "overdue": 2}) == "due_soon 1, overdue 2"


def test_purge_login_sessions_deletes_only_expired_sessions(app, app_ctx):
    user = make_user()
    moment = now()
    with write_transaction():
        accounts.start_session(user, moment - 13 * HOUR)  # 12-hour session: expired an hour ago
        live = accounts.start_session(user, moment - HOUR)  # expires in 11 hours
        remembered = accounts.start_session(user, moment - 13 * HOUR, remember=True)  # 14 days
        signed_out = accounts.start_session(user, moment - 2 * HOUR)
        accounts.end_session(signed_out, moment - HOUR)  # ended but not expired: kept until it expires
    runner = make_runner(app, [site_sweep("purge_login_sessions")])
    run = runner.run("purge_login_sessions", now=moment)
    assert run.result == 1
    db.session.commit()
    left = db.session.scalars(select(LoginSession.token_hash)).all()
    assert sorted(left) == sorted(accounts._token_hash(t) for t in (live, remembered, signed_out))
    assert accounts.load_session_user(live, moment).id == user.id
    assert runner.run("purge_login_sessions", now=moment).result == 0  # idempotent


def test_the_reconcile_sweep_repairs_a_drifted_vote_counter(app, app_ctx):
    round_ = make_round("voting", votes_per_resident=None)
    idea, quiet = make_idea(round_), make_idea(round_)
    for _ in range(2):
        with write_transaction():
            voting.cast_vote(make_user(), db.session.get(Idea, idea.id), round_.voting_opens_at)
    db.session.execute(update(Idea).where(Idea.id == idea.id).values(vote_count=5))  # a counter gone wrong
    db.session.commit()
    runner = make_runner(app, [site_sweep("reconcile_vote_counts")])
    run = runner.run("reconcile_vote_counts", now=round_.voting_opens_at)
    assert [(d.idea_id, d.cached, d.counted) for d in run.result] == [(idea.id, 5, 2)]
    db.session.commit()
    db.session.expire_all()
    assert (db.session.get(Idea, idea.id).vote_count, db.session.get(Idea, quiet.id).vote_count) == (2, 0)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "votes.recounted")) == 1
    assert runner.run("reconcile_vote_counts", now=round_.voting_opens_at).result == []
