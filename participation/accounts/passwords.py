"""Password hashing (Argon2id) and the rules for a password and an email address."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from flask import current_app

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128

_STRONG = PasswordHasher()  # argon2-cffi's RFC 9106 low-memory profile
# Same algorithm, tiny cost: only for the test suite, where thousands of hashes run.
_FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def _hasher() -> PasswordHasher:
    return _FAST if current_app.config.get("PASSWORD_HASH_FAST") else _STRONG


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    try:
        return _hasher().check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


# A hash that no password matches, for accounts that can no longer sign in
# and to spend the same time on unknown emails as on known ones.
UNUSABLE_PASSWORD = "!unusable"  # noqa: S105  (a marker no hash matches, not a password)


def dummy_verify(password: str) -> None:
    verify_password(_dummy_hash(), password)


@lru_cache(maxsize=2)
def _cached_dummy(fast: bool) -> str:
    return (_FAST if fast else _STRONG).hash("timing-equaliser")


def _dummy_hash() -> str:
    return _cached_dummy(bool(current_app.config.get("PASSWORD_HASH_FAST")))


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("common_passwords.txt")
    return frozenset(
        line.strip().lower() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    )


def password_problem(password: str, email: str = "", display_name: str = "") -> str | None:
    """Return a reason code if the password is too weak, else None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return "too_short"
    if len(password) > MAX_PASSWORD_LENGTH:
        return "too_long"
    lowered = password.lower()
    if lowered in common_passwords() or len(set(password)) < 4:
        return "common"
    local_part = email.split("@", 1)[0].lower()
    if (local_part and len(local_part) >= 4 and local_part in lowered) or (
        display_name and display_name.strip().lower() == lowered
    ):
        return "personal"
    return None


def normalise_email(email: str) -> str:
    """Return the address in the one form we store and compare (lower case, IDNA domain).

    Raises ValueError with the library's reason when the address is not valid.
    """
    try:
        result = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(str(exc)) from exc
    return result.normalized.lower()
