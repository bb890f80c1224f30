"""A small HTTP load generator: worker processes with threads, one connection per request.

gunicorn's sync workers close every connection after one response, so each
request opens a new TCP connection, as a browser behind no proxy would.
Latencies are collected per request; the totals are merged by the parent.
"""
from __future__ import annotations

import http.client
import multiprocessing
import random
import statistics
import threading
import time
from dataclasses import dataclass


@dataclass
class Outcome:
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]
    statuses: dict[int, int]
    ok_votes: list[tuple[int, int]]  # (user id, idea id) of votes the server accepted

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return 0.0
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))]

    def summary(self) -> dict:
        return {
            "requests": self.requests,
            "errors": self.errors,
            "seconds": round(self.seconds, 2),
            "requests_per_second": round(self.rate, 1),
            "p50_ms": round(self.percentile(0.50), 2),
            "p99_ms": round(self.percentile(0.99), 2),
            "mean_ms": round(statistics.fmean(self.latencies_ms), 2) if self.latencies_ms else 0.0,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
        }


def request(port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        return response.status, response.getheaders(), data
    finally:
        connection.close()


def _worker(port, scenario, duration, threads, voters, seed, queue):
    """One process: `threads` threads sending requests until `duration` runs out."""
    deadline = time.perf_counter() + duration
    lock = threading.Lock()
    latencies, statuses, ok_votes = [], {}, []
    errors = [0]
    rng = random.Random(seed)

    def run(thread_index):
        local_rng = random.Random(rng.random())
        my_voters = voters[thread_index::threads] if voters else []
        turn = 0
        while time.perf_counter() < deadline:
            vote = None
            if scenario["kind"] == "vote":
                voter = my_voters[turn % len(my_voters)]
                turn += 1
                if not voter["todo"]:
                    continue
                idea_id = voter["todo"].pop()
                vote = (voter["user_id"], idea_id)
                body = f"csrf_token={voter['csrf']}".encode()
                headers = {"Cookie": voter["cookie"], "Content-Type": "application/x-www-form-urlencoded",
                           "Accept": "application/json"}
                args = ("POST", f"/ideas/{idea_id}/vote", body, headers)
            elif scenario["kind"] == "get_as":  # a signed-in resident's page, never from a cache
                voter = my_voters[turn % len(my_voters)]
                turn += 1
                args = ("GET", scenario["path"](local_rng), None, {"Cookie": voter["cookie"]})
            else:
                args = ("GET", scenario["path"](local_rng), None, None)
            started = time.perf_counter()
            try:
                status, _headers, _data = request(port, *args)
            except OSError:
                status = 0
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                statuses[status] = statuses.get(status, 0) + 1
                if status != 200:
                    errors[0] += 1
                elif vote:
                    ok_votes.append(vote)

    pool = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    started = time.perf_counter()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    queue.put((len(latencies), errors[0], time.perf_counter() - started, latencies, statuses, ok_votes))


def run(port: int, scenario: dict, duration: float, processes: int = 2, threads: int = 8, voters=None) -> Outcome:
    """Drive the server with processes x threads concurrent clients for `duration` seconds."""
    queue = multiprocessing.Queue()
    share = [voters[i::processes] for i in range(processes)] if voters else [None] * processes
    workers = [
        multiprocessing.Process(target=_worker, args=(port, scenario, duration, threads, share[i], 1000 + i, queue))
        for i in range(processes)
    ]
    for worker in workers:
        worker.start()
    parts = [queue.get() for _ in workers]
    for worker in workers:
        worker.join()
    statuses: dict[int, int] = {}
    for part in parts:
        for status, count in part[4].items():
            statuses[status] = statuses.get(status, 0) + count
    return Outcome(
        requests=sum(p[0] for p in parts),
        errors=sum(p[1] for p in parts),
        seconds=max(p[2] for p in parts),
        latencies_ms=[ms for p in parts for ms in p[3]],
        statuses=statuses,
        ok_votes=[v for p in parts for v in p[5]],
    )
