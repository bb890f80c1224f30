"""The demo city (한빛시) and the order it is built in: districts, departments, categories, an
account for every role, four participation rounds (one taking ideas, one voting, one closing
minutes after loading, one closed and published with answers), about 50 ideas, some with photos,
a citizen monitoring panel with two published scorecards and a campaign open for evaluation, and
about 200 civil requests (민원) at every step of their handling (`participation.demo.civil_requests`).
"""
from __future__ import annotations

from dataclasses import dataclass

from participation.accounts import reference
from participation.accounts.reference import save_category
from participation.core.time import now
from participation.demo.civil_requests import Loaded, seed_civil_requests
from participation.demo.ideas import seed_ideas, seed_rounds, seed_votes
from participation.demo.outcomes import seed_outcomes
from participation.demo.panels import seed_panels
from participation.demo.people import register_accounts, register_neighbours, register_supporters
from participation.demo.threads import seed_threads
from participation.extensions import db

# (name_ko, name_en, [(dong_ko, dong_en), ...])
DISTRICTS = [
    ("새봄구", "Saebom-gu", [("햇살동", "Haetsal-dong"), ("은행나무동", "Eunhaengnamu-dong"), ("시장동", "Sijang-dong")]),
    ("푸른구", "Pureun-gu", [("강변동", "Gangbyeon-dong"), ("솔숲동", "Solsup-dong"), ("학교동", "Hakgyo-dong")]),
    ("한가람구", "Hangaram-gu", [("역전동", "Yeokjeon-dong"), ("공원동", "Gongwon-dong")]),
]
DEPARTMENTS = [
    ("교통정책과", "Transport Policy Division"),
    ("공원녹지과", "Parks and Green Spaces Division"),
    ("복지정책과", "Welfare Policy Division"),
    ("환경정책과", "Environment Policy Division"),
    ("시민소통담당관", "Office of Civic Communication"),
    ("도로과", "Roads Division"),  # streetlights and roads: civil requests
]
CATEGORIES = [
    ("교통·보행", "Transport and walking", "교통정책과"),
    ("공원·녹지", "Parks and greenery", "공원녹지과"),
    ("복지·돌봄", "Welfare and care", "복지정책과"),
    ("환경·기후", "Environment and climate", "환경정책과"),
    ("문화·소통", "Culture and participation", "시민소통담당관"),
]


@dataclass
class Seeded:
    accounts: list[tuple[str, str, str]]  # (email, password, roles) of each demo account
    civil_requests: Loaded


def seed(when=None) -> Seeded:
    """Create the demo city."""
    when = when or now()
    system = None  # reference data created by the seed has no acting person
    dongs = {}
    for gu_ko, gu_en, children in DISTRICTS:
        gu = reference.save_district(system, None, name_ko=gu_ko, name_en=gu_en, parent=None, now=when)
        for dong_ko, dong_en in children:
            dongs[dong_ko] = reference.save_district(system, None, name_ko=dong_ko, name_en=dong_en, parent=gu, now=when)
    departments = {
        name_ko: reference.save_department(system, None, name_ko=name_ko, name_en=name_en, now=when)
        for name_ko, name_en in DEPARTMENTS
    }
    categories = {}
    for name_ko, name_en, department in CATEGORIES:
        categories[name_ko] = save_category(system, None, name_ko=name_ko, name_en=name_en, department=departments[department], now=when)

    people, printed = register_accounts(dongs, departments, when)
    admin = people["admin@demo.gongron.kr"]
    neighbours = register_neighbours(dongs, when)
    rounds = seed_rounds(admin, departments, categories, when)
    ideas = seed_ideas(rounds, categories, dongs, [people["resident@demo.gongron.kr"], people["resident2@demo.gongron.kr"], *neighbours], when)
    supporters = register_supporters(dongs, when)
    seed_votes(rounds["safety"], ideas["safety"], [people["resident2@demo.gongron.kr"], *neighbours, *supporters], when)
    db.session.flush()
    voices = {
        "r1": people["resident@demo.gongron.kr"], "r2": people["resident2@demo.gongron.kr"], "r3": people["resident3@demo.gongron.kr"],
        "traffic": people["official@demo.gongron.kr"], "parks": people["parks@demo.gongron.kr"],
        **{f"n{n}": person for n, person in enumerate(neighbours, start=1)},
        **{f"s{n}": person for n, person in enumerate(supporters, start=1)},
    }
    seed_threads({idea.title: idea for group in ideas.values() for idea in group}, voices, when)
    db.session.flush()
    seed_outcomes(
        admin, departments, categories, dongs, neighbours, [*supporters, *neighbours],
        {"traffic": people["official@demo.gongron.kr"], "parks": people["parks@demo.gongron.kr"]}, when,
    )
    db.session.flush()
    seed_panels(
        admin, departments, {user.email: user for user in [*people.values(), *neighbours, *supporters]},
        people["official@demo.gongron.kr"], when,
    )
    db.session.flush()
    residents = [people[f"{name}@demo.gongron.kr"] for name in ("resident", "resident2", "resident3")] + neighbours + supporters
    loaded = seed_civil_requests(admin, departments, dongs, people, residents, when)
    return Seeded(accounts=printed, civil_requests=loaded)

