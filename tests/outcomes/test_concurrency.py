"""Two sweeps at once, in two threads or two processes, close and publish a round exactly once."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

from sqlalchemy import func, select

from participation.extensions import db
from participation.outcomes import services
from participation.outcomes.models import OutcomeEntry, RoundOutcome
from participation.rounds.models import Round
from tests.outcomes.helpers import after, voting_round
from tests.voting.test_concurrency import run_in_parallel

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_eight_threads_sweeping_at_once_close_the_round_once(app, app_ctx):
    round_, _ideas, _ = voting_round(votes=(5, 3, 2, 1))
    moment = after(round_)
    results = run_in_parallel(app, [lambda: services.close_due_rounds(moment)] * 8)
    assert sum(results) == 1
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(RoundOutcome)) == 1
    assert db.session.scalar(select(func.count()).select_from(OutcomeEntry)) == 4
    published = run_in_parallel(app, [lambda: services.publish_due_outcomes(moment)] * 8)
    assert sum(published) == 1
    db.session.commit()
    assert db.session.get(Round, round_.id).published_at == round_.voting_closes_at


SWEEP = textwrap.dedent(
    """
    import sys, time
    from datetime import datetime
    from participation import create_app
    url, moment, start = sys.argv[1], datetime.fromisoformat(sys.argv[2]), float(sys.argv[3])
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        from participation.outcomes import services
        time.sleep(max(start - time.time(), 0))
        closed = services.close_due_rounds(moment)
        published = services.publish_due_outcomes(moment)
        print(closed, published)
    """
)


def test_two_processes_sweeping_at_once_close_and_publish_the_round_once(app, app_ctx):
    round_, _ideas, _ = voting_round(votes=(4, 3, 1))
    db.session.commit()
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    start = time.time() + 4  # both processes are up by then and sweep together
    env = {**os.environ, "PYTHONPATH": ROOT}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", SWEEP, url, after(round_).isoformat(), str(start)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err[-2000:] for _out, err in outputs]
    counts = [tuple(int(n) for n in out.split()) for out, _err in outputs]
    assert sorted(c[0] for c in counts) == [0, 1]
    assert sorted(c[1] for c in counts) == [0, 1]
    db.session.commit()
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(RoundOutcome)) == 1
    assert db.session.scalar(select(func.count()).select_from(OutcomeEntry)) == 3
    assert db.session.get(Round, round_.id).closed_at == round_.voting_closes_at
