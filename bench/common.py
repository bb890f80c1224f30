"""What the in-process benchmarks share: a migrated app on a fresh database, counting SQL
statements, timing a page, and writing the report."""
from __future__ import annotations

import json
import statistics
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from bench.run import RESULTS, ROOT, prepare_database


def bench_app(engine: str, prefix: str):
    """A testing app on a fresh, migrated database of `engine` (sqlite or postgresql)."""
    from flask_migrate import upgrade

    from participation import create_app
    from tests.conftest import Client

    workdir = Path(tempfile.mkdtemp(prefix=f"gongron-{prefix}-"))
    url = prepare_database(engine, workdir)
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_FOLDER": str(workdir / "uploads"),
                                 "MAIL_OUTBOX_DIR": str(workdir / "outbox")})
    app.test_client_class = Client
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
    return app


def statement_counter(app):
    """`with count() as statements:` lists the SQL statements run inside the block."""
    from sqlalchemy import event

    from participation.extensions import db

    @contextmanager
    def count():
        found = []
        with app.app_context():
            engine_ = db.engine

        def record(conn, cursor, statement, *args):
            found.append(statement)

        event.listen(engine_, "before_cursor_execute", record)
        try:
            yield found
        finally:
            event.remove(engine_, "before_cursor_execute", record)

    return count


def transaction_timer(app):
    """`with timer() as held:` lists, in ms, how long each write transaction begun inside the block
    stayed open (BEGIN to COMMIT or ROLLBACK): what a sweep holds that residents' writes may wait for
    (on SQLite the whole database; on PostgreSQL the rows it wrote)."""
    from sqlalchemy import event

    from participation.extensions import db

    @contextmanager
    def timer():
        held: list[float] = []
        started: dict[int, float] = {}
        with app.app_context():
            engine_ = db.engine

        def begin(conn):
            if conn.get_execution_options().get("write"):
                started[id(conn)] = time.perf_counter()

        def end(conn):
            began = started.pop(id(conn), None)
            if began is not None:
                held.append((time.perf_counter() - began) * 1000)

        listeners = [("begin", begin), ("commit", end), ("rollback", end)]
        for name, listener in listeners:
            event.listen(engine_, name, listener)
        try:
            yield held
        finally:
            for name, listener in listeners:
                event.remove(engine_, name, listener)

    return timer


def held_summary(held: list[float], elapsed_ms: float) -> dict:
    return {"elapsed_ms": round(elapsed_ms, 1), "write_transactions": len(held), "longest_ms": round(max(held, default=0.0), 1),
            "first_ms": round(held[0], 1) if held else 0.0,  # the claim
            "p95_ms": round(sorted(held)[int(0.95 * (len(held) - 1))], 1) if held else 0.0, "total_held_ms": round(sum(held), 1)}


def measure(client, path: str, count_statements, repeats: int) -> dict:
    """Median and 95th-percentile render time of a page, its SQL statements and its size."""
    client.get(path)  # warm the template cache
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    with count_statements() as statements:
        client.get(path)
    return {
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(sorted(times)[int(0.95 * (len(times) - 1))], 1),
        "statements": len(statements),
        "bytes": len(response.get_data()),
    }


def print_page(engine: str, key: str, result: dict) -> None:
    print(f"  {engine:8} {key:18} p50 {result['p50_ms']:7.1f} ms   p95 {result['p95_ms']:7.1f} ms   "
          f"{result['statements']:3d} statements   {result['bytes'] // 1024} KiB", flush=True)


def write_report(name: str, report: dict) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{name}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}.json"
    out.write_text(json.dumps(report, indent=2))
    print(f"written to {out.relative_to(ROOT)}")
