"""Long sweeps as short transactions.

A sweep that closes or publishes something large claims it with one conditional update and then
does the rest in bounded batches, each its own short write transaction, so that votes, sign-ins
and everything else a resident does never wait long behind it (on SQLite a write transaction
holds the whole database). Each batch is idempotent or guarded by a cursor, so a crash between
two batches is resumed by the next sweep with the same final result.

Receivers of the signals such a sweep sends (notifications) look at `in_own_transactions()`:
inside it, no transaction is open around them, and they write what the event causes in short
transactions of their own instead of in the sender's.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")

_own_transactions: ContextVar[bool] = ContextVar("gongron_own_transactions", default=False)


@contextmanager
def own_transactions() -> Iterator[None]:
    """Within the block, signal receivers open (and commit) short write transactions of their own."""
    token = _own_transactions.set(True)
    try:
        yield
    finally:
        _own_transactions.reset(token)


def in_own_transactions() -> bool:
    return _own_transactions.get()


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for offset in range(0, len(items), size):
        yield items[offset:offset + size]


def between_batches(step: str) -> None:
    """Called after each batch a sweep commits, with no transaction open (`step` names the work:
    "close", "notify", ...). It does nothing: tests replace it to pause a sweep there, or to
    crash it, and a debugger may stop on it."""
