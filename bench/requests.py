"""The civil-request benchmark: `make bench-requests` (1,000,000 requests) or `--quick` (50,000).

It migrates a fresh database (a SQLite file by default; `--database-url postgresql://.../name`
drops and recreates that PostgreSQL database), creates 30 departments with an official each,
40 request categories, 3 구 with 60 동 and the residents through the factories, then bulk-loads
the requests with the driver's bulk paths (executemany on SQLite, COPY on PostgreSQL): spread over
departments, categories, 동, channels and three years, 10% open (filed in the last 60 days, most of
those past due), the rest answered, each with its FILED step and the answered ones with their
COMPLETED step on the timeline. Due times are approximated (a period of N days as N * 7/5
calendar days) rather than counted by the statutory clock, which would take longer than the load.

Then it measures and prints:
- the department queue: open requests of one department, soonest due first, 50 rows, as SQL
  through SQLAlchemy; through `civil_requests.queue.department_queue` when that service exists;
  and the page itself (endpoint civil_requests.queue, signed in as the department's official)
  when the route exists in this tree;
- the public list: public requests, newest first, 20 rows, with each filter (none, category, 동,
  open, overdue), as SQL and, when endpoint civil_requests.index exists, as the page;
- p50 and p95 of each, and the SQL statements each runs (an engine event listener);
- the query plan of each SQL query, naming any full scan or sort of the whole table;
- filing: `intake.file_request` through the service, one write transaction each (200 filings);
- the delay-alert sweep (`civil_requests.alerts.send_request_alerts`) over every open request,
  run twice (the second should find nothing left to send), when that module exists.

A measurement, not a test: it asserts nothing about speed. Results go to bench/results/.
"""
from __future__ import annotations

import argparse
import logging
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import statement_counter, write_report  # noqa: E402

ROWS, QUICK_ROWS = 1_000_000, 50_000
DEPARTMENTS, CATEGORIES, GU, DONGS_PER_GU = 30, 40, 3, 20
RESIDENTS, QUICK_RESIDENTS = 20_000, 2_000
OPEN_SHARE = 0.10
FILINGS = 200
CHUNK = 20_000
KINDS = [("grievance", 7, "days"), ("question_procedure", 7, "days"), ("question_law", 14, "days"),
         ("suggestion", 14, "days"), ("other", 3, "hours")]
WORDS = ["가로등", "보도블록", "포트홀", "쓰레기", "불법 주차", "소음", "놀이터", "벤치", "하수구", "현수막", "맨홀", "신호등"]
PLACES = ["초등학교 앞", "버스정류장 옆", "시장 입구", "주민센터 앞", "공원 산책로", "아파트 후문"]


# --- the database ------------------------------------------------------------------------


def _app(database_url: str | None):
    """A testing app on a fresh, migrated database; returns (app, engine name)."""
    from flask_migrate import upgrade

    from participation import create_app
    from tests.conftest import Client

    workdir = Path(tempfile.mkdtemp(prefix="gongron-requests-"))
    if database_url is None:
        url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    else:
        import psycopg

        url = database_url.replace("postgresql+psycopg://", "postgresql://")
        server, name = url.rsplit("/", 1)
        with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}"')
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_FOLDER": str(workdir / "uploads"),
                                 "MAIL_OUTBOX_DIR": str(workdir / "outbox"), "SMS_FILE_DIR": str(workdir / "sms")})
    app.test_client_class = Client
    logging.disable(logging.INFO)  # the migrations' progress lines
    try:
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
    finally:
        logging.disable(logging.NOTSET)
    return app, ("sqlite" if database_url is None else "postgresql")


def _reference(app):
    """Departments with an official each, categories, 구 and 동, through the factories."""
    from participation.extensions import db
    from tests.factories import make_department, make_district, make_request_category, make_user

    with app.app_context():
        departments = [make_department(f"벤치부서{n:02d}") for n in range(DEPARTMENTS)]
        officials = {d.id: make_user(email=f"official{n}@bench.kr", roles={"official"}, department=d).email
                     for n, d in enumerate(departments)}
        categories = []
        for n in range(CATEGORIES):
            kind = KINDS[n % len(KINDS)][0]
            category = make_request_category(departments[n % DEPARTMENTS], name_ko=f"벤치분류{n:02d}", kind=kind)
            categories.append((category.id, category.department_id, kind))
        dongs = []
        for g in range(GU):
            gu = make_district(f"벤치{g}구")
            dongs += [make_district(f"벤치{g}구{n:02d}동", parent=gu).id for n in range(DONGS_PER_GU)]
        db.session.commit()
        return [d.id for d in departments], officials, categories, dongs


