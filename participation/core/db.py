"""Engine settings that make SQLite behave like the production database where it matters."""
from __future__ import annotations

import os
import sqlite3
import threading
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

BUSY_TIMEOUT_MS = 10000


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin,
    # so SAVEPOINT works and a write transaction can start with BEGIN IMMEDIATE.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    # FULL: a vote reported as counted survives a power cut. NORMAL trades that
    # (never consistency) for write speed; operators may choose it knowingly.
    synchronous = os.environ.get("GONGRON_SQLITE_SYNCHRONOUS", "FULL").upper()
    cursor.execute(f"PRAGMA synchronous={synchronous if synchronous in ('FULL', 'NORMAL') else 'FULL'}")
    cursor.execute("PRAGMA journal_mode")
    mode = cursor.fetchone()[0]
    if mode not in ("memory", "wal"):
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(conn):
    if conn.dialect.name == "sqlite":
        # A write transaction takes the write lock at BEGIN, so it waits its turn
        # (busy_timeout) instead of failing later with "database is locked".
        options = conn.get_execution_options()
        if not options.get("write"):
            conn.exec_driver_sql("BEGIN")
            return
        patience = options.get("patience")
        if patience is None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            return
        # A bounded wait for another process's writer; on the raw connection, so
        # counted statements stay the service's own.
        raw = conn.connection.dbapi_connection
        raw.execute(f"PRAGMA busy_timeout={max(1, int(patience * 1000))}")
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        finally:
            raw.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


@contextmanager
def write_transaction(*, urgent: bool = False, patience: float | None = None):
    """Run the block as one write transaction and commit it.

    Whatever the request read before is committed first, so the block starts a
    fresh transaction: BEGIN IMMEDIATE on SQLite (the whole database is then
    locked for other writers until commit), an ordinary transaction on
    PostgreSQL, where the services take row locks with SELECT ... FOR UPDATE.
    On an error the block is rolled back and the error raised.

    `urgent` goes ahead of this process's other writers waiting on SQLite (the
    scheduler's lease renewal, which must not queue behind the sweeps it
    guards). `patience` bounds, in seconds, the wait for this process's writer
    gate (SQLite) or for a row lock (PostgreSQL, as lock_timeout); on running
    out it raises OperationalError, as a busy database does.
    """
    from participation.extensions import db

    session = db.session()  # the request's Session itself, not the scoped proxy
    if session.in_transaction():
        # End the read transaction but keep what it loaded (the signed-in person,
        # the idea): the services re-read with locks whatever must be current.
        expire, session.expire_on_commit = session.expire_on_commit, False
        try:
            session.commit()
        finally:
            session.expire_on_commit = expire
    engine = session.get_bind()
    hold = _enter_writer_gate(engine, urgent=urgent, patience=patience)
    # A block that commits step by step (write_transaction blocks inside this
    # one) ends this transaction at its first step: the gate goes with it, so
    # other writers get in between the steps as they do on the database.
    session.info["writer_gate_hold"] = hold
    try:
        connection = session.connection(execution_options={"write": True, "patience": patience})
        if patience is not None and engine.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SET LOCAL lock_timeout = {max(1, int(patience * 1000))}")
        session.info["write_transaction"] = True
        began = session.info.get("on_write_transaction")
        try:
            if began is not None:  # the scheduler's, while a sweep runs (scheduler/runner.py)
                began(session)
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
    finally:
        hold.release()


# SQLite has one writer at a time, and its busy handler is not a queue: a
# writer that keeps losing the race for the lock gives up after busy_timeout
# with "database is locked", however short each transaction is. Threads of one
# process therefore queue here first; busy_timeout then only arbitrates
# between processes (the web server and the scheduler), where contention is low.
WRITER_GATE_TIMEOUT = 60.0


class WriterGate:
    """A reentrant lock whose urgent waiters go ahead of the others."""

    def __init__(self):
        self._changed = threading.Condition(threading.Lock())
        self._owner: int | None = None
        self._depth = 0
        self._urgent_waiting = 0

    def acquire(self, timeout: float, *, urgent: bool = False) -> bool:
        me = threading.get_ident()
        with self._changed:
            if self._owner == me:
                self._depth += 1
                return True
            if urgent:
                self._urgent_waiting += 1
            try:
                free = self._changed.wait_for(
                    lambda: self._owner is None and (urgent or not self._urgent_waiting), timeout
                )
            finally:
                if urgent:
                    self._urgent_waiting -= 1
                    self._changed.notify_all()  # the others may go now, if it gave up
            if not free:
                return False
            self._owner, self._depth = me, 1
            return True

    def release(self) -> None:
        with self._changed:
            if self._owner != threading.get_ident():
                raise RuntimeError("the writer gate is released by a thread that does not hold it")
            self._depth -= 1
            if not self._depth:
                self._owner = None
                self._changed.notify_all()


