"""Who may do what with API keys. Views and templates both ask these."""
from __future__ import annotations

from participation.accounts.permissions import is_admin


def can_manage_api_keys(user) -> bool:
    return is_admin(user)
