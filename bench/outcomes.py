"""The outcome benchmark: `make bench-outcomes` closes a large round and renders what follows.

For each engine (SQLite file, PostgreSQL database `gongron_bench`) it migrates a
fresh database and bulk-inserts one round in voting with 2,000 ideas across 5
categories and 8 districts, 10,000 residents, 100,000 votes and 2,500 follows
(of the round and of its ideas), then:

- runs the scheduler's close sweep (recount from the vote rows, ranking,
  selection, a timeline row per idea, the frozen tally with breakdowns, response
  clocks, the round's followers told), and checks a second close finds nothing
  to do; then the publication sweep (every author and follower told);
- for each sweep, reports the longest write transaction it held (BEGIN to
  COMMIT: on SQLite the whole database is locked for other writers meanwhile, on
  PostgreSQL the rows it wrote), how many it took, and the elapsed time;
- renders the published outcome page in-process as a visitor, and the response
  inbox as an admin (every department's open clocks), printing the median and
  95th-percentile times and the number of SQL statements per page.

A measurement, not a test: it asserts nothing about speed.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    bench_app,
    held_summary,
    measure,
    print_page,
    statement_counter,
    transaction_timer,
    write_report,
)

IDEAS = 2_000
RESIDENTS = 10_000
VOTES = 100_000
FOLLOWS = 2_500


def _build(app, ideas: int, residents: int, votes: int, follows: int):
    from sqlalchemy import insert, update

    from participation.accounts.models import User
    from participation.extensions import db
    from participation.ideas.models import Idea
    from participation.notifications.models import Follow
    from participation.rounds.models import Round
    from participation.rounds.rules import TierSpec
    from participation.voting.models import Vote
    from tests.factories import make_category, make_department, make_district, make_round, make_user

    with app.app_context():
        departments = [make_department() for _ in range(5)]
        categories = [make_category(d) for d in departments]
        districts = [make_district() for _ in range(8)]
        round_ = make_round("voting", categories=categories, votes_per_resident=None,
                            tiers=[TierSpec(60, "department", 14), TierSpec(120, "mayor_office", 30)])
        author = make_user()
        admin = make_user(roles={"admin"})
        now = datetime.now(UTC)
        rng = random.Random(3)
        idea_rows = [{
            "round_id": round_.id, "author_id": author.id, "title": f"제안 {n}", "body": "주민 제안입니다.",
            "category_id": categories[n % 5].id, "district_id": districts[n % 8].id, "status": "published",
            "vote_count": 0, "comment_count": 0, "search_text": "", "created_at": now - timedelta(days=20, seconds=-n),
            "updated_at": now - timedelta(days=20),
        } for n in range(ideas)]
        for offset in range(0, ideas, 1000):
            db.session.execute(insert(Idea), idea_rows[offset:offset + 1000])
        user_rows = [{
            "email": f"voter{n}@bench.kr", "display_name": f"주민{n}", "password_hash": "x",
            "privacy_consented_at": now, "created_at": now,
        } for n in range(residents)]
        for offset in range(0, residents, 2000):
            db.session.execute(insert(User), user_rows[offset:offset + 2000])
        db.session.flush()
        idea_ids = [i for (i,) in db.session.execute(db.select(Idea.id).where(Idea.round_id == round_.id).order_by(Idea.id))]
        user_ids = [i for (i,) in db.session.execute(db.select(User.id).where(User.email.like("voter%")))]
        # A skewed popularity, as in real rounds: a few ideas draw most of the support.
        weights = [1.0 / (rank + 5) for rank in range(len(idea_ids))]
        per_user = votes // residents
        seen, vote_rows = set(), []
        for user_id in user_ids:
            for idea_id in rng.choices(idea_ids, weights=weights, k=per_user):
                if (idea_id, user_id) not in seen:
                    seen.add((idea_id, user_id))
                    vote_rows.append({"idea_id": idea_id, "user_id": user_id, "round_id": round_.id, "created_at": now - timedelta(days=1)})
        for offset in range(0, len(vote_rows), 5000):
            db.session.execute(insert(Vote), vote_rows[offset:offset + 5000])
        counts: dict[int, int] = {}
        for row in vote_rows:
            counts[row["idea_id"]] = counts.get(row["idea_id"], 0) + 1
        for idea_id, count in counts.items():
            db.session.execute(update(Idea).where(Idea.id == idea_id).values(vote_count=count))
        # Two in five follow the round, the rest an idea they like (the popular ones most).
        follow_rows = [{"user_id": user_id, "subject_kind": "round" if n % 5 < 2 else "idea",
                        "subject_id": round_.id if n % 5 < 2 else rng.choices(idea_ids, weights=weights)[0], "active": True,
                        "automatic": n % 5 >= 2, "created_at": now, "updated_at": now}
                       for n, user_id in enumerate(rng.sample(user_ids, min(follows, len(user_ids))))]
        for offset in range(0, len(follow_rows), 2000):
            db.session.execute(insert(Follow), follow_rows[offset:offset + 2000])
        db.session.execute(update(Round).where(Round.id == round_.id).values(voting_closes_at=now - timedelta(seconds=5)))
        db.session.commit()
        return round_.id, admin.email, len(vote_rows)


def bench_engine(engine: str, repeats: int, ideas: int, residents: int, votes: int, follows: int) -> dict:
    from sqlalchemy import func, select

    from participation.core.time import now
    from participation.extensions import db
    from participation.notifications.models import Notification
    from participation.outcomes import services
    from participation.outcomes.models import RoundOutcome

    app = bench_app(engine, "outcomes")
    round_id, admin_email, cast = _build(app, ideas, residents, votes, follows)
    timer = transaction_timer(app)
    sweeps = {}

    with app.app_context():
        # As the scheduler calls them (own_transactions: no transaction around the sweep).
        for name, sweep in (("close", services.close_due_rounds), ("publish", services.publish_due_outcomes)):
            with timer() as held:
                started = time.perf_counter()
                done = sweep(now())
                elapsed = (time.perf_counter() - started) * 1000
            sweeps[name] = {**held_summary(held, elapsed), "done": done}
            if name == "close":
                started = time.perf_counter()
                again = services.close_due_rounds(now())
                sweeps["close"]["second_run_ms"] = round((time.perf_counter() - started) * 1000, 1)
        selected = db.session.scalar(select(RoundOutcome.selected).where(RoundOutcome.round_id == round_id))
        told = db.session.scalar(select(func.count()).select_from(Notification))
    print(f"  {engine:8} {ideas:,} ideas, {cast:,} votes, {follows:,} follows, {selected} selected, {told:,} notifications "
          f"(second close: {'nothing to do' if not again else 'CLOSED AGAIN'})", flush=True)
    for name, result in sweeps.items():
        print(f"  {engine:8} {name + ' sweep':14} longest transaction {result['longest_ms']:8.1f} ms   (first, the claim: {result['first_ms']:.1f} ms)   p95 {result['p95_ms']:7.1f} ms   "
              f"{result['write_transactions']:4d} write transactions   {result['elapsed_ms']:8.1f} ms in all", flush=True)

    count_statements = statement_counter(app)

    visitor = app.test_client()
    admin = app.test_client()
    admin.login(admin_email)
    results = {"sweeps": sweeps, "ideas": ideas, "votes": cast, "follows": follows, "selected": selected, "notifications": told}
    for key, client, path in (("outcome/visitor", visitor, f"/rounds/{round_id}/outcome"), ("inbox/admin", admin, "/responses/inbox")):
        results[key] = measure(client, path, count_statements, repeats)
        print_page(engine, key, results[key])
    with app.app_context():
        db.engine.dispose()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--ideas", type=int, default=IDEAS)
    parser.add_argument("--residents", type=int, default=RESIDENTS)
    parser.add_argument("--votes", type=int, default=VOTES)
    parser.add_argument("--follows", type=int, default=FOLLOWS)
    args = parser.parse_args()
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
    print(f"Closing and publishing a round of {args.ideas:,} ideas, about {args.votes:,} votes and {args.follows:,} follows, then its pages ({args.repeats} renders each, in-process)")
    report = {"engines": {}}
    for engine in engines:
        report["engines"][engine] = bench_engine(engine, args.repeats, args.ideas, args.residents, args.votes, args.follows)
    write_report("outcomes", report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
