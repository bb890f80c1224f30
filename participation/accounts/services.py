"""Every change of state for accounts, roles and sign-in sessions.

Functions take the acting user and `now`, flush, write the audit entry and
send a signal; the caller commits once.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from participation.accounts.models import Department, District, LoginSession, Role, UnreadCount, User, UserRole
from participation.accounts.passwords import (
    UNUSABLE_PASSWORD,
    dummy_verify,
    hash_password,
    needs_rehash,
    normalise_email,
    password_problem,
    verify_password,
)
from participation.core import audit, signals
from participation.core.db import lock_for_update
from participation.core.errors import ServiceError
from participation.core.i18n import lazy_gettext as _l
from participation.extensions import db

SESSION_LIFETIME = timedelta(hours=12)
REMEMBERED_SESSION_LIFETIME = timedelta(days=14)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def find_user_by_email(email: str) -> User | None:
    try:
        normalised = normalise_email(email)
    except ValueError:
        return None
    return db.session.scalar(select(User).where(User.email == normalised))


def _check_password_strength(password: str, email: str, display_name: str, field: str) -> None:
    if password_problem(password, email, display_name):
        raise ServiceError(_l("Choose a stronger password."), field=field, code="weak_password")


def register_user(
    *, email: str, display_name: str, password: str, district: District | None, now: datetime
) -> User:
    """Create a resident account. The caller has checked consent and the form's formats."""
    try:
        email = normalise_email(email)
    except ValueError as exc:
        raise ServiceError(_l("Enter a valid email address."), field="email", code="invalid_email") from exc
    _check_password_strength(password, email, display_name, "password")
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise ServiceError(_l("An account with this email already exists."), field="email", code="email_taken")
    user = User(
        email=email,
        display_name=display_name.strip(),
        password_hash=hash_password(password),
        district=district,
        privacy_consented_at=now,
        created_at=now,
        password_changed_at=now,
    )
    user.role_rows.append(UserRole(role=Role.RESIDENT.value, granted_at=now))
    db.session.add(user)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        # Two registrations with one email raced past the check above.
        raise ServiceError(
            _l("An account with this email already exists."), field="email", code="email_taken"
        ) from exc
    audit.record("user.registered", now, actor=user, subject=user)
    signals.user_registered.send(user, now=now)
    return user


def check_credentials(email: str, password: str) -> tuple[User | None, str | None]:
    """(user, None) if the email and password match an active account, else (user or None, reason).

    Only reads, so the slow hash check runs outside any write transaction.
    Unknown emails cost the same hashing time as known ones.
    """
    user = find_user_by_email(email)
    if user is None or user.is_deleted:
        dummy_verify(password)
        return None, "unknown_account"
    if not verify_password(user.password_hash, password):
        return user, "wrong_password"
    return user, None


def record_failed_sign_in(user: User | None, reason: str, now: datetime) -> None:
    """Audit a failed sign-in, without the password or the address typed."""
    audit.record("auth.login_failed", now, subject=user, reason=reason)


def still_valid(user: User, checked_hash: str) -> bool:
    """Inside the write transaction: the account is as it was when the password was checked
    (not deleted, password not changed meanwhile). Locks the row until commit."""
    lock_for_update(user)
    return not user.is_deleted and user.password_hash == checked_hash


def start_session(user: User, now: datetime, *, remember: bool = False, password: str | None = None) -> str:
    """Open a new sign-in session and return the token the browser will hold.

    Given the password just checked, a hash made with older settings is renewed.
    """
    if password is not None and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    token = secrets.token_urlsafe(32)
    lifetime = REMEMBERED_SESSION_LIFETIME if remember else SESSION_LIFETIME
    db.session.add(
        LoginSession(token_hash=_token_hash(token), user=user, created_at=now, expires_at=now + lifetime)
    )
    user.last_login_at = now
    user.current_session_token = token
    db.session.flush()
    audit.record("auth.login", now, actor=user, subject=user, remember=remember)
    return token


def load_session_user(token: str, now: datetime) -> User | None:
    """The user behind a live session token, in one query."""
    # Runs on every signed-in request: the person and their roles in one statement.
    user = db.session.scalar(
        select(User)
        .join(LoginSession, LoginSession.user_id == User.id)
        .options(joinedload(User.role_rows))
        .where(LoginSession.token_hash == _token_hash(token), *LoginSession.live(now), User.deleted_at.is_(None))
    )
    if user is None:
        return None
    user.current_session_token = token
    return user


