"""Who may do what with accounts. Views and templates both ask these."""
from __future__ import annotations

from participation.accounts.models import Role


def _signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated and not user.is_deleted)


def is_admin(user) -> bool:
    return _signed_in(user) and user.has_role(Role.ADMIN)


def can_register(user) -> bool:
    return not _signed_in(user)


def can_sign_in(user) -> bool:
    """Anyone may open the sign-in page; a signed-in person is sent on instead."""
    return True


def can_choose_language(user) -> bool:
    return True


def can_manage_own_account(user) -> bool:
    return _signed_in(user)


def can_view_profile(viewer, profile_user) -> bool:
    """Public profiles are pseudonymous and readable by anyone, except deleted accounts."""
    return not profile_user.is_deleted


def can_manage_users(user) -> bool:
    return is_admin(user)


def can_manage_reference_data(user) -> bool:
    return is_admin(user)


def can_view_audit_log(user) -> bool:
    return is_admin(user)


def can_use_admin(user) -> bool:
    return is_admin(user)
