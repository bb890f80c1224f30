"""Who may read notifications, follow, and see the outbox."""
from __future__ import annotations

from participation.accounts.permissions import is_admin


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and not user.is_deleted)


def can_read_notifications(user) -> bool:
    return _active(user)


def can_follow(user) -> bool:
    """Anyone signed in (a suspended account may still follow: following posts nothing)."""
    return _active(user)


def can_view_outbox(user) -> bool:
    return is_admin(user)
