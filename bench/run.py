"""The voting benchmark: `make bench` (SQLite and PostgreSQL, full dataset) or `make bench-quick`.

For each engine it builds a fresh database, bulk-loads the dataset, starts
gunicorn with 4 sync workers in the production configuration, signs in a
sample of residents through the real login form, and then measures, with
the same load generator and concurrency:

  (a) ceiling  GET /_bench/noop: the same app and middleware, a view that does nothing
  (b) votes    POST /ideas/<id>/vote, signed in, with the CSRF token, as the button sends it
  (c) list     GET /rounds/<id>?sort=votes: the round's idea list, most votes first, as a
               visitor sees it (served from the 2-second visitor page cache when fresh)
  (c') list_signed_in  the same page for signed-in residents, always rendered afresh

It prints requests/s, p50 and p99 latency, errors, and (b)/(a) and (c)/(a);
then checks that every accepted vote is stored exactly once and every
counter equals its rows. Results are written as JSON under bench/results/.
This is a measurement, not a test: it asserts nothing and always exits 0
unless it cannot run at all.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import dataset, load  # noqa: E402

RESULTS = ROOT / "bench" / "results"
VENV_BIN = Path(sys.executable).parent
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')

PROFILES = {
    "full": {"users": 50_000, "ideas": 100_000, "votes_per_user": 20, "voters": 96, "duration": 20.0, "warmup": 2.0},
    "quick": {"users": 3_000, "ideas": 6_000, "votes_per_user": 10, "voters": 32, "duration": 6.0, "warmup": 1.0},
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare_database(engine: str, workdir: Path) -> str:
    if engine == "sqlite":
        path = workdir / "bench.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    import psycopg

    base = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute("DROP DATABASE IF EXISTS gongron_bench WITH (FORCE)")
        connection.execute("CREATE DATABASE gongron_bench")
    return base.rsplit("/", 1)[0] + "/gongron_bench"


def migrate(url: str) -> None:
    env = {**os.environ, "FLASK_APP": "wsgi", "GONGRON_CONFIG": "development", "DATABASE_URL": url}
    subprocess.run([str(VENV_BIN / "flask"), "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)


# Importing the app takes about a second of CPU per worker; on a busy two-core host
# four workers have been seen to need well over 30 s before the first answer.
START_SECONDS = float(os.environ.get("BENCH_START_SECONDS", "180"))
STOP_SECONDS = 60.0


class ServerNotStarted(RuntimeError):
    """The server did not answer /healthz with 200; the message says why, with the tail of its log."""

    def __init__(self, message: str, server: subprocess.Popen):
        super().__init__(message)
        self.pid = server.pid  # of the master, which led the session its workers ran in


def gunicorn_command(port: int, workers: int) -> list[str]:
    # --no-control-socket: gunicorn 25+ otherwise opens ~/.gunicorn/gunicorn.ctl, one
    # path for every server of the user, and each server that starts or stops there
    # takes over or deletes another's socket. The benchmark never uses gunicornc.
    return [str(VENV_BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}", "--no-control-socket",
            "--log-level", "info", "wsgi:app"]


def log_tail(path: Path, lines: int = 25) -> str:
    try:
        text = path.read_text(errors="replace").rstrip().splitlines()
    except OSError as exc:
        return f"(no log: {exc})"
    return "\n".join("      | " + line for line in text[-lines:]) or "      | (the log is empty)"


def start_server(url: str, port: int, workers: int, log_path: Path, start_seconds: float = START_SECONDS) -> subprocess.Popen:
    """gunicorn in the production configuration, its output in `log_path`; raises ServerNotStarted, saying why."""
    env = {
        **os.environ,
        "GONGRON_CONFIG": "production",
        "GONGRON_BENCH": "1",
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": url,
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "UPLOAD_FOLDER": str(RESULTS / "tmp" / "uploads"),
        # Production keeps its rate-limit counters in Redis (and refuses to start without it);
        # the benchmark's own prefix keeps them apart from anything else on that Redis.
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"),
        "RATELIMIT_KEY_PREFIX": "bench-" + secrets.token_hex(4),
    }
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        # A session of its own, so that stopping it stops every worker too (never an orphan
        # still answering, on a database the benchmark has since removed).
        server = subprocess.Popen(gunicorn_command(port, workers), cwd=ROOT, env=env, stdout=log,
                                  stderr=subprocess.STDOUT, start_new_session=True)
    started = time.monotonic()
    last = "no answer yet"
    while time.monotonic() - started < start_seconds:
        if server.poll() is not None:
            raise ServerNotStarted(f"gunicorn exited with status {server.returncode} before answering; "
                                   f"its log ({log_path}):\n{log_tail(log_path)}", server)
        try:
            status, _, body = load.request(port, "GET", "/healthz")
        except OSError as exc:
            last = f"no answer ({exc.__class__.__name__}: {exc})"
        else:
            if status == 200:
                print(f"   gunicorn answered after {time.monotonic() - started:.1f} s", flush=True)
                return server
            last = f"/healthz answered {status}: {body[:200].decode(errors='replace')}"
            if status == 503:  # the database cannot be reached: waiting will not help, and the log says why
                stop_server(server)
                raise ServerNotStarted(f"{last}; its log ({log_path}):\n{log_tail(log_path)}", server)
        time.sleep(0.2)
    stop_server(server)
    raise ServerNotStarted(f"gunicorn did not answer /healthz with 200 within {start_seconds:.0f} s "
                           f"(last: {last}); its log ({log_path}):\n{log_tail(log_path)}", server)


def stop_server(server: subprocess.Popen) -> None:
    """Stop gunicorn and all its workers, gracefully if it can within STOP_SECONDS."""
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(server.pid, signal.SIGKILL)  # whatever is left of its session: workers the master lost
    except (ProcessLookupError, PermissionError):
        pass
    server.wait()


def _cookie(headers, previous: str | None = None) -> str | None:
    for name, value in headers:
        if name.lower() == "set-cookie" and value.startswith("gongron_session="):
            return value.split(";", 1)[0]
    return previous


def sign_in(port: int, user_id: int) -> dict:
    """Sign in through the real form, as a browser would, and keep what a vote needs."""
    status, headers, body = load.request(port, "GET", "/login")
    cookie = _cookie(headers)
    token = next(g for g in CSRF_RE.search(body.decode()).groups() if g)
    form = f"csrf_token={quote(token)}&email=bench{user_id}%40bench.gongron.kr&password={dataset.PASSWORD}".encode()
    status, headers, _ = load.request(port, "POST", "/login", form, {
        "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    if status != 302:
        raise RuntimeError(f"sign-in failed for bench{user_id}: {status}")
    cookie = _cookie(headers, cookie)
    status, headers, body = load.request(port, "GET", "/me/votes", headers={"Cookie": cookie})
    cookie = _cookie(headers, cookie)
    token = next(g for g in CSRF_RE.search(body.decode()).groups() if g)
    return {"user_id": user_id, "cookie": cookie, "csrf": quote(token)}


def voters_for(port: int, spec: dataset.Dataset, count: int) -> list[dict]:
    rng = random.Random(11)
    with ThreadPoolExecutor(max_workers=8) as pool:
        voters = list(pool.map(lambda n: sign_in(port, n), range(1, count + 1)))
    for voter in voters:
        already = spec.sample_votes[voter["user_id"]]
        todo = [i for i in rng.sample(range(1, spec.ideas + 1), min(spec.ideas, 4000)) if i not in already]
        voter["todo"] = todo
    return voters


def verify(url: str, expected_votes: int, accepted: list[tuple[int, int]]) -> dict:
    """Every accepted vote stored once, no vote stored that was not accepted, every counter true."""
    from sqlalchemy import create_engine, text

    from config import normalise_database_url

    engine = create_engine(normalise_database_url(url))
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT count(*) FROM votes")).scalar()
        duplicates = connection.execute(
            text("SELECT count(*) FROM (SELECT idea_id, user_id FROM votes GROUP BY idea_id, user_id HAVING count(*) > 1) d")
        ).scalar()
        drift = connection.execute(text(
            "SELECT count(*) FROM ideas LEFT JOIN (SELECT idea_id, count(*) AS n FROM votes GROUP BY idea_id) c "
            "ON c.idea_id = ideas.id WHERE ideas.vote_count <> coalesce(c.n, 0)"
        )).scalar()
    engine.dispose()
    accepted_twice = len(accepted) - len(set(accepted))
    missing_or_extra = abs(rows - (expected_votes + len(set(accepted))))
    return {
        "vote_rows": rows,
        "expected_rows": expected_votes + len(set(accepted)),
        "duplicate_rows": duplicates,
        "accepted_twice": accepted_twice,
        "counters_off": drift,
        "lost_or_duplicated": missing_or_extra + duplicates + accepted_twice + drift,
    }


def bench_engine(engine: str, profile: dict, workdir: Path) -> dict:
    print(f"\n== {engine}: {profile['users']:,} users, {profile['ideas']:,} ideas, "
          f"{profile['users'] * profile['votes_per_user']:,} votes", flush=True)
    url = prepare_database(engine, workdir)
    migrate(url)
    spec = dataset.load(url, dataset.Dataset(profile["users"], profile["ideas"], profile["votes_per_user"]), profile["voters"])
    print(f"   dataset loaded in {spec.load_seconds:.1f} s", flush=True)
    port = free_port()
    server = start_server(url, port, workers=4, log_path=workdir / f"gunicorn-{engine}.log")
    try:
        voters = voters_for(port, spec, profile["voters"])
        scenarios = {
            "ceiling": {"kind": "get", "path": lambda rng: "/_bench/noop"},
            "votes": {"kind": "vote"},
            "list": {"kind": "get", "path": lambda rng: f"/rounds/{spec.round_id}?sort=votes"},
            "list_signed_in": {"kind": "get_as", "path": lambda rng: f"/rounds/{spec.round_id}?sort=votes"},
        }
        outcomes = {}
        for name, scenario in scenarios.items():
            if scenario["kind"] == "get":
                load.run(port, scenario, profile["warmup"])
            outcomes[name] = load.run(
                port, scenario, profile["duration"], voters=voters if scenario["kind"] in ("vote", "get_as") else None
            )
            summary = outcomes[name].summary()
            print(f"   {name:8} {summary['requests_per_second']:8.1f} req/s   p50 {summary['p50_ms']:7.2f} ms   "
                  f"p99 {summary['p99_ms']:7.2f} ms   errors {summary['errors']}", flush=True)
    finally:
        stop_server(server)
    check = verify(url, spec.total_votes, outcomes["votes"].ok_votes)
    ceiling = outcomes["ceiling"].rate or 1
    result = {
        "engine": engine,
        "dataset": {"users": spec.users, "ideas": spec.ideas, "votes": spec.total_votes, "load_seconds": round(spec.load_seconds, 1)},
        "server": "gunicorn, 4 sync workers, production configuration",
        "machine": {"cpus": os.cpu_count()},
        "scenarios": {name: outcome.summary() for name, outcome in outcomes.items()},
        "vote_ratio": round(outcomes["votes"].rate / ceiling, 3),
        "list_ratio": round(outcomes["list"].rate / ceiling, 3),
        "list_signed_in_ratio": round(outcomes["list_signed_in"].rate / ceiling, 3),
        "errors": sum(o.errors for o in outcomes.values()),
        "integrity": check,
    }
    print(f"   vote/ceiling {result['vote_ratio']:.2f}   list/ceiling {result['list_ratio']:.2f}   "
          f"signed-in list/ceiling {result['list_signed_in_ratio']:.2f}   "
          f"accepted votes {len(outcomes['votes'].ok_votes)}   lost or duplicated {check['lost_or_duplicated']}", flush=True)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small dataset, SQLite only, under a minute")
    parser.add_argument("--engines", default=None, help="comma-separated: sqlite,postgresql")
    parser.add_argument("--duration", type=float, default=None, help="seconds per scenario")
    args = parser.parse_args()
    profile = dict(PROFILES["quick" if args.quick else "full"])
    if args.duration:
        profile["duration"] = args.duration
    engines = (args.engines or ("sqlite" if args.quick else "sqlite,postgresql")).split(",")
    workdir = RESULTS / "tmp"
    workdir.mkdir(parents=True, exist_ok=True)
    results = []
    for engine in engines:
        try:
            results.append(bench_engine(engine.strip(), profile, workdir))
        except Exception as exc:  # a missing engine is reported, not fatal for the others
            print(f"   {engine}: could not run: {exc}", flush=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"{stamp}-{'quick' if args.quick else 'full'}.json"
    out.write_text(json.dumps({"profile": profile, "results": results}, ensure_ascii=False, indent=2))
    shutil.rmtree(workdir, ignore_errors=True)
    print(f"\nresults written to {out.relative_to(ROOT)}")
    if not results:
        print("RESULT vote_ratio=0 list_ratio=0 errors=-1 lost_or_duplicated=-1")
        return 1
    # The weakest engine for each figure.
    print(f"RESULT vote_ratio={min(r['vote_ratio'] for r in results):.2f} list_ratio={min(r['list_ratio'] for r in results):.2f} "
          f"errors={sum(r['errors'] for r in results)} "
          f"lost_or_duplicated={sum(r['integrity']['lost_or_duplicated'] for r in results)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
