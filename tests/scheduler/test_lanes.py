"""Deadline sweeps run on time whatever else is running; no sweep runs twice at once.

All sweeps used to share one worker thread: a slow email-outbox pass held back a round's
close, and every job that came round while its last run still waited logged APScheduler's
"maximum number of running instances reached".
"""
from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.events import EVENT_JOB_EXECUTED, EVENT_JOB_MAX_INSTANCES

from participation.core.time import now
from participation.scheduler.registry import Sweep
from participation.scheduler.scheduling import SweepScheduler
from participation.scheduler.sweeps import SWEEPS
from tests.scheduler.helpers import make_runner

HOUR = timedelta(hours=1)


@pytest.fixture
def running():
    """A scheduler holding the lease and running its clock, without the catch-up pass."""
    started = []

    def start(app, sweeps):
        service = SweepScheduler(make_runner(app, sweeps))
        service.start(paused=True)
        assert service.tend_lease()
        service.scheduler.remove_job("catch-up")
        service.scheduler.resume()
        started.append(service)
        return service

    yield start
    for service in started:
        service.shutdown(wait=False)


class Slow:
    """A sweep that works with no transaction open (as the outbox does on the network) until told to finish."""

    def __init__(self):
        self.inside, self.finish = threading.Event(), threading.Event()
        self.runs = 0
        self.at_once = 0
        self.most_at_once = 0
        self._lock = threading.Lock()

    def __call__(self, at):
        with self._lock:
            self.runs += 1
            self.at_once += 1
            self.most_at_once = max(self.most_at_once, self.at_once)
        self.inside.set()
        assert self.finish.wait(timeout=60)
        with self._lock:
            self.at_once -= 1
        return 0

    def sweep(self) -> Sweep:
        return Sweep("deliver_slowly", self, HOUR, own_transactions=True)


def fire(service, job_id: str) -> None:
    """What the clock does when the job falls due."""
    service.scheduler.modify_job(job_id, next_run_time=datetime.now(UTC))


def test_a_deadline_sweep_runs_while_a_slow_sweep_is_under_way(app, app_ctx, running):
    slow, closed, order = Slow(), threading.Event(), []
    deadline = now() + timedelta(seconds=1)

    def close(at):
        order.append("closed")
        closed.set()
        return 0

    closing = Sweep("close_due_things", close, HOUR, deadlines=lambda at, horizon: [deadline], on_time=True)
    service = running(app, [slow.sweep(), closing])
    fire(service, "sweep:deliver_slowly")
    assert slow.inside.wait(timeout=30)
    assert service.plan_deadlines() == [f"deadline:close_due_things:{deadline.isoformat()}"]
    assert closed.wait(timeout=30)  # a second after the deadline...
    assert not slow.finish.is_set() and slow.at_once == 1  # ...while the slow sweep is still under way
    slow.finish.set()
    assert service.wait_idle(timeout=30)
    assert order == ["closed"] and slow.runs == 1


def test_a_job_coming_round_while_its_sweep_still_runs_is_not_a_warning(app, app_ctx, running):
    slow, events = Slow(), []
    seen = threading.Condition()

    def record(event):
        if event.job_id == "sweep:deliver_slowly":
            with seen:
                events.append(event.code)
                seen.notify_all()

    service = running(app, [slow.sweep()])
    service.scheduler.add_listener(record, EVENT_JOB_EXECUTED | EVENT_JOB_MAX_INSTANCES)
    fire(service, "sweep:deliver_slowly")
    assert slow.inside.wait(timeout=30)
    with seen:  # the job itself is over (it was, before, only once the sweep was)
        seen.wait_for(lambda: events, timeout=5)
    for _ in range(2):  # it comes round twice more while the first run goes on
        before = len(events)
        fire(service, "sweep:deliver_slowly")
        with seen:
            assert seen.wait_for(lambda before=before: len(events) > before, timeout=30)
    assert EVENT_JOB_MAX_INSTANCES not in events
    slow.finish.set()
    assert service.wait_idle(timeout=30)
    # Asked again while it ran, it runs once more afterwards (what fell due meanwhile), never twice at once.
    assert (slow.runs, slow.most_at_once) == (2, 1)


def test_the_same_sweep_never_runs_twice_at_once(app, app_ctx):
    """The catch-up pass and a deadline job may both ask for it: the second waits for the first."""
    slow = Slow()
    runner = make_runner(app, [slow.sweep()])
    assert runner.acquire_lease()
    first = threading.Thread(target=runner.run, args=("deliver_slowly",))
    first.start()
    assert slow.inside.wait(timeout=30)
    second = threading.Thread(target=runner.run, args=("deliver_slowly",))
    second.start()
    second.join(timeout=0.5)  # give it every chance to start beside the first if it could
    slow.finish.set()
    first.join(timeout=30)
    second.join(timeout=30)
    assert (slow.runs, slow.most_at_once) == (2, 1)


def test_a_close_that_changed_something_has_the_publication_sweep_look_at_once(app, app_ctx, running):
    """Closing and publishing run on workers of their own; a round published at its close must not
    wait for the next interval because publishing looked just before the close committed."""
    published = []
    closing = Sweep("close_due_things", lambda at: 1, HOUR, on_time=True)
    publishing = Sweep("publish_due_things", published.append, HOUR, on_time=True)
    service = running(app, [closing, publishing])
    service.run_scheduled("close_due_things")
    assert service.wait_idle(timeout=30)
    assert len(published) == 1


def test_the_sites_deadline_sweeps_run_on_workers_of_their_own():
    on_time = {sweep.name for sweep in SWEEPS if sweep.on_time}
    assert on_time == {"close_due_rounds", "publish_due_outcomes", "close_due_campaigns", "publish_due_scorecards"}
    service = SweepScheduler(make_runner(None, SWEEPS))
    lanes = {service.lane_for(sweep.name) for sweep in SWEEPS}
    assert len(lanes) == 5  # one each, and one for all the others
    assert service.lane_for("deliver_email_outbox") == service.lane_for("send_daily_digests")