def _ts(value, sqlite: bool):
    if isinstance(value, datetime) and sqlite:
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    return value


def _bulk(app, engine: str, batches) -> None:
    """Insert each (table, columns, rows) batch, in order, with the driver's bulk path, in one transaction."""
    from participation.extensions import db

    sqlite = engine == "sqlite"
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            if sqlite:
                cursor.execute("PRAGMA synchronous=OFF")
            for table, columns, rows in batches:
                if sqlite:
                    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
                    cursor.executemany(sql, [tuple(_ts(v, True) for v in row) for row in rows])
                else:
                    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
            raw.commit()
        finally:
            raw.close()


REQUEST_COLUMNS = [
    "id", "tracking_number", "category_id", "kind", "period_amount", "period_unit", "lead_department_id", "handler_id",
    "channel", "applicant_id", "filed_by_id", "applicant_name", "contact_phone", "contact_consented_at", "title",
    "description", "address", "district_id", "latitude", "longitude", "is_public", "status", "result", "answer",
    "result_reason", "result_remedy", "received_at", "clock_from", "due_at", "extension_count", "completed_at",
    "completion_count", "supporter_count", "version", "next_progress_notice_at", "follow_up_since", "created_at",
    "updated_at", "language",
]
EVENT_COLUMNS = ["id", "request_id", "kind", "at", "actor_id", "department_id", "status_from", "status_to", "due_at", "note", "language"]


