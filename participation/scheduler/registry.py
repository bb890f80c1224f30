"""What a sweep is. The list of sweeps the site runs is in sweeps.py."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Sweep:
    """A service the scheduler calls as `function(now)`, every `interval` and at start-up.

    `function` must be idempotent. The scheduler runs it inside
    write_transaction() and commits, or rolls back if it raises; a service may
    also commit step by step with write_transaction() blocks of its own (one
    round at a time), the runner's transaction then ending at the first step,
    after the lease was checked. What it returns is logged: a count, a
    collection of what changed, or a mapping of counts.

    `deadlines(now, horizon)`, when given, lists the moments in
    (now, now + horizon] at which the sweep has work, such as rounds' voting
    deadlines. The scheduler asks every minute and after each sweep, and runs
    the sweep a second after each of them, so a round closes on time without
    a sweep every second. It only reads; the interval remains the safety net
    for anything it misses.
    """

    name: str
    function: Callable[[datetime], object]
    interval: timedelta
    deadlines: Callable[[datetime, timedelta], Iterable[datetime]] | None = None
    # The function opens its own short write transactions and does slow work (network) between
    # them: the runner claims the lease in a transaction of its own and calls it outside any, so
    # the database (and, on SQLite, this process's writer lock) is never held while it waits.
    own_transactions: bool = False
    # A deadline sweep (closing or publishing at a stated moment): it runs on a worker of its
    # own, so no slow sweep (the email outbox, a long publication) delays it.
    on_time: bool = False

    def __post_init__(self):
        if self.interval <= timedelta(0):
            raise ValueError(f"sweep {self.name}: the interval must be positive")
