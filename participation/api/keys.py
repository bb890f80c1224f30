"""Issuing, revoking and checking API keys.

A secret is `gk_` followed by 32 random bytes (URL-safe base64). Only its sha256 is stored, with its
first eight characters as a label for lists. Checking a secret hashes it and compares the hashes in
constant time; each accepted use is counted by one conditional UPDATE, so parallel uses are all
counted and a key revoked a moment before is refused.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from sqlalchemy import case, func, literal, select, update

from participation.api.models import SCOPE_VALUES, ApiKey
from participation.core import audit
from participation.core.errors import ServiceError
from participation.core.i18n import lazy_gettext as _l
from participation.core.models import UTCDateTime
from participation.extensions import db

KEY_START = "gk_"
PREFIX_LENGTH = 8
NAME_MAX = 100


class ApiKeyRefused(ServiceError):
    """A secret that may not be used here: unknown (`bad_key`), revoked (`revoked`) or without the scope (`wrong_scope`)."""


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def issue_key(actor, name: str, scopes, now: datetime) -> tuple[ApiKey, str]:
    """A new key and its secret, which the caller shows once: it is not kept anywhere."""
    name = (name or "").strip()
    if not name:
        raise ServiceError(_l("Give the key a name."), field="name", code="name_required")
    if len(name) > NAME_MAX:
        raise ServiceError(_l("Use at most %(max)d characters.", max=NAME_MAX), field="name", code="name_too_long")
    chosen = sorted(set(scopes or ()))
    if not chosen:
        raise ServiceError(_l("Choose at least one scope."), field="scopes", code="scopes_required")
    if any(scope not in SCOPE_VALUES for scope in chosen):
        raise ServiceError(_l("Choose one of the options."), field="scopes", code="unknown_scope")
    secret = KEY_START + secrets.token_urlsafe(32)
    key = ApiKey(
        name=name, prefix=secret[:PREFIX_LENGTH], hash=hash_secret(secret), scopes=chosen,
        created_by_id=getattr(actor, "id", None), created_at=now, use_count=0,
    )
    db.session.add(key)
    db.session.flush()
    audit.record("api_key.issued", now, actor=actor, subject=key, name=name, prefix=key.prefix, scopes=chosen)
    return key, secret


def revoke_key(actor, key: ApiKey, now: datetime) -> ApiKey:
    """Refuse the key from now on. Conditional, so two admins revoking at once make one revocation."""
    result = db.session.execute(
        update(ApiKey)
        .where(ApiKey.id == key.id, ApiKey.revoked_at.is_(None))
        .values(revoked_at=now, revoked_by_id=getattr(actor, "id", None))
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise ServiceError(_l("This key was already revoked."), code="already_revoked")
    db.session.refresh(key)
    audit.record("api_key.revoked", now, actor=actor, subject=key, name=key.name, prefix=key.prefix, scopes=list(key.scopes))
    return key


def _matching_key(secret: str) -> ApiKey | None:
    if not isinstance(secret, str) or not secret.startswith(KEY_START) or len(secret) > 200:
        return None
    digest = hash_secret(secret)
    candidates = db.session.scalars(select(ApiKey).where(ApiKey.prefix == secret[:PREFIX_LENGTH])).all()
    found = None
    for candidate in candidates:
        # Every candidate is compared, so the time taken says nothing about which one matched.
        if hmac.compare_digest(candidate.hash, digest):
            found = candidate
    return found


def _later(column, when: datetime):
    """The column's value when it is after `when`, else NULL (then COALESCE takes `when`)."""
    return case((column > literal(when, UTCDateTime()), column), else_=None)


def authenticate(secret: str, scope: str, now: datetime) -> ApiKey:
    """The key the secret belongs to, with this use counted; ApiKeyRefused otherwise. Run in a write transaction."""
    key = _matching_key(secret)
    if key is None:
        raise ApiKeyRefused(_l("This API key is not valid."), code="bad_key")
    if key.is_revoked:
        raise ApiKeyRefused(_l("This API key has been revoked."), code="revoked")
    if not key.allows(scope):
        raise ApiKeyRefused(_l("This API key may not be used for this."), code="wrong_scope")
    counted = db.session.execute(
        update(ApiKey)
        .where(ApiKey.id == key.id, ApiKey.revoked_at.is_(None))
        # A slower request that started earlier must not move the last use back in time.
        .values(use_count=ApiKey.use_count + 1, last_used_at=func.coalesce(_later(ApiKey.last_used_at, now), literal(now, UTCDateTime())))
        .execution_options(synchronize_session=False)
    )
    if counted.rowcount != 1:  # revoked between the read and the count
        raise ApiKeyRefused(_l("This API key has been revoked."), code="revoked")
    db.session.expire(key, ["use_count", "last_used_at"])
    return key