def _load(app, engine: str, rows: int, residents: int, refs, now: datetime) -> dict:
    """Residents, then the requests and their timeline steps, generated chunk by chunk."""
    from participation.civil_requests import geo
    from participation.extensions import db

    departments, officials, categories, dongs = refs
    with app.app_context():
        first_user = (db.session.execute(db.text("SELECT max(id) FROM users")).scalar() or 0) + 1
        handlers = {dep: db.session.execute(db.text("SELECT id FROM users WHERE email = :e"), {"e": email}).scalar()
                    for dep, email in officials.items()}
        south, west, north, east = geo.city_bounds()
    user_ids = list(range(first_user, first_user + residents))
    _bulk(app, engine, [("users", ["id", "email", "display_name", "password_hash", "privacy_consented_at", "created_at"],
                         [(uid, f"resident{uid}@bench.kr", f"주민{uid}", "x", now, now) for uid in user_ids])])
    periods = {kind: (amount, unit) for kind, amount, unit in KINDS}
    rng = random.Random(14)
    counts = {"open": 0, "overdue": 0, "events": 0}

    def requests():
        event_id = 0
        for n in range(1, rows + 1):
            category_id, department_id, kind = categories[rng.randrange(len(categories))]
            amount, unit = periods[kind]
            if rng.random() < 0.04:  # transferred: another department leads now
                department_id = departments[rng.randrange(len(departments))]
            is_open = rng.random() < OPEN_SHARE
            if is_open:
                received = now - timedelta(days=60 * rng.random() ** 2, seconds=rng.randrange(86_400))
                status = rng.choices(["received", "in_progress", "awaiting_supplement"], weights=[3, 6, 1])[0]
            else:
                received = now - timedelta(days=60 + 1035 * rng.random(), seconds=rng.randrange(86_400))
                status = "closed_as_repeat" if rng.random() < 0.001 else "completed"
            span = timedelta(days=amount * 7 / 5) if unit == "days" else timedelta(hours=amount + 15)
            due = None if status == "awaiting_supplement" else received + span
            completed = received + span * rng.uniform(0.2, 1.3) if not is_open else None
            channel = rng.choices(["web", "field", "counter", "open311"], weights=[85, 10, 3, 2])[0]
            counter = channel == "counter"
            applicant = None if counter else user_ids[rng.randrange(len(user_ids))]
            located = rng.random() < 0.7
            word, place = WORDS[rng.randrange(len(WORDS))], PLACES[rng.randrange(len(PLACES))]
            if is_open:
                counts["open"] += 1
                counts["overdue"] += status != "awaiting_supplement" and due < now
            events = [("filed", received, None, None, due)]
            if status == "completed":
                events.append(("completed", completed, "in_progress", "completed", None))
            elif status == "closed_as_repeat":
                events.append(("closed_as_repeat", completed, "received", "closed_as_repeat", None))
            elif status == "in_progress":
                events.append(("started", received + span * 0.1, "received", "in_progress", due))
            rows_events = []
            for kind_, at, status_from, status_to, step_due in events:
                event_id += 1
                rows_events.append((event_id, n, kind_, at, applicant, department_id, status_from, status_to, step_due, "", "ko"))
            counts["events"] += len(rows_events)
            yield (
                n, f"{received.year}-{n // 10_000:04d}-{n % 10_000:04d}", category_id, kind, amount, unit, department_id,
                handlers[department_id] if status == "in_progress" else None, channel, applicant,
                handlers[department_id] if counter else applicant, "주민" if counter else None,
                f"010{rng.randrange(10**8):08d}" if counter else None, received if counter else None,
                f"{place} {word} 민원 {n}", f"{place}에 {word} 문제가 있습니다. 확인 부탁드립니다.", place,
                dongs[rng.randrange(len(dongs))], south + (north - south) * rng.random() if located else None,
                west + (east - west) * rng.random() if located else None, rng.random() < 0.5, status,
                rng.choices(["resolved", "partly_resolved", "not_possible", "transferred"], weights=[60, 20, 12, 8])[0]
                if status == "completed" else None,
                "답변드립니다." if status == "completed" else "", "", "", received, received, due, 0, completed,
                1 if status == "completed" else 0, 0, len(rows_events),
                received + timedelta(days=30) if is_open else None,
                completed + timedelta(days=1) if status == "completed" and rng.random() < 0.005 else None,
                received, completed or received, "ko",
            ), rows_events

    def batches():
        """CHUNK requests, then their timeline steps (which reference them), and so on."""
        chunk, steps = [], []
        for request, events in requests():
            chunk.append(request)
            steps.extend(events)
            if len(chunk) >= CHUNK:
                yield "civil_requests", REQUEST_COLUMNS, chunk
                yield "request_events", EVENT_COLUMNS, steps
                chunk, steps = [], []
        if chunk:
            yield "civil_requests", REQUEST_COLUMNS, chunk
            yield "request_events", EVENT_COLUMNS, steps

    started = time.perf_counter()
    _bulk(app, engine, batches())
    with app.app_context():
        with db.engine.begin() as connection:
            if engine == "postgresql":
                for table in ("users", "civil_requests", "request_events"):
                    connection.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            else:
                connection.exec_driver_sql("ANALYZE")
        if engine == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM ANALYZE")
    counts["load_seconds"] = round(time.perf_counter() - started, 1)
    return counts


# --- measuring ---------------------------------------------------------------------------


def _timed(call, repeats: int, count_statements) -> dict:
    call()  # warm caches
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    with count_statements() as statements:
        call()
    return {"p50_ms": round(statistics.median(times), 2), "p95_ms": round(sorted(times)[int(0.95 * (len(times) - 1))], 2),
            "statements": len(statements)}


def _plan(engine: str, statement) -> tuple[list[str], str | None, bool]:
    """The database's plan for a SELECT, what in it reads the whole table (or None), and whether it
    sorts the rows it found (rather than reading them in order from an index)."""
    from participation.extensions import db

    compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
    if engine == "sqlite":
        lines = [row[-1] for row in db.session.execute(db.text(f"EXPLAIN QUERY PLAN {compiled}"))]
        bad = [line for line in lines if line.startswith("SCAN civil_requests") and "INDEX" not in line]
        sorts = any("TEMP B-TREE FOR ORDER BY" in line for line in lines)
    else:
        lines = [row[0] for row in db.session.execute(db.text(f"EXPLAIN {compiled}"))]
        bad = [line.strip() for line in lines if "Seq Scan on civil_requests" in line]
        sorts = any(line.strip().startswith(("Sort", "->  Sort", "Incremental Sort", "->  Incremental Sort")) for line in lines)
    return lines, (bad[0] if bad else None), sorts


