"""Two `flask scheduler run` processes, as on two servers, close and publish a round once.

(How soon after its deadline a round closes is the deadline job's business, tested in
tests/scheduler/test_scheduling.py without any waiting; here only "once" is asserted.)"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select, update

from participation.core.time import now
from participation.extensions import db
from participation.outcomes.models import RoundOutcome
from participation.rounds.models import Round
from tests.outcomes.helpers import voting_round

ROOT = Path(__file__).resolve().parents[2]


def test_two_scheduler_processes_close_and_publish_a_round_once(app, app_ctx):
    round_, _ideas, _ = voting_round(votes=(4, 3, 1))
    deadline = (now() + timedelta(seconds=12)).replace(microsecond=0)
    db.session.execute(update(Round).where(Round.id == round_.id).values(voting_closes_at=deadline))
    db.session.commit()
    env = {
        **os.environ,
        "FLASK_APP": "wsgi",
        "GONGRON_CONFIG": "testing",
        "TEST_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SCHEDULER_IN_PROCESS": "0",
    }
    processes = [
        subprocess.Popen([sys.executable, "-m", "flask", "scheduler", "run"], cwd=ROOT, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for _ in range(2)
    ]
    try:
        published = False
        give_up = time.monotonic() + 90  # the interval sweep alone would manage within about 70 s
        while time.monotonic() < give_up:
            db.session.commit()  # a fresh snapshot each look
            if db.session.scalar(select(Round.published_at).where(Round.id == round_.id)) is not None:
                published = True
                break
            time.sleep(0.25)
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        outputs = [process.communicate(timeout=30)[0] for process in processes]
    assert published, outputs
    assert [p.returncode for p in processes] == [0, 0], outputs
    db.session.expire_all()
    assert db.session.get(Round, round_.id).closed_at == deadline
    assert db.session.scalar(select(func.count()).select_from(RoundOutcome)) == 1
    log = "".join(outputs)
    assert log.count("sweep close_due_rounds done: 1 changed") == 1, log
    assert log.count("sweep publish_due_outcomes done: 1 changed") == 1, log
