"""The APScheduler wiring: deadline jobs, catch-up on taking the lease, hand-back on stop, where it runs."""
from __future__ import annotations

from datetime import timedelta

import click
import pytest
from flask import Flask
from flask.cli import run_command

from participation.core.time import now
from participation.scheduler.lease import Lease, current_lease
from participation.scheduler.registry import Sweep
from participation.scheduler.scheduling import AFTER_DEADLINE, DEADLINE_HORIZON, SweepScheduler, should_run_in_process
from tests.scheduler.helpers import make_runner

HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)


def nothing(at):
    return None


@pytest.fixture
def paused():
    """Start schedulers paused: jobs are planned and inspected, never fired by a clock."""
    started = []

    def start(app, sweeps, holder="test-scheduler"):
        service = SweepScheduler(make_runner(app, sweeps, holder))
        service.start(paused=True)
        started.append(service)
        return service

    yield start
    for service in started:
        service.shutdown(wait=False)


def deadline_jobs(service):
    return sorted(job.id for job in service.scheduler.get_jobs() if job.id.startswith("deadline:"))


def test_upcoming_deadlines_get_one_date_trigger_each(app, app_ctx, paused):
    moment = now()
    soon, sooner, far, past = moment + 5 * MINUTE, moment + 2 * MINUTE, moment + 30 * MINUTE, moment - MINUTE
    calls, asked = [], []

    def deadlines(at, horizon):
        asked.append((at, horizon))
        return [soon, far, past, soon, sooner]

    closing = Sweep("close_due_things", calls.append, MINUTE, deadlines=deadlines)
    service = paused(app, [closing, Sweep("no_deadlines", calls.append, HOUR)])
    added = service.plan_deadlines(moment)
    assert asked == [(moment, DEADLINE_HORIZON)]
    assert added == [f"deadline:close_due_things:{sooner.isoformat()}", f"deadline:close_due_things:{soon.isoformat()}"]
    job = service.scheduler.get_job(added[1])
    assert job.next_run_time == soon + AFTER_DEADLINE and job.args == ("close_due_things",)
    # Asked again (every minute, after every sweep), nothing is added twice.
    assert service.plan_deadlines(moment + MINUTE) == []
    assert deadline_jobs(service) == sorted(added)
    # The far deadline is planned once it comes within reach.
    assert service.plan_deadlines(far - 5 * MINUTE) == [f"deadline:close_due_things:{far.isoformat()}"]
    assert calls == []


def test_a_deadline_job_runs_its_sweep_only_in_the_scheduler_holding_the_lease(app, app_ctx, paused):
    moment = now()
    calls = []
    sweep = Sweep("close_due_things", calls.append, MINUTE, deadlines=lambda at, horizon: [moment + MINUTE])
    service = paused(app, [sweep])
    [job_id] = service.plan_deadlines(moment)
    job = service.scheduler.get_job(job_id)
    job.func(*job.args)  # what APScheduler does a second after the deadline
    assert service.wait_idle(timeout=10)
    assert calls == []  # not holding the lease yet
    assert service.tend_lease()
    job.func(*job.args)
    assert service.wait_idle(timeout=10)
    assert len(calls) == 1


def test_a_failing_deadline_list_does_not_stop_planning_the_others(app, app_ctx, paused):
    moment = now()

    def broken(at, horizon):
        raise RuntimeError("no deadlines today")

    service = paused(
        app,
        [Sweep("broken", nothing, MINUTE, deadlines=broken), Sweep("fine", nothing, MINUTE, deadlines=lambda at, horizon: [moment + MINUTE])],
    )
    assert service.plan_deadlines(moment) == [f"deadline:fine:{(moment + MINUTE).isoformat()}"]


def test_taking_the_lease_catches_up_on_every_sweep_and_a_waiting_scheduler_does_nothing(app, app_ctx, paused):
    calls = []
    sweeps = [Sweep("first", lambda at: calls.append("first"), HOUR), Sweep("second", lambda at: calls.append("second"), HOUR)]
    holder, waiting = paused(app, sweeps, "host:1:a"), paused(app, sweeps, "host:2:b")
    assert holder.tend_lease() and not waiting.tend_lease()
    assert waiting.scheduler.get_job("catch-up") is None
    catch_up = holder.scheduler.get_job("catch-up")
    catch_up.func()
    assert calls == ["first", "second"]
    waiting.run_scheduled("first")  # its interval job fires: the holder's business
    assert calls == ["first", "second"]
    # The holder stops: the lease is handed back and the other one takes over, catching up in turn.
    holder.shutdown(wait=False)
    assert not current_lease().is_live(now())
    assert waiting.tend_lease() and waiting.scheduler.get_job("catch-up") is not None
    assert not Lease(holder="host:1:a").acquire(now())


def test_each_sweep_gets_an_interval_job(app, app_ctx, paused):
    service = paused(app, [Sweep("hourly", nothing, HOUR), Sweep("often", nothing, MINUTE)])
    jobs = {job.id: job for job in service.scheduler.get_jobs()}
    assert jobs["sweep:hourly"].trigger.interval == HOUR and jobs["sweep:often"].trigger.interval == MINUTE
    assert jobs["lease"].trigger.interval == timedelta(seconds=10)


def dev_app(flag: bool, testing: bool = False) -> Flask:
    app = Flask(__name__)
    app.config.update(SCHEDULER_IN_PROCESS=flag, TESTING=testing)
    return app


def in_flask_run(app, reload, monkeypatch, child: bool) -> bool:
    if child:
        monkeypatch.setenv("WERKZEUG_RUN_MAIN", "true")
    else:
        monkeypatch.delenv("WERKZEUG_RUN_MAIN", raising=False)
    with click.Context(run_command, info_name="run") as ctx:
        ctx.params["reload"] = reload
        return should_run_in_process(app)


def test_the_scheduler_runs_in_process_only_in_the_serving_development_server(monkeypatch):
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    assert in_flask_run(dev_app(True), False, monkeypatch, child=False)  # `make run`: no reloader
    assert not in_flask_run(dev_app(True), True, monkeypatch, child=False)  # the reloader's watcher
    assert in_flask_run(dev_app(True), True, monkeypatch, child=True)  # the reloader's serving child
    assert not in_flask_run(dev_app(False), False, monkeypatch, child=False)  # not asked for
    assert not in_flask_run(dev_app(True, testing=True), False, monkeypatch, child=False)
    # Anywhere else (gunicorn importing wsgi, other `flask` commands): never, even when asked.
    assert not should_run_in_process(dev_app(True))
    with click.Context(click.Command("once"), info_name="once"):
        assert not should_run_in_process(dev_app(True))
