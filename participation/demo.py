"""`flask demo seed`: a demo city with districts, departments, categories, an account for every
role, four participation rounds (one taking ideas, one voting, one closing minutes after loading,
one closed and published with answers), about 50 ideas, some with photos, and a citizen
monitoring panel with two published scorecards and a campaign open for evaluation.

Photos are drawn here with Pillow, so seeding needs no network. Later issues extend `seed`
with votes, threads and panels.
"""
from __future__ import annotations

import io
import random
from datetime import timedelta

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from PIL import Image, ImageDraw
from sqlalchemy import func, select

from participation.accounts import reference, services
from participation.accounts.models import Role, User
from participation.accounts.reference import save_category
from participation.core.time import now
from participation.demo_ideas import IDEAS
from participation.demo_outcomes import seed_outcomes
from participation.demo_panels import seed_panels
from participation.demo_threads import seed_threads
from participation.extensions import db
from participation.ideas.photos import process_photo
from participation.ideas.services import IdeaData, submit_idea
from participation.rounds.rules import TierSpec
from participation.rounds.services import RoundData, create_round, schedule_round
from participation.voting.services import cast_vote

demo_cli = AppGroup("demo", help="Demo data for trying the platform.")

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
]
CATEGORIES = [
    ("교통·보행", "Transport and walking", "교통정책과"),
    ("공원·녹지", "Parks and greenery", "공원녹지과"),
    ("복지·돌봄", "Welfare and care", "복지정책과"),
    ("환경·기후", "Environment and climate", "환경정책과"),
    ("문화·소통", "Culture and participation", "시민소통담당관"),
]
DEMO_PASSWORD = "gongron-demo-2026"  # noqa: S105  (demo data only; refused in production)
# Demo passwords are fixed so the README can list them; `seed` refuses to run in production.
ACCOUNTS = [
    ("admin@demo.gongron.kr", "관리자", DEMO_PASSWORD, {Role.ADMIN.value}, None, None),
    ("moderator@demo.gongron.kr", "운영지원", DEMO_PASSWORD, {Role.MODERATOR.value}, None, "햇살동"),
    ("official@demo.gongron.kr", "교통정책과 김주무관", DEMO_PASSWORD, {Role.OFFICIAL.value}, "교통정책과", "강변동"),
    ("parks@demo.gongron.kr", "공원녹지과 이주무관", DEMO_PASSWORD, {Role.OFFICIAL.value}, "공원녹지과", None),
    ("resident@demo.gongron.kr", "봄날시민", DEMO_PASSWORD, set(), None, "햇살동"),
    ("resident2@demo.gongron.kr", "강변산책러", DEMO_PASSWORD, set(), None, "강변동"),
    ("resident3@demo.gongron.kr", "자전거출근", DEMO_PASSWORD, set(), None, "역전동"),
]


def database_is_empty() -> bool:
    return db.session.scalar(select(func.count()).select_from(User)) == 0


def seed(when=None) -> list[tuple[str, str, str]]:
    """Create the demo city. Returns (email, password, roles) for each demo account."""
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

    printed = []
    people = {}
    admin = None
    for email, name, password, roles, department, dong in ACCOUNTS:
        user = services.register_user(email=email, display_name=name, password=password, district=dongs.get(dong), now=when)
        if roles:
            services.set_roles(admin or user, user, roles=roles, department=departments.get(department), now=when)
        if Role.ADMIN.value in roles:
            admin = user
        people[email] = user
        printed.append((email, password, ", ".join(sorted(user.roles))))
    neighbours = [
        services.register_user(
            email=f"neighbour{n}@demo.gongron.kr", display_name=name, password=DEMO_PASSWORD, district=dongs.get(dong), now=when
        )
        for n, (name, dong) in enumerate(NEIGHBOURS, start=1)
    ]
    rounds = _seed_rounds(admin, departments, categories, when)
    ideas = _seed_ideas(rounds, categories, dongs, [people["resident@demo.gongron.kr"], people["resident2@demo.gongron.kr"], *neighbours], when)
    supporters = [
        services.register_user(
            email=f"supporter{n:02d}@demo.gongron.kr", display_name=f"한빛주민{n:02d}", password=DEMO_PASSWORD,
            district=list(dongs.values())[n % len(dongs)], now=when,
        )
        for n in range(1, 25)
    ]
    _seed_votes(rounds["safety"], ideas["safety"], [people["resident2@demo.gongron.kr"], *neighbours, *supporters], when)
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
    return printed


def _seed_votes(round_, ideas, voters, when):
    """The voting round already has some support, so lists and counts look alive (3 votes each at most)."""
    rng = random.Random(7)
    for voter in voters:
        for idea in rng.sample(ideas, rng.randint(1, round_.votes_per_resident)):
            cast_vote(voter, idea, when - timedelta(hours=rng.randint(1, 200)))


NEIGHBOURS = [
    ("햇살엄마", "햇살동"), ("시장상인회", "시장동"), ("솔숲산책", "솔숲동"), ("학교앞지킴이", "학교동"),
    ("역전동주민", "역전동"), ("공원동이웃", "공원동"), ("은행나무길", "은행나무동"), ("강변러너", "강변동"),
]


