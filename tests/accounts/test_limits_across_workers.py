"""Sign-in limits hold across gunicorn workers: the production configuration, three workers, one Redis.

In memory, each worker kept counters of its own: with `-w 4`, one account allowed 11 failed
sign-ins before a 429 (limit 5) and one address 26 failures without any (limit 20).

To be sure the attempts are spread over the workers, each batch of three is sent so that no
worker can take two of them: a sync worker serves one connection at a time, and every
connection of a batch is opened and its request begun before any is finished. The access log
names the worker (its pid) that served each attempt, so the test can also show that the worker
that answered 429 had not seen enough failures by itself to refuse.
"""
from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.conftest import CSRF_RE
from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"
WORKERS = 3


def _redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("GONGRON_REQUIRE_REDIS"):
            raise
        pytest.skip(f"Redis is not reachable at {url}")
    return url


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _prepare_database(url: str, emails: list[str]) -> None:
    from flask_migrate import upgrade

    from participation import create_app
    from participation.extensions import db
    from tests.factories import make_user

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        for email in emails:
            make_user(email=email)
        db.session.remove()
        db.engine.dispose()


class Server:
    def __init__(self, tmp_path: Path, database_url: str, redis_url: str):
        if not GUNICORN.exists():
            pytest.skip(f"gunicorn is not installed at {GUNICORN}")
        self.port = _free_port()
        self.access_log = tmp_path / "access.log"
        self.error_log = tmp_path / "error.log"
        env = {
            **os.environ,
            "GONGRON_CONFIG": "production",
            "SECRET_KEY": secrets.token_hex(32),
            "DATABASE_URL": database_url,
            "PUBLIC_URL": f"http://127.0.0.1:{self.port}",
            "REDIS_URL": redis_url,
            # Its own counters, whatever else uses this Redis meanwhile.
            "RATELIMIT_KEY_PREFIX": "test-" + secrets.token_hex(8),
            # Behind one proxy: X-Forwarded-For gives each phase its own client address.
            "TRUSTED_PROXY_COUNT": "1",
            "UPLOAD_FOLDER": str(tmp_path / "uploads"),
            "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
            "MAIL_BACKEND": "file",
        }
        self.process = subprocess.Popen(
            [
                str(GUNICORN), "-w", str(WORKERS), "-b", f"127.0.0.1:{self.port}",
                # gunicorn's control socket defaults to one path per user: two servers on a host collide there.
                "--no-control-socket",
                "--access-logfile", str(self.access_log),
                "--access-logformat", "%(p)s %(m)s %(U)s %(s)s %({x-forwarded-for}i)s",
                "--error-logfile", str(self.error_log),
                "wsgi:app",
            ],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as response:
                    if response.status == 200 and self._workers_booted() >= WORKERS:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        pytest.fail(f"gunicorn did not start; its log:\n{self.error_log.read_text() if self.error_log.exists() else '(none)'}")

    def _workers_booted(self) -> int:
        return self.error_log.read_text().count("Booting worker") if self.error_log.exists() else 0

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def form_session(self) -> tuple[str, str]:
        """A session cookie and its CSRF token, as a browser gets them from the sign-in page."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/login", timeout=10) as response:
            cookie = next(v for k, v in response.headers.items() if k.lower() == "set-cookie" and v.startswith("gongron_session="))
            match = CSRF_RE.search(response.read().decode())
        return cookie.split(";", 1)[0], match.group(1) or match.group(2)

    def sign_in_batch(self, attempts: list[tuple[str, str, str]], cookie: str, token: str) -> list[int]:
        """Send up to WORKERS sign-ins (email, password, client address) so that each worker takes one."""
        assert len(attempts) <= WORKERS
        requests = []
        for email, password, address in attempts:
            body = f"csrf_token={quote(token)}&email={quote(email)}&password={quote(password)}".encode()
            head = (
                f"POST /login HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nCookie: {cookie}\r\n"
                f"X-Forwarded-For: {address}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            ).encode()
            requests.append(head + body)
        connections = []
        for request in requests:
            connection = socket.create_connection(("127.0.0.1", self.port), timeout=30)
            connection.sendall(request[:20])  # begun, not finished: the worker that took it waits for the rest
            connections.append(connection)
        time.sleep(0.3)
        statuses = []
        for connection, request in zip(connections, requests, strict=True):
            connection.sendall(request[20:])
            reply = b""
            while chunk := connection.recv(65536):
                reply += chunk
            connection.close()
            statuses.append(int(reply.split(b" ", 2)[1]))
        return statuses

    def workers_by_address(self) -> dict[str, list[str]]:
        """For each client address, the pid of the worker that served each POST /login, in order."""
        time.sleep(0.2)  # the access log is written after the response
        served: dict[str, list[str]] = {}
        for line in self.access_log.read_text().splitlines():
            match = re.match(r"<(\d+)> POST /login (\d+) (\S+)", line)
            if match:
                served.setdefault(match.group(3), []).append(match.group(1))
        return served


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # One server for the module: each test uses its own client addresses and accounts.
    tmp_path = tmp_path_factory.mktemp("workers")
    redis_url = _redis_url()
    database_url = f"sqlite:///{tmp_path / 'workers.sqlite3'}"
    _prepare_database(database_url, ["target@example.kr"] + [f"person{n}@example.kr" for n in range(6)])
    running = Server(tmp_path, database_url, redis_url)
    yield running
    running.stop()


def _in_batches(attempts, size=WORKERS):
    return [attempts[i : i + size] for i in range(0, len(attempts), size)]


def test_the_account_limit_holds_across_workers(server):
    cookie, token = server.form_session()
    # Five wrong passwords for one account, each from another address (so the address limit is not what answers).
    wrong = [("target@example.kr", "not-the-password", f"10.1.0.{n}") for n in range(5)]
    statuses = [s for batch in _in_batches(wrong) for s in server.sign_in_batch(batch, cookie, token)]
    assert statuses == [422] * 5
    # The sixth attempt, with the right password, from yet another address and worker.
    assert server.sign_in_batch([("target@example.kr", PASSWORD, "10.1.0.99")], cookie, token) == [429]
    served = server.workers_by_address()
    failures = Counter(served[f"10.1.0.{n}"][0] for n in range(5))
    refusing_worker = served["10.1.0.99"][0]
    assert len(failures) == WORKERS, failures
    # Alone, the worker that refused had seen fewer than five failures: the count is shared.
    assert failures[refusing_worker] < 5


def test_the_address_limit_holds_across_workers(server):
    cookie, token = server.form_session()
    # Twenty failures from one address, four on each of five accounts (under the account limit of five).
    wrong = [(f"person{n % 5}@example.kr", "not-the-password", "10.2.0.1") for n in range(20)]
    statuses = [s for batch in _in_batches(wrong) for s in server.sign_in_batch(batch, cookie, token)]
    assert statuses == [422] * 20
    assert server.sign_in_batch([("person5@example.kr", PASSWORD, "10.2.0.1")], cookie, token) == [429]
    # Another address is not affected.
    assert server.sign_in_batch([("person5@example.kr", PASSWORD, "10.2.0.2")], cookie, token) == [302]
    served = server.workers_by_address()["10.2.0.1"]
    failures = Counter(served[:20])
    assert len(failures) == WORKERS, failures
    assert failures[served[20]] < 20
