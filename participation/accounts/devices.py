"""Known devices: how a browser that has signed in to an account before is told apart from an attacker.

Why this exists: the per-account limit on failed sign-ins (LOGIN_LIMIT_PER_ACCOUNT) stops
password guessing, but on its own it hands every attacker a lockout: five wrong passwords
typed by anyone, and the owner's right password also gets 429 for 15 minutes.

The choice, after OWASP's device-cookie approach ("Slow Down Online Guessing Attacks with
Device Cookies"): every successful sign-in leaves a signed, long-lived, HttpOnly cookie that
names the accounts signed in from this browser. A sign-in attempt for an account this
browser vouches for is not counted against the account's budget nor the address's; it has a
budget of its own, per device (LOGIN_LIMIT_PER_DEVICE). Everyone else is throttled as before,
so the attacker, who holds no such cookie, still gets 429, right password or not, while the
owner on a known device signs in during the attack. What is left: the owner on a new device
waits like the attacker does.

A cookie stops vouching when the account's password changes after it was issued (so that
a device that once signed in with a stolen password loses the exemption), when its signature
does not match the SECRET_KEY, or after DEVICE_COOKIE_DAYS. It holds account ids and a random
device id only, never an email address.
"""
from __future__ import annotations

import secrets
from datetime import datetime

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from participation.accounts.models import User
from participation.core.time import as_utc

COOKIE_NAME = "gongron_device"
_SALT = "gongron-known-device"
# A shared computer may carry several accounts; beyond this the oldest is forgotten.
MAX_ACCOUNTS = 5


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _max_age() -> int:
    return int(current_app.config["DEVICE_COOKIE_DAYS"]) * 86400


def _read() -> dict | None:
    raw = request.cookies.get(COOKIE_NAME)
    if not raw:
        return None
    try:
        data = _serializer().loads(raw, max_age=_max_age())
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("d"), str) or not isinstance(data.get("a"), dict):
        return None
    return data


def device_vouching_for(user: User | None, now: datetime) -> str | None:
    """This browser's device id if its cookie vouches for `user`, else None."""
    data = _read()
    if data is None or user is None or user.is_deleted:
        return None
    issued = data["a"].get(str(user.id))
    # The cookie is re-signed whenever any of its accounts signs in; each account's entry ages on its own.
    if not isinstance(issued, int) or issued < _millis(now) - _max_age() * 1000:
        return None
    if user.password_changed_at is not None and issued < _millis(as_utc(user.password_changed_at)):
        return None
    return data["d"]


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def remember_device(response, user: User, now: datetime):
    """After a successful sign-in (or a password change, which would otherwise un-trust this very
    browser): (re)issue the cookie, adding `user` to the accounts it vouches for."""
    data = _read() or {"d": secrets.token_urlsafe(16), "a": {}}
    accounts = {k: v for k, v in data["a"].items() if k != str(user.id) and isinstance(v, int)}
    accounts[str(user.id)] = _millis(now)
    kept = sorted(accounts.items(), key=lambda item: item[1])[-MAX_ACCOUNTS:]
    config = current_app.config
    response.set_cookie(
        COOKIE_NAME,
        _serializer().dumps({"d": data["d"], "a": dict(kept)}),
        max_age=_max_age(),
        httponly=True,
        secure=config["SESSION_COOKIE_SECURE"],
        samesite=config["SESSION_COOKIE_SAMESITE"],
        path="/",
    )
    return response