def _print(label: str, result: dict) -> None:
    plan = f"   FULL SCAN: {result['full_scan']}" if result.get("full_scan") else ("   sorts its rows" if result.get("sorts") else "")
    print(f"  {label:44} p50 {result['p50_ms']:8.2f} ms   p95 {result['p95_ms']:8.2f} ms   {result['statements']:3d} statements{plan}",
          flush=True)


def _queries(app, engine: str, refs, repeats: int, now: datetime) -> dict:
    from sqlalchemy import select

    from participation.accounts.models import User
    from participation.civil_requests.models import OPEN_STATUSES, CivilRequest
    from participation.extensions import db

    departments, officials, categories, dongs = refs
    count_statements = statement_counter(app)
    open_values = [s.value for s in OPEN_STATUSES]
    results = {}
    with app.app_context():
        busiest = db.session.execute(
            select(CivilRequest.lead_department_id, db.func.count()).where(CivilRequest.status.in_(open_values))
            .group_by(CivilRequest.lead_department_id).order_by(db.func.count().desc()).limit(1)
        ).first()
        department = busiest[0]
        print(f"  the busiest department has {busiest[1]:,} open requests", flush=True)
        queries = {
            "queue/sql": select(CivilRequest).where(CivilRequest.lead_department_id == department, CivilRequest.status.in_(open_values))
            .order_by(CivilRequest.due_at, CivilRequest.id).limit(50),
        }
        public = select(CivilRequest).where(CivilRequest.is_public.is_(True))
        newest = (CivilRequest.received_at.desc(), CivilRequest.id.desc())
        queries["list/sql"] = public.order_by(*newest).limit(20)
        queries["list/sql category"] = public.where(CivilRequest.category_id == categories[0][0]).order_by(*newest).limit(20)
        queries["list/sql dong"] = public.where(CivilRequest.district_id == dongs[0]).order_by(*newest).limit(20)
        queries["list/sql open"] = public.where(CivilRequest.status.in_(open_values)).order_by(*newest).limit(20)
        queries["list/sql overdue"] = public.where(
            CivilRequest.status.in_(["received", "in_progress"]), CivilRequest.due_at < now).order_by(*newest).limit(20)
        for key, statement in queries.items():
            result = _timed(lambda statement=statement: db.session.scalars(statement).all(), repeats, count_statements)
            result["plan"], result["full_scan"], result["sorts"] = _plan(engine, statement)
            results[key] = result
            _print(key, result)
            print("      plan: " + " | ".join(line.strip() for line in result["plan"]), flush=True)
        try:
            from participation.civil_requests import queue
        except ImportError:
            print("  queue/service: skipped (participation.civil_requests.queue is not in this tree)", flush=True)
        else:
            user = db.session.scalar(select(User).where(User.email == officials[department]))
            filters = queue.QueueFilters(department_id=department)
            results["queue/service"] = _timed(lambda: queue.department_queue(user, filters, 1, now), repeats, count_statements)
            _print("queue/service (department_queue, page 1)", results["queue/service"])
    _pages(app, department, officials, categories, dongs, repeats, count_statements, results)
    return results


def _pages(app, department, officials, categories, dongs, repeats, count_statements, results) -> None:
    """The pages themselves, through the test client, where their routes exist in this tree."""
    from bench.common import measure
    from tests.factories import PASSWORD

    endpoints = {rule.endpoint: rule.rule for rule in app.url_map.iter_rules()}
    if "civil_requests.queue" in endpoints:
        client = app.test_client()
        client.login(officials[department], password=PASSWORD)
        results["queue/page"] = measure(client, endpoints["civil_requests.queue"], count_statements, repeats)
        _print("queue/page (signed in as its official)", results["queue/page"])
    else:
        print("  queue/page: skipped (no civil_requests.queue route in this tree)", flush=True)
    if "civil_requests.index" in endpoints:
        visitor = app.test_client()
        base = endpoints["civil_requests.index"]
        for key, query in (("", ""), (" category", f"?category_id={categories[0][0]}"), (" dong", f"?district_id={dongs[0]}"),
                           (" open", "?status=open"), (" overdue", "?overdue=1")):
            results[f"list/page{key}"] = measure(visitor, base + query, count_statements, repeats)
            _print(f"list/page{key} (visitor)", results[f"list/page{key}"])
    else:
        print("  list/page: skipped (no civil_requests.index route in this tree)", flush=True)