def end_session(token: str | None, now: datetime) -> None:
    if not token:
        return
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.token_hash == _token_hash(token), LoginSession.ended_at.is_(None))
        .values(ended_at=now)
    )


def end_other_sessions(user: User, now: datetime, keep_token: str | None = None) -> None:
    stmt = update(LoginSession).where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
    if keep_token:
        stmt = stmt.where(LoginSession.token_hash != _token_hash(keep_token))
    db.session.execute(stmt.values(ended_at=now))


def purge_expired_login_sessions(now: datetime) -> int:
    """Delete sign-in sessions past their expiry (a scheduler sweep); returns how many.

    An expired token is refused anyway (LoginSession.live), so its row only
    keeps a trace of who signed in when: no longer than it is needed.
    """
    return db.session.execute(
        delete(LoginSession).where(LoginSession.expires_at <= now).execution_options(synchronize_session=False)
    ).rowcount


def record_logout(user: User, now: datetime) -> None:
    end_session(user.current_session_token, now)
    audit.record("auth.logout", now, actor=user, subject=user)


def change_password(user: User, current: str, new: str, now: datetime) -> None:
    if not verify_password(user.password_hash, current):
        raise ServiceError(_l("Your current password is not correct."), field="current_password", code="wrong_password")
    if current == new:
        raise ServiceError(_l("Choose a password different from the current one."), field="new_password", code="same_password")
    _check_password_strength(new, user.email, user.display_name, "new_password")
    user.password_hash = hash_password(new)
    user.password_changed_at = now
    # Anyone holding another session of this account is signed out.
    end_other_sessions(user, now, keep_token=user.current_session_token)
    audit.record("user.password_changed", now, actor=user, subject=user)


_UNCHANGED = object()


def update_profile(user: User, *, display_name: str, district: District | None, now: datetime, phone=_UNCHANGED) -> None:
    """`phone`: a mobile number as digits (forms normalise it), or None to remove it; left as
    it is when not given."""
    changed = []
    if phone is not _UNCHANGED and (phone or None) != user.phone:
        user.phone = phone or None
        changed.append("phone")  # the field's name only: the audit log keeps no number
    if display_name.strip() != user.display_name:
        user.display_name = display_name.strip()
        changed.append("display_name")
    if district != user.district:
        user.district = district
        changed.append("district")
    if changed:
        audit.record("user.profile_updated", now, actor=user, subject=user, fields=changed)


def set_locale(user: User, locale: str) -> None:
    user.locale = locale


def delete_account(user: User, password: str, now: datetime) -> None:
    """Anonymise the account. Its public contributions stay, shown as from a deleted account."""
    if not verify_password(user.password_hash, password):
        raise ServiceError(_l("Your password is not correct."), field="password", code="wrong_password")
    if user.has_role(Role.ADMIN) and _other_admin_count(user) == 0:
        raise ServiceError(
            _l("You are the only administrator. Make someone else an administrator first."),
            code="last_admin",
        )
    end_other_sessions(user, now)
    user.email = f"deleted-{user.id}@deleted.invalid"
    user.display_name = ""
    user.password_hash = UNUSABLE_PASSWORD
    user.district = None
    user.phone = None
    user.department = None
    user.locale = None
    user.deleted_at = now
    user.role_rows.clear()
    audit.record("user.deleted", now, actor=user, subject=user)
    signals.user_deleted.send(user, now=now)


def _other_admin_count(user: User) -> int:
    return db.session.scalar(
        select(db.func.count())
        .select_from(UserRole)
        .join(User, User.id == UserRole.user_id)
        .where(UserRole.role == Role.ADMIN.value, UserRole.user_id != user.id, User.deleted_at.is_(None))
    )


