"""The role x route permission matrix helper.

Each domain's tests declare which roles may reach which routes; `check_matrix`
signs in one person per role and asserts that everyone listed gets through and
everyone else is turned away (visitors to the sign-in page, signed-in people
with 403). `EVERY_ROLE` and `SIGNED_IN` save typing.
"""
from __future__ import annotations

from dataclasses import dataclass, field

ROLES = ("visitor", "resident", "official", "moderator", "admin")
EVERY_ROLE = frozenset(ROLES)
SIGNED_IN = frozenset(ROLES) - {"visitor"}


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    allowed: frozenset
    data: dict = field(default_factory=dict)


def people_by_role(make_client) -> dict:
    """A signed-in client for each role (and an anonymous one for visitors)."""
    from tests.factories import make_department, make_user

    department = make_department()
    clients = {"visitor": make_client()}
    for role in ROLES[1:]:
        roles = set() if role == "resident" else {role}
        user = make_user(roles=roles, department=department if role == "official" else None)
        client = make_client()
        client.login(user.email)
        clients[role] = client
    return clients


def check_matrix(clients: dict, routes: list[Route]) -> None:
    failures = []
    for route in routes:
        for role, client in clients.items():
            if route.method == "GET":
                response = client.get(route.path)
            else:
                response = client.post_form(route.path, route.data)
            refused_visitor = response.status_code == 302 and "/login" in (response.location or "")
            refused = response.status_code == 403 or refused_visitor
            if role in route.allowed and refused:
                failures.append(f"{role} was refused {route.method} {route.path} ({response.status_code})")
            if role not in route.allowed:
                expected = refused_visitor if role == "visitor" else response.status_code == 403
                if not expected:
                    failures.append(f"{role} reached {route.method} {route.path} ({response.status_code})")
    assert not failures, "\n".join(failures)
