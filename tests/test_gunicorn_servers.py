"""Every gunicorn the project starts or documents keeps to itself, and the benchmark says why one did not start."""
from __future__ import annotations

import os
import re
import socket
from pathlib import Path

import pytest

from bench import run as bench

ROOT = Path(__file__).resolve().parents[1]
OWN_CONTROL_SOCKET = re.compile(r"--no-control-socket|--control-socket[ =]\S+")


def _listening_socket():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    return sock


def test_the_benchmark_server_has_no_shared_control_socket():
    command = " ".join(bench.gunicorn_command(8000, 4))
    assert OWN_CONTROL_SOCKET.search(command), command


def test_every_documented_gunicorn_command_has_a_control_socket_of_its_own():
    documented = [line for line in (ROOT / "README.md").read_text().splitlines()
                  if re.search(r"(^|\s|/)gunicorn\s+-", line) or "ExecStart=" in line and "gunicorn" in line]
    assert documented, "the README documents how to run gunicorn"
    for line in documented:
        assert OWN_CONTROL_SOCKET.search(line), line


def test_every_test_that_starts_gunicorn_gives_it_a_control_socket_of_its_own():
    starts = re.compile(r"""["'/]gunicorn["']|bin/gunicorn|"gunicorn\.app""")
    for path in sorted((ROOT / "tests").rglob("*.py")):
        if path.resolve() == Path(__file__).resolve():
            continue
        text = path.read_text()
        if starts.search(text):
            assert OWN_CONTROL_SOCKET.search(text), f"{path.relative_to(ROOT)} starts gunicorn on the shared control socket"


def test_the_benchmark_says_why_gunicorn_did_not_start(tmp_path):
    taken = _listening_socket()
    try:
        log = tmp_path / "gunicorn.log"
        with pytest.raises(bench.ServerNotStarted) as refused:
            bench.start_server(f"sqlite:///{tmp_path / 'bench.sqlite3'}", taken.getsockname()[1], 1, log, start_seconds=120)
    finally:
        taken.close()
    message = str(refused.value)
    assert "exited with status" in message
    assert "Connection in use" in message  # the tail of gunicorn's own log


def test_the_benchmark_reports_a_database_it_cannot_open_and_leaves_no_worker_behind(tmp_path):
    missing = tmp_path / "removed" / "bench.sqlite3"
    with pytest.raises(bench.ServerNotStarted) as refused:
        bench.start_server(f"sqlite:///{missing}", bench.free_port(), 2, tmp_path / "gunicorn.log", start_seconds=120)
    message = str(refused.value)
    assert "/healthz answered 503" in message
    assert "directory that does not exist" in message  # the server's one line about DATABASE_URL
    with pytest.raises(ProcessLookupError):
        os.killpg(refused.value.pid, 0)  # no worker of that server is left answering


def test_stopping_the_benchmark_server_stops_its_workers(tmp_path):
    server = bench.start_server(f"sqlite:///{tmp_path / 'bench.sqlite3'}", bench.free_port(), 2, tmp_path / "gunicorn.log",
                                start_seconds=120)
    group = os.getpgid(server.pid)
    assert group == server.pid  # a session of its own
    bench.stop_server(server)
    with pytest.raises(ProcessLookupError):
        os.killpg(group, 0)