def _filing(app, refs, filings: int) -> dict:
    from participation.civil_requests import intake
    from participation.civil_requests.models import RequestCategory
    from participation.core.db import write_transaction
    from participation.core.time import now
    from participation.extensions import db
    from tests.factories import make_user

    count_statements = statement_counter(app)
    departments, officials, categories, dongs = refs
    times, statements = [], []
    with app.app_context():
        applicant = make_user(email="filer@bench.kr")
        category = db.session.get(RequestCategory, categories[0][0])
        for n in range(filings):
            data = intake.RequestData(category=category, title=f"벤치 접수 {n}", description="가로등이 꺼졌습니다.", is_public=n % 2 == 0)
            with count_statements() as run:
                started = time.perf_counter()
                with write_transaction():
                    intake.file_request(applicant, data, now())
                db.session.commit()
                times.append((time.perf_counter() - started) * 1000)
            statements.append(len(run))
    result = {"p50_ms": round(statistics.median(times), 2), "p95_ms": round(sorted(times)[int(0.95 * (len(times) - 1))], 2),
              "statements": round(statistics.median(statements)), "filings": filings}
    _print(f"filing (intake.file_request, {filings}x)", result)
    return result


def _alerts(app, now: datetime) -> dict | None:
    try:
        from participation.civil_requests import alerts
    except ImportError:
        print("  alert sweep: skipped (participation.civil_requests.alerts is not in this tree)", flush=True)
        return None
    sweep = getattr(alerts, "send_request_alerts", None)
    if sweep is None:
        print("  alert sweep: skipped (alerts.send_request_alerts not found)", flush=True)
        return None
    count_statements = statement_counter(app)
    result = {}
    with app.app_context():
        for run in ("first", "second"):
            with count_statements() as statements:
                started = time.perf_counter()
                done = sweep(now)
                elapsed = (time.perf_counter() - started) * 1000
            result[run] = {"ms": round(elapsed, 1), "statements": len(statements), "done": done}
            print(f"  alert sweep, {run} run: {elapsed:10.1f} ms   {len(statements):6d} statements   {done}", flush=True)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ROWS:,} requests instead of {ROWS:,}")
    parser.add_argument("--rows", type=int, help="how many requests to load")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_REQUESTS_DATABASE_URL"),
                        help="a PostgreSQL database to DROP and recreate for the run (default: a SQLite file)")
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--filings", type=int, default=FILINGS)
    args = parser.parse_args()
    rows = args.rows or (QUICK_ROWS if args.quick else ROWS)
    residents = QUICK_RESIDENTS if args.quick else RESIDENTS
    app, engine = _app(args.database_url)
    print(f"Civil requests on {engine}: {rows:,} requests, {residents:,} residents, {DEPARTMENTS} departments, "
          f"{CATEGORIES} categories, {GU * DONGS_PER_GU} 동", flush=True)
    now = datetime.now(UTC)
    refs = _reference(app)
    counts = _load(app, engine, rows, residents, refs, now)
    print(f"  loaded in {counts['load_seconds']} s: {counts['open']:,} open ({counts['overdue']:,} past due), "
          f"{counts['events']:,} timeline steps", flush=True)
    report = {"engine": engine, "rows": rows, **counts}
    report["queries"] = _queries(app, engine, refs, args.repeats, now)
    report["filing"] = _filing(app, refs, args.filings)
    report["alerts"] = _alerts(app, now)
    scans = [key for key, value in report["queries"].items() if value.get("full_scan")]
    print("  full scans: " + (", ".join(scans) if scans else "none"), flush=True)
    write_report(f"requests-{engine}", report)
    with app.app_context():
        from participation.extensions import db

        db.engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