def _seed_rounds(admin, departments, categories, when):
    day = timedelta(days=1)
    budget = create_round(
        admin,
        RoundData(
            title="2027년 주민참여예산 제안 공모",
            description=(
                "한빛시 주민 여러분의 생활 속 아이디어를 모아 2027년 예산에 반영합니다.\n\n"
                "- 한 사람이 여러 건을 제안할 수 있습니다.\n"
                "- **50표** 이상 받은 제안은 담당 부서가 14일 안에, **500표** 이상은 시장실이 30일 안에 답변합니다.\n"
                "- 제안은 공개되며, 처리 과정은 누구나 확인할 수 있습니다."
            ),
            department=departments["시민소통담당관"],
            categories=list(categories.values()),
            districts=[],
            submission_opens_at=when - 10 * day,
            submission_closes_at=when + 20 * day,
            voting_opens_at=when + 21 * day,
            voting_closes_at=when + 35 * day,
            votes_per_resident=5,
            tiers=[TierSpec(50, "department", 14), TierSpec(500, "mayor_office", 30)],
            publish_delay_hours=48,
        ),
        when - 12 * day,
    )
    safety = create_round(
        admin,
        RoundData(
            title="우리 동네 생활안전 개선 아이디어",
            description="통학로, 골목길, 공원, 지하차도처럼 매일 다니는 길에서 위험했던 곳과 해결 방법을 제안해 주세요. 투표로 우선순위를 정합니다.",
            department=departments["교통정책과"],
            categories=[categories["교통·보행"], categories["환경·기후"], categories["공원·녹지"]],
            districts=[],
            submission_opens_at=when - 40 * day,
            submission_closes_at=when - 12 * day,
            voting_opens_at=when - 10 * day,
            voting_closes_at=when + 10 * day,
            votes_per_resident=3,
            tiers=[TierSpec(30, "department", 14), TierSpec(300, "mayor_office", 30)],
            selection_rule="top_n",
            selection_top_n=5,
            publish_delay_hours=24,
        ),
        when - 42 * day,
    )
    schedule_round(admin, budget, when - 11 * day)
    schedule_round(admin, safety, when - 41 * day)
    return {"budget": budget, "safety": safety}


def _seed_ideas(rounds, categories, dongs, authors, when):
    rng = random.Random(2027)
    counters = {"budget": 0, "safety": 0}
    created = {"budget": [], "safety": []}
    for n, (key, category, dong, title, body, scene) in enumerate(IDEAS):
        round_ = rounds[key]
        step = counters[key]
        counters[key] += 1
        # Each idea is submitted at a moment inside its round's submission window.
        submitted = round_.submission_opens_at + timedelta(hours=5 + 9 * step, minutes=rng.randrange(60))
        photos = [process_photo(io.BytesIO(_draw_scene(scene, rng)))] if scene else []
        created[key].append(
            submit_idea(
                authors[n % len(authors)],
                round_,
                IdeaData(title=title, body=body, category=categories[category], district=dongs.get(dong)),
                photos,
                submitted,
            )
        )
    return created


def _draw_scene(scene: str, rng: random.Random) -> bytes:
    """A simple picture of a park, crossing, river, bus stop or bins, drawn without any network."""
    width, height = 960, 720
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height // 2):  # sky
        shade = 170 + 60 * y // (height // 2)
        draw.line([(0, y), (width, y)], fill=(120, shade, 235))
    ground = {"river": (92, 150, 80), "park": (96, 170, 90)}.get(scene, (150, 150, 150))
    draw.rectangle([0, height // 2, width, height], fill=ground)
    if scene == "park":
        for _ in range(6):
            x = rng.randrange(40, width - 40)
            draw.rectangle([x - 8, 300, x + 8, 420], fill=(110, 75, 40))
            draw.ellipse([x - 60, 200, x + 60, 330], fill=(40, 120 + rng.randrange(60), 50))
        draw.rectangle([380, 470, 600, 500], fill=(140, 95, 50))
    elif scene == "crossing":
        for i in range(8):
            draw.rectangle([80 + i * 105, 470, 140 + i * 105, 640], fill=(245, 245, 245))
        draw.rectangle([860, 200, 890, 460], fill=(60, 60, 60))
        draw.ellipse([845, 170, 905, 230], fill=(40, 200, 80))
    elif scene == "river":
        draw.polygon([(0, 470), (width, 420), (width, 560), (0, 620)], fill=(60, 120, 200))
        for i in range(10):
            draw.rectangle([i * 100 + 40, 400, i * 100 + 50, 440], fill=(240, 220, 120))
    elif scene == "bus":
        draw.rectangle([150, 330, 800, 560], fill=(40, 110, 190))
        for i in range(5):
            draw.rectangle([190 + i * 120, 360, 280 + i * 120, 430], fill=(210, 230, 250))
        draw.ellipse([220, 520, 300, 600], fill=(30, 30, 30))
        draw.ellipse([640, 520, 720, 600], fill=(30, 30, 30))
    elif scene == "bins":
        for i, colour in enumerate([(30, 120, 200), (240, 180, 30), (60, 160, 70)]):
            draw.rectangle([250 + i * 170, 380, 380 + i * 170, 600], fill=colour)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


@demo_cli.command("seed")
@click.option("--if-empty", is_flag=True, help="Do nothing (and succeed) when the database already has accounts.")
def seed_command(if_empty: bool) -> None:
    """Load the demo city and print the demo accounts."""
    if not current_app.config.get("DEMO_ALLOWED"):
        raise click.ClickException("Demo data is not allowed in this configuration.")
    if not database_is_empty():
        if if_empty:
            click.echo("Database already has data; demo seed skipped.")
            return
        raise click.ClickException("The database already has accounts; demo data is only loaded into an empty database.")
    accounts = seed()
    db.session.commit()
    click.echo("Demo data loaded. Demo accounts (email / password / roles):")
    for email, password, roles in accounts:
        click.echo(f"  {email:<28} {password:<22} {roles}")


def init_app(app: Flask) -> None:
    app.cli.add_command(demo_cli)
