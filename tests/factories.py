"""Factories: each builds one committed object through the services, with sensible defaults."""
from __future__ import annotations

import itertools

from participation.accounts import reference, services
from participation.accounts.models import Category, Department, District, User
from participation.accounts.reference import save_category
from participation.core.time import now
from participation.extensions import db

PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)


def make_user(
    *,
    email: str | None = None,
    display_name: str | None = None,
    password: str = PASSWORD,
    roles: set[str] | tuple = (),
    department: Department | None = None,
    district: District | None = None,
) -> User:
    n = next(_seq)
    user = services.register_user(
        email=email or f"person{n}@example.kr",
        display_name=display_name or f"주민{n}",
        password=password,
        district=district,
        now=now(),
    )
    if roles:
        services.set_roles(user, user, roles=set(roles), department=department, now=now())
    db.session.commit()
    return user


def make_department(name_ko: str | None = None, name_en: str = "") -> Department:
    n = next(_seq)
    department = reference.save_department(None, None, name_ko=name_ko or f"부서{n}", name_en=name_en or f"Department {n}", now=now())
    db.session.commit()
    return department


def make_district(name_ko: str | None = None, parent: District | None = None, name_en: str = "") -> District:
    n = next(_seq)
    district = reference.save_district(
        None, None, name_ko=name_ko or f"지역{n}", name_en=name_en or f"Area {n}", parent=parent, now=now()
    )
    db.session.commit()
    return district


def make_category(department: Department | None = None, name_ko: str | None = None) -> Category:
    n = next(_seq)
    category = save_category(
        None, None, name_ko=name_ko or f"분야{n}", name_en=f"Category {n}", department=department or make_department(), now=now()
    )
    db.session.commit()
    return category


def make_round(
    phase: str = "submission",
    *,
    department: Department | None = None,
    categories: list[Category] | None = None,
    districts: list[District] | None = None,
    votes_per_resident: int | None = 3,
    tiers=None,
    title: str | None = None,
    at=None,
    selection_rule: str = "first_tier",
    selection_top_n: int | None = None,
    publish_delay_hours: int = 0,
):
    """A round whose dates put it in `phase` at `at` (now by default); 'draft' is left unscheduled."""
    from datetime import timedelta

    from participation.rounds.rules import TierSpec
    from participation.rounds.services import RoundData, create_round, schedule_round

    moment = at or now()
    day = timedelta(days=1)
    offsets = {  # submission opens, submission closes, voting opens, voting closes (days from now)
        "draft": (1, 10, 11, 20),
        "upcoming": (1, 10, 11, 20),
        "submission": (-1, 10, 11, 20),
        "review": (-10, -2, 2, 10),
        "voting": (-20, -10, -1, 10),
        "closed": (-30, -20, -10, -1),
    }[phase]
    department = department or make_department()
    categories = categories or [make_category(department)]
    admin = make_user(roles={"admin"})
    data = RoundData(
        title=title or f"회차 {next(_seq)}",
        description="주민 여러분의 **아이디어**를 기다립니다.",
        department=department,
        categories=categories,
        districts=districts or [],
        submission_opens_at=moment + offsets[0] * day,
        submission_closes_at=moment + offsets[1] * day,
        voting_opens_at=moment + offsets[2] * day,
        voting_closes_at=moment + offsets[3] * day,
        votes_per_resident=votes_per_resident,
        tiers=tiers or [TierSpec(50, "department", 14), TierSpec(1000, "mayor_office", 30)],
        selection_rule=selection_rule,
        selection_top_n=selection_top_n,
        publish_delay_hours=publish_delay_hours,
    )
    round_ = create_round(admin, data, moment - 60 * day)
    if phase != "draft":
        schedule_round(admin, round_, moment - 50 * day)
    db.session.commit()
    return round_


def make_idea(round_, author: User | None = None, *, title: str = "공원에 벤치를 놓아 주세요", body: str = "쉴 곳이 필요합니다.", category=None, district=None, photos=(), status=None):
    """An idea submitted while its round took ideas; `status` forces a later state directly."""
    from participation.ideas.services import IdeaData, submit_idea

    author = author or make_user()
    idea = submit_idea(
        author,
        round_,
        IdeaData(title=title, body=body, category=category or round_.categories[0], district=district),
        list(photos),
        round_.submission_opens_at + (round_.submission_closes_at - round_.submission_opens_at) / 2,
    )
    if status:
        idea.status = status
    db.session.commit()
    return idea


def jpeg_bytes(size=(640, 480), colour=(200, 120, 60), exif: bytes | None = None) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG", exif=exif or b"")
    return out.getvalue()


def make_request_category(department: Department | None = None, *, name_ko: str | None = None, name_en: str = "", kind: str = "grievance"):
    """A civil-request category routed to `department` (a new one if not given)."""
    from participation.civil_requests.models import RequestCategory

    n = next(_seq)
    category = RequestCategory(
        name_ko=name_ko or f"민원 분류 {n}", name_en=name_en or f"Request category {n}", kind=kind,
        department_id=(department or make_department()).id, created_at=now(),
    )
    db.session.add(category)
    db.session.commit()
    return category


def make_civil_request(
    category=None, applicant: User | None = None, *, title: str = "가로등이 꺼졌어요",
    description: str = "골목 가로등이 사흘째 꺼져 있습니다.", is_public: bool = False, at=None,
    latitude: float | None = None, longitude: float | None = None, district: District | None = None,
):
    """A request filed online through the service, committed."""
    from participation.civil_requests import intake
    from participation.core.db import write_transaction

    category = category or make_request_category()
    applicant = applicant or make_user()
    data = intake.RequestData(category=category, title=title, description=description, is_public=is_public,
                              latitude=latitude, longitude=longitude, district=district)
    with write_transaction():
        request = intake.file_request(applicant, data, at or now())
    db.session.commit()
    return request