def set_roles(actor: User, user: User, *, roles: set[str], department: Department | None, now: datetime) -> None:
    """Give `user` exactly `roles`; an official must belong to an active department."""
    roles = set(roles) | {Role.RESIDENT.value}
    unknown = roles - {r.value for r in Role}
    if unknown:
        raise ServiceError(_l("Unknown role."), field="roles", code="unknown_role")
    if user.is_deleted:
        raise ServiceError(_l("This account has been deleted."), code="deleted")
    if Role.OFFICIAL.value in roles:
        if department is None:
            raise ServiceError(_l("An official must belong to a department."), field="department", code="department_required")
        if department.is_retired and department != user.department:
            raise ServiceError(_l("This department is retired."), field="department", code="department_retired")
    else:
        department = None
    if user.has_role(Role.ADMIN) and Role.ADMIN.value not in roles and _other_admin_count(user) == 0:
        raise ServiceError(
            _l("This is the only administrator. Make someone else an administrator first."),
            field="roles",
            code="last_admin",
        )
    before = set(user.roles)
    for row in list(user.role_rows):
        if row.role not in roles:
            user.role_rows.remove(row)
    for role in sorted(roles - before):
        user.role_rows.append(UserRole(role=role, granted_at=now))
    old_department = user.department
    user.department = department
    db.session.flush()
    if before != roles or old_department != department:
        audit.record(
            "user.roles_changed",
            now,
            actor=actor,
            subject=user,
            added=sorted(roles - before),
            removed=sorted(before - roles),
            department_id=department.id if department else None,
            previous_department_id=old_department.id if old_department else None,
        )
        signals.roles_changed.send(user, actor=actor, now=now)


def create_admin(*, email: str, display_name: str, password: str, now: datetime) -> User:
    """Create an administrator from the command line (the first admin of a new site)."""
    user = register_user(email=email, display_name=display_name, password=password, district=None, now=now)
    set_roles(user, user, roles={Role.ADMIN.value}, department=None, now=now)
    return user


# --- for other domains (notifications), who may not read these models themselves ----------------------


@dataclass(frozen=True)
class Recipient:
    email: str
    display_name: str
    locale: str | None
    active: bool


def recipient(user_id: int) -> Recipient | None:
    """How to address a person by email, or None if there is no such account."""
    user = db.session.get(User, user_id)
    if user is None:
        return None
    return Recipient(user.email, user.display_name, user.locale, user.deleted_at is None)


def official_ids(department_id: int | None) -> list[int]:
    """The active officials of a department."""
    if department_id is None:
        return []
    return list(db.session.scalars(
        select(User.id).join(UserRole, UserRole.user_id == User.id)
        .where(User.department_id == department_id, UserRole.role == Role.OFFICIAL, User.deleted_at.is_(None))
    ))


def admin_ids() -> list[int]:
    return list(db.session.scalars(
        select(User.id).join(UserRole, UserRole.user_id == User.id).where(UserRole.role == Role.ADMIN, User.deleted_at.is_(None))
    ))


def mobiles(user_ids: list[int]) -> dict[int, tuple[str, str | None]]:
    """The mobile number (and language) of those of these accounts that exist, are not deleted
    and gave one: {user id: (number, locale)}."""
    return {user_id: (phone, locale) for user_id, phone, locale in db.session.execute(
        select(User.id, User.phone, User.locale).where(User.id.in_(user_ids), User.deleted_at.is_(None), User.phone.is_not(None))
    )}


def active_ids(user_ids: list[int]) -> list[int]:
    """Those of these accounts that exist and are not deleted."""
    return list(db.session.scalars(select(User.id).where(User.id.in_(user_ids), User.deleted_at.is_(None))))


def _upsert(model):
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return (pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert)(model)


UNREAD_CHUNK = 500  # people per statement


def add_unread(increments: dict[int, int]) -> None:
    """Add to people's unread counts ({user id: how many more}; 0 only waits for and holds the row).

    The counts live in unread_counts, not on the users row: a publication telling thousands
    of people holds these rows until it commits, and votes and sign-ins, which lock the
    person's own row, never wait for it. Rows are taken in id order, so two notifiers never deadlock."""
    ids = sorted(increments)
    for offset in range(0, len(ids), UNREAD_CHUNK):
        stmt = _upsert(UnreadCount).values([{"user_id": user_id, "unread": increments[user_id]} for user_id in ids[offset:offset + UNREAD_CHUNK]])
        db.session.execute(stmt.on_conflict_do_update(index_elements=["user_id"], set_={"unread": UnreadCount.unread + stmt.excluded.unread}))


def set_unread(user_id: int, count) -> None:
    """`count` may be a scalar subquery, so the count is taken in the same statement."""
    stmt = _upsert(UnreadCount).values(user_id=user_id, unread=count)
    db.session.execute(stmt.on_conflict_do_update(index_elements=["user_id"], set_={"unread": stmt.excluded.unread}))