_writer_gates: dict[str, WriterGate] = {}
_writer_gates_lock = threading.Lock()


def writer_gate(engine) -> WriterGate | None:
    """This process's gate for writers to the SQLite database `engine` (None on other databases)."""
    if engine.dialect.name != "sqlite":
        return None
    key = str(engine.url)
    with _writer_gates_lock:
        return _writer_gates.setdefault(key, WriterGate())


class _GateHold:
    """One write_transaction's turn at the gate, given back once: at the end of its
    transaction or of its block, whichever comes first."""

    def __init__(self, gate: WriterGate | None):
        self._gate = gate

    def release(self) -> None:
        gate, self._gate = self._gate, None
        if gate is not None:
            gate.release()


def _enter_writer_gate(engine, *, urgent: bool, patience: float | None) -> _GateHold:
    gate = writer_gate(engine)
    if gate is not None:
        timeout = WRITER_GATE_TIMEOUT if patience is None else patience
        if not gate.acquire(timeout, urgent=urgent):
            from sqlalchemy.exc import OperationalError

            # The same error SQLite raises, so the web layer answers 503 "busy, try again".
            raise OperationalError("BEGIN IMMEDIATE", (), sqlite3.OperationalError("database is locked"))
    return _GateHold(gate)


@event.listens_for(Session, "after_transaction_end")
def _end_of_write_transaction(session, transaction):
    if transaction.parent is None:  # the outermost transaction, not a savepoint inside it
        session.info.pop("write_transaction", None)
        hold = session.info.pop("writer_gate_hold", None)
        if hold is not None:
            hold.release()


@event.listens_for(Session, "before_flush")
def _writes_belong_in_write_transactions(session, flush_context, instances):
    """On SQLite, a request that writes outside write_transaction() risks "database is locked"
    (a read transaction cannot always be upgraded). Tests and debugging make that an error."""
    from flask import has_request_context

    if not has_request_context() or session.info.get("write_transaction"):
        return
    if not (session.new or session.dirty or session.deleted) or session.get_bind().dialect.name != "sqlite":
        return
    _outside_write_transaction()


def _outside_write_transaction():
    from flask import current_app

    message = "a request wrote outside write_transaction()"
    if current_app.config.get("TESTING") or current_app.debug:
        raise RuntimeError(message)
    current_app.logger.warning(message)


@event.listens_for(Session, "do_orm_execute")
def _statements_belong_in_write_transactions(orm_execute_state):
    """The same rule for INSERT/UPDATE/DELETE statements, which never pass through a flush."""
    from flask import has_request_context

    if not (orm_execute_state.is_insert or orm_execute_state.is_update or orm_execute_state.is_delete):
        return
    session = orm_execute_state.session
    if not has_request_context() or session.info.get("write_transaction"):
        return
    if session.get_bind().dialect.name == "sqlite":
        _outside_write_transaction()


# Schema objects the migrations create outside the models (the full-text
# index), which comparisons against the models must not report as extra.
UNMAPPED_TABLE_PREFIXES = ("idea_search",)
UNMAPPED_INDEXES = frozenset({"ix_ideas_search"})


def include_in_comparison(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic `include_object` hook: leave out what the models do not describe on purpose."""
    if type_ == "table" and name and name.startswith(UNMAPPED_TABLE_PREFIXES):
        return False
    if type_ == "index" and name in UNMAPPED_INDEXES:
        return False
    return True


def lock_for_update(obj) -> None:
    """Reload `obj` and hold its row until commit (PostgreSQL); inside write_transaction()
    SQLite already holds the whole database, and the reload still gives fresh values."""
    from sqlalchemy import inspect, select

    from participation.extensions import db

    session = db.session()
    if session.get_bind().dialect.name == "postgresql":
        # NO KEY UPDATE: rows that merely reference this one (audit, timeline,
        # votes) can still be inserted by others, so no two requests deadlock.
        # The row alone is locked (a refresh could carry eager outer joins).
        mapper = inspect(obj).mapper
        key = mapper.primary_key[0]
        session.execute(select(key).where(key == inspect(obj).identity[0]).with_for_update(key_share=True))
    session.refresh(obj)
