"""What panels do when something happens elsewhere. Each receiver runs inside the sender's write transaction."""
from __future__ import annotations

from participation.core import signals


def _account_deleted(user, now, **_):
    from participation.panels import services

    services.account_deleted(user, now)


def connect() -> None:
    signals.user_deleted.connect(_account_deleted)
