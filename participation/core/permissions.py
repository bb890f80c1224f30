"""Helpers that views use to ask a domain's permission functions."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user


def require(allowed: bool, reason=None) -> None:
    """Abort with 401 for anonymous visitors and 403 for signed-in users when not allowed.

    `reason`, when given, is what the 403 page tells the signed-in person instead
    of the general "you do not have permission".
    """
    if allowed:
        return
    if not current_user.is_authenticated:
        abort(401)
    if reason is not None:
        abort(403, description=reason)
    abort(403)


def permission_required(check: Callable[..., bool]):
    """Decorate a view whose permission depends only on the user: `@permission_required(can_manage_users)`."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            require(check(current_user))
            return view(*args, **kwargs)

        return wrapped

    return decorator
