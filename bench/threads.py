"""The thread benchmark: `make bench-threads` renders an idea page whose discussion has 5,000 comments.

For each engine (SQLite file, PostgreSQL database `gongron_bench`) it migrates a
fresh database, creates one idea in a voting round and bulk-inserts a thread of
5,000 comments (1,000 top-level, 4,000 replies up to depth 3, with stances and
up/down votes), then renders the idea page in-process, as a visitor and as a
signed-in resident, in each order (oldest, newest, best) and on the first and
the last page. It prints the median and 95th-percentile render time and the
number of SQL statements per page. A measurement, not a test: it asserts nothing.
"""
from __future__ import annotations

import argparse
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import bench_app, measure, statement_counter, write_report  # noqa: E402

COMMENTS = 5_000
TOP_LEVEL = 1_000


def _build(app, comments: int, top_level: int):
    from sqlalchemy import insert

    from participation.deliberation.models import Comment, Thread
    from participation.deliberation.services import wilson_lower_bound
    from participation.extensions import db
    from tests.factories import make_idea, make_round, make_user

    with app.app_context():
        round_ = make_round("voting")
        idea = make_idea(round_)
        people = [make_user() for _ in range(50)]
        reader = people[0]
        thread = Thread(subject_kind="idea", subject_id=idea.id, comment_count=comments, created_at=datetime.now(UTC))
        db.session.add(thread)
        db.session.flush()
        rng = random.Random(11)
        start = datetime.now(UTC) - timedelta(days=5)
        first_id = 1
        rows, depth_of = [], {}
        for n in range(comments):
            cid = first_id + n
            if n < top_level:
                parent, depth, root = None, 0, cid
            else:
                parent = rng.choice([c for c in rng.sample(range(first_id, cid), 8) if depth_of[c] < 3] or [first_id])
                depth, root = depth_of[parent] + 1, rows[parent - first_id]["root_id"]
            depth_of[cid] = depth
            up, down = rng.randint(0, 40), rng.randint(0, 10)
            body = f"의견 {n}: 이 제안에 대해 **이렇게** 생각합니다. " * 3
            rows.append({
                "id": cid, "thread_id": thread.id, "parent_id": parent, "root_id": root, "depth": depth,
                "author_id": rng.choice(people).id, "stance": rng.choice(["for", "against", "neutral"]),
                "body": body, "body_html": f"<p>{body}</p>", "status": "visible", "up_count": up, "down_count": down,
                "best_score": wilson_lower_bound(up, down), "reply_count": 0,
                "created_at": start + timedelta(seconds=40 * n),
            })
        for offset in range(0, len(rows), 1000):
            db.session.execute(insert(Comment), rows[offset:offset + 1000])
        idea.comment_count = comments
        db.session.commit()
        return idea.id, reader.email



def bench_engine(engine: str, repeats: int, comments: int, top_level: int) -> dict:


    from participation.extensions import db

    app = bench_app(engine, "threads")
    idea_id, email = _build(app, comments, top_level)

    count_statements = statement_counter(app)

    visitor = app.test_client()
    resident = app.test_client()
    resident.login(email)
    last = -(-top_level // 50)
    results = {}
    for who, client in (("visitor", visitor), ("resident", resident)):
        for sort in ("oldest", "newest", "best"):
            for page in (1, last):
                key = f"{who}/{sort}/page{page}"
                results[key] = measure(client, f"/ideas/{idea_id}?sort={sort}&page={page}", count_statements, repeats)
                print(f"  {engine:8} {key:28} p50 {results[key]['p50_ms']:7.1f} ms   p95 {results[key]['p95_ms']:7.1f} ms   "
                      f"{results[key]['statements']:3d} statements   {results[key]['bytes'] // 1024} KiB", flush=True)
    with app.app_context():
        db.engine.dispose()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--comments", type=int, default=COMMENTS)
    args = parser.parse_args()
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
    print(f"Idea page with a thread of {args.comments:,} comments ({min(TOP_LEVEL, args.comments):,} top-level), "
          f"{args.repeats} renders each, in-process")
    report = {"comments": args.comments, "engines": {}}
    for engine in engines:
        report["engines"][engine] = bench_engine(engine, args.repeats, args.comments, min(TOP_LEVEL, args.comments))
    write_report("threads", report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
