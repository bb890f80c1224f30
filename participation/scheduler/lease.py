"""The scheduler lease: one row per lease name, saying which process may run sweeps and until when.

Several schedulers may be running at once (a standby node, a second
`flask scheduler run` started by mistake, the dev server and a cron `flask
scheduler once`); only the lease's holder acts. Taking, renewing and checking
the lease are one statement, a conditional UPDATE:

    UPDATE scheduler_leases SET holder = :me, expires_at = :now + ttl
    WHERE name = :name AND (holder = :me OR expires_at <= :now)

It matches only for the current holder or a lease that has run out, so of two
processes racing for a lapsed lease exactly one changes the row. On PostgreSQL
the second UPDATE waits for the first one's row lock and then re-checks its
condition against the new row (READ COMMITTED), finding the lease taken: that
row lock is the one DESIGN.md speaks of, taken by the UPDATE itself rather than
by a separate SELECT ... FOR UPDATE. On SQLite the statement runs under BEGIN
IMMEDIATE (write_transaction), which admits one writer at a time.

Each sweep repeats the statement as the first thing in its own transaction
(`claim`), so the lease row (PostgreSQL) or the whole database (SQLite) stays
locked until the sweep commits: a holder that lost its lease during a long
pause finds out before acting, and no successor can take over halfway through
a sweep. The lease avoids duplicated work; the sweeps stay idempotent anyway.

So renewing never queues behind the sweep it guards: while such a transaction
is open (and, on SQLite, while any of a sweep's own transactions holds the one
write lock) the holder counts the lease as held without writing, and the
transaction claims it once more just before it commits (runner.py). A standby
sees a live lease by reading alone, and waits for no lock to learn it.

The row is created on first use. Two processes creating it at once end with one
row and one IntegrityError, which counts as "not acquired".

Times come from each process's own clock; across machines they are assumed to
be NTP-synchronised, which is far inside the 30-second lifetime.
"""
from __future__ import annotations

import os
import secrets
import socket
from datetime import datetime, timedelta

from sqlalchemy import case, insert, literal, or_, select, update
from sqlalchemy.exc import IntegrityError

from participation.core.db import write_transaction
from participation.core.models import UTCDateTime
from participation.core.time import as_utc
from participation.extensions import db
from participation.scheduler.models import SchedulerLease

LEASE_NAME = "scheduler"
LEASE_TTL = timedelta(seconds=30)


def make_holder_id() -> str:
    """hostname:pid:random; the random part tells apart two processes that reuse a pid."""
    return f"{socket.gethostname()[:200]}:{os.getpid()}:{secrets.token_hex(4)}"


class Lease:
    """One process's side of a lease. Call its methods inside an app context."""

    def __init__(self, name: str = LEASE_NAME, *, holder: str | None = None, ttl: timedelta = LEASE_TTL):
        self.name = name
        self.holder = holder or make_holder_id()
        self.ttl = ttl
        # Until when this process last made sure it holds the lease (None: never).
        self.confirmed_until: datetime | None = None

    def __repr__(self) -> str:
        return f"<Lease {self.name} as {self.holder}>"

    def claim(self, now: datetime) -> bool:
        """Take or renew the lease inside the current write transaction; the caller commits.

        True when this process holds it until `now + ttl`. The row stays locked
        until the transaction ends.
        """
        session = db.session()
        lease = SchedulerLease.__table__.c
        stamp = literal(now, UTCDateTime())
        taken = session.execute(
            update(SchedulerLease)
            .where(lease.name == self.name, or_(lease.holder == self.holder, lease.expires_at <= stamp))
            .values(
                holder=self.holder,
                acquired_at=case((lease.holder == self.holder, lease.acquired_at), else_=stamp),
                expires_at=now + self.ttl,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        if taken:
            self.confirmed_until = now + self.ttl
            return True
        # Look before inserting: a standby polling every few seconds should not
        # fill the PostgreSQL log with unique-violation errors.
        if session.scalar(select(lease.name).where(lease.name == self.name)) is not None:
            return False
        try:
            with session.begin_nested():
                session.execute(
                    insert(SchedulerLease).values(
                        name=self.name, holder=self.holder, acquired_at=now, expires_at=now + self.ttl
                    )
                )
        except IntegrityError:  # another process created the row first, and so holds it
            return False
        self.confirmed_until = now + self.ttl
        return True

    def acquire(self, now: datetime, *, patience: float | None = None) -> bool:
        """Take or renew the lease in a transaction of its own.

        A lease another scheduler holds is seen by reading alone, so a standby
        never waits for the write lock (SQLite) or the row (PostgreSQL) that the
        holder's sweep keeps. `patience` bounds the wait for them otherwise
        (see write_transaction); running out raises OperationalError.
        """
        if self.held_elsewhere(now):
            return False
        with write_transaction(urgent=True, patience=patience):
            return self.claim(now)

    def held_elsewhere(self, now: datetime) -> bool:
        """True when another scheduler's lease is live at `now`, as last committed."""
        lease = SchedulerLease.__table__.c
        row = db.session.execute(select(lease.holder, lease.expires_at).where(lease.name == self.name)).first()
        return row is not None and row.holder != self.holder and as_utc(row.expires_at) > now

    def release(self, now: datetime) -> None:
        """Let the lease go at once (if still ours), so a waiting scheduler need not wait for it to expire."""
        lease = SchedulerLease.__table__.c
        self.confirmed_until = None
        with write_transaction(urgent=True) as session:
            session.execute(
                update(SchedulerLease)
                .where(lease.name == self.name, lease.holder == self.holder)
                .values(expires_at=now)
                .execution_options(synchronize_session=False)
            )


def current_lease(name: str = LEASE_NAME) -> SchedulerLease | None:
    """The lease row as stored, whoever holds it (None if no scheduler ever ran)."""
    return db.session.scalar(select(SchedulerLease).where(SchedulerLease.name == name))
