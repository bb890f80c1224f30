"""What deliberation does when something happens elsewhere (lower domains send signals, never import us).

Each receiver runs inside the sender's write transaction.
"""
from __future__ import annotations

from participation.core import signals


def _account_deleted(user, now, **_):
    from participation.deliberation import services

    services.withdraw_unpublished(user, now)


def _idea_withdrawn(idea, now, **_):
    from participation.deliberation import services

    services.close_idea_items(idea, now)


def connect() -> None:
    signals.user_deleted.connect(_account_deleted)
    signals.idea_withdrawn.connect(_idea_withdrawn)
