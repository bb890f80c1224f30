"""The exports benchmark: `make bench-exports` (1,000,000 synthetic rows; --quick for 100,000).

Each measurement runs in a subprocess of its own, so its peak resident set size
(resource.getrusage ru_maxrss) is the export's and not this script's:

- synthetic: N rows of ten cells (Korean text, numbers, a date, a formula-like cell to
  neutralise) through participation.core.exports, as CSV and as XLSX, every byte read and
  thrown away as a client would take it;
- ideas: GET /ideas/export?format=csv|xlsx over a bulk-loaded table of --ideas ideas
  (bench/dataset.py, SQLite), the response read chunk by chunk as it streams.

It prints wall time, bytes, the process's RSS before the export started and its peak, and
writes the figures to bench/results/. A measurement, not a test: it asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ROWS, QUICK_ROWS = 1_000_000, 100_000
IDEAS, QUICK_IDEAS = 200_000, 20_000
HEADER = ["번호", "회차", "제목", "분야", "지역", "상태", "공감", "댓글", "제안일", "링크"]


def _peak_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux


def synthetic_rows(count: int):
    from datetime import UTC, datetime, timedelta

    start = datetime(2026, 1, 1, tzinfo=UTC)
    words = ["공원", "벤치", "그늘막", "버스", "정류장", "가로등", "자전거", "도로"]
    for n in range(count):
        title = f"=SUM(A{n})" if n % 97 == 0 else f"{words[n % 8]} {words[(n // 8) % 8]} 설치해 주세요 {n}"
        yield (n, "2026 주민참여예산", title, words[n % 5], "중구 명동", "공감 모집 중", n % 500, n % 37,
               start + timedelta(minutes=n), f"https://gongron.example/ideas/{n}")


def child_synthetic(kind: str, rows: int) -> dict:
    from participation.core import exports

    before = _peak_kb()
    chunks = exports.xlsx_chunks(HEADER, synthetic_rows(rows), "아이디어") if kind == "xlsx" else exports.csv_chunks(HEADER, synthetic_rows(rows))
    started = time.perf_counter()
    size = sum(len(chunk) for chunk in chunks)
    return {"seconds": round(time.perf_counter() - started, 2), "bytes": size, "rss_before_kb": before, "peak_rss_kb": _peak_kb()}


def child_ideas(kind: str, url: str) -> dict:
    from flask.testing import FlaskClient

    from participation import create_app

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_FOLDER": tempfile.mkdtemp()})
    app.test_client_class = FlaskClient  # the plain client: the body is read as it streams
    client = app.test_client()
    client.get("/ideas")  # warm: templates, translations, the first connection
    before = _peak_kb()
    started = time.perf_counter()
    response = client.get(f"/ideas/export?format={kind}", buffered=False)
    size, rows = 0, 0
    for chunk in response.response:
        size += len(chunk)
        rows += chunk.count(b"\n") if kind == "csv" else 0
    response.close()
    result = {"seconds": round(time.perf_counter() - started, 2), "bytes": size, "rss_before_kb": before, "peak_rss_kb": _peak_kb(),
              "status": response.status_code}
    if kind == "csv":
        result["rows"] = rows - 1
    return result


def child_prepare(ideas: int) -> dict:
    import logging

    from bench import dataset
    from bench.common import bench_app

    logging.disable(logging.INFO)  # the migrations' chatter
    app = bench_app("sqlite", "exports")
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with app.app_context():
        from participation.extensions import db

        db.engine.dispose()
    spec = dataset.load(url, dataset.Dataset(users=1_000, ideas=ideas, votes_per_user=0), sample_users=0)
    return {"url": url, "load_seconds": round(spec.load_seconds, 1)}


def run_child(*args: str) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def show(label: str, result: dict) -> None:
    if "error" in result:
        print(f"  {label:<22} failed: {result['error']}", flush=True)
        return
    print(f"  {label:<22} {result['seconds']:>7.2f} s  {result['bytes'] / 1e6:>8.1f} MB  "
          f"RSS {result['rss_before_kb'] / 1024:>6.1f} MB before, peak {result['peak_rss_kb'] / 1024:>6.1f} MB", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rows", type=int)
    parser.add_argument("--ideas", type=int, help="ideas to bulk-load for the ideas export (0: skip it)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        what, kind, value = args.child
        if what == "synthetic":
            result = child_synthetic(kind, int(value))
        elif what == "prepare":
            result = child_prepare(int(value))
        else:
            result = child_ideas(kind, value)
        print(json.dumps(result))
        return

    rows = args.rows or (QUICK_ROWS if args.quick else ROWS)
    ideas = args.ideas if args.ideas is not None else (QUICK_IDEAS if args.quick else IDEAS)
    report = {"rows": rows, "ideas": ideas, "synthetic": {}, "ideas_export": {}}
    print(f"== synthetic export, {rows:,} rows of {len(HEADER)} cells", flush=True)
    for kind in ("csv", "xlsx"):
        report["synthetic"][kind] = result = run_child("synthetic", kind, str(rows))
        show(kind, result)

    if ideas:
        # Built in a child too: a process inherits its parent's peak RSS, so the parent stays small.
        prepared = run_child("prepare", "-", str(ideas))
        if "error" in prepared:
            print(f"  the ideas table could not be loaded: {prepared['error']}", flush=True)
        else:
            print(f"== GET /ideas/export over {ideas:,} bulk-loaded ideas (SQLite, loaded in {prepared['load_seconds']:.1f} s)", flush=True)
            for kind in ("csv", "xlsx"):
                report["ideas_export"][kind] = result = run_child("ideas", kind, prepared["url"])
                show(kind, result)

    from bench.common import write_report

    write_report("exports", report)


if __name__ == "__main__":
    main()
