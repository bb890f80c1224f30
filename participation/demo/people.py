"""The demo city's people: an account for every role (printed by `flask demo seed`), and the
neighbours and supporters whose ideas, votes, comments and civil requests fill the site.

Demo passwords are fixed so the README can list them; `seed` refuses to run in production.
"""
from __future__ import annotations

from participation.accounts import services
from participation.accounts.models import Role

DEMO_PASSWORD = "gongron-demo-2026"  # noqa: S105  (demo data only; refused in production)

# (email, display name, roles, department, dong); printed in this order.
ACCOUNTS = [
    ("admin@demo.gongron.kr", "관리자", {Role.ADMIN.value}, None, None),
    ("moderator@demo.gongron.kr", "운영지원", {Role.MODERATOR.value}, None, "햇살동"),
    ("official@demo.gongron.kr", "교통정책과 김주무관", {Role.OFFICIAL.value}, "교통정책과", "강변동"),
    ("parks@demo.gongron.kr", "공원녹지과 이주무관", {Role.OFFICIAL.value}, "공원녹지과", None),
    ("roads@demo.gongron.kr", "도로과 박주무관", {Role.OFFICIAL.value}, "도로과", None),
    ("environment@demo.gongron.kr", "환경정책과 최주무관", {Role.OFFICIAL.value}, "환경정책과", None),
    ("welfare@demo.gongron.kr", "복지정책과 정주무관", {Role.OFFICIAL.value}, "복지정책과", None),
    ("civic@demo.gongron.kr", "시민소통담당관 한주무관", {Role.OFFICIAL.value}, "시민소통담당관", None),
    ("field@demo.gongron.kr", "현장기동반 오주무관", {Role.FIELD.value}, None, None),
    ("counter@demo.gongron.kr", "민원실 윤주무관", {Role.COUNTER.value}, None, None),
    ("resident@demo.gongron.kr", "봄날시민", set(), None, "햇살동"),
    ("resident2@demo.gongron.kr", "강변산책러", set(), None, "강변동"),
    ("resident3@demo.gongron.kr", "자전거출근", set(), None, "역전동"),
]
# Which official answers for each department in the demo's civil requests.
OFFICIALS = {department: email for email, _name, roles, department, _dong in ACCOUNTS if Role.OFFICIAL.value in roles}

NEIGHBOURS = [
    ("햇살엄마", "햇살동"), ("시장상인회", "시장동"), ("솔숲산책", "솔숲동"), ("학교앞지킴이", "학교동"),
    ("역전동주민", "역전동"), ("공원동이웃", "공원동"), ("은행나무길", "은행나무동"), ("강변러너", "강변동"),
]
SUPPORTERS = 24


def register_accounts(dongs, departments, when):
    """The printed accounts: returns ({email: user}, [(email, password, roles)])."""
    people, printed = {}, []
    admin = None
    for email, name, roles, department, dong in ACCOUNTS:
        user = services.register_user(email=email, display_name=name, password=DEMO_PASSWORD, district=dongs.get(dong), now=when)
        if roles:
            services.set_roles(admin or user, user, roles=roles, department=departments.get(department), now=when)
        if Role.ADMIN.value in roles:
            admin = user
        people[email] = user
        printed.append((email, DEMO_PASSWORD, ", ".join(sorted(user.roles))))
    return people, printed


def register_neighbours(dongs, when):
    return [
        services.register_user(
            email=f"neighbour{n}@demo.gongron.kr", display_name=name, password=DEMO_PASSWORD, district=dongs.get(dong), now=when
        )
        for n, (name, dong) in enumerate(NEIGHBOURS, start=1)
    ]


def register_supporters(dongs, when):
    return [
        services.register_user(
            email=f"supporter{n:02d}@demo.gongron.kr", display_name=f"한빛주민{n:02d}", password=DEMO_PASSWORD,
            district=list(dongs.values())[n % len(dongs)], now=when,
        )
        for n in range(1, SUPPORTERS + 1)
    ]
