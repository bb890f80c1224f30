"""A small city of civil requests for the public list, map and feed tests: two departments, two
categories, a 구 with two 동, public and private requests filed online and at a counter by
people whose names and phone numbers must never appear in public."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from participation.civil_requests import handling, intake
from participation.civil_requests.models import Channel, CivilRequest
from participation.core.db import write_transaction
from participation.core.time import SEOUL
from participation.extensions import db
from tests.factories import make_department, make_district, make_request_category, make_user

SECRET_NAME = "비밀신청인"
SECRET_COUNTER_NAME = "창구주민홍길순"
SECRET_PHONE = "010-9876-5432"
SECRET_DIGITS = "01098765432"
SECRET_EMAIL = "secret-applicant@example.kr"


def seoul(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A Seoul wall-clock moment, as the aware UTC datetime the services take."""
    return datetime(year, month, day, hour, minute, tzinfo=SEOUL).astimezone(UTC)


@dataclass
class World:
    roads: object
    parks: object
    lights: object  # a category of roads
    trees: object  # a category of parks
    gu: object
    sunny: object  # a 동 of gu
    river: object  # another 동 of gu
    applicant: object
    counter: object
    road_official: object
    park_official: object
    requests: dict[str, CivilRequest] = field(default_factory=dict)


def file(world: World, name: str, category, *, title: str, district=None, public=True, at=None, lat=None, lon=None, counter=False) -> CivilRequest:
    data = intake.RequestData(category=category, title=title, description=f"{title}: 자세한 설명", district=district,
                              latitude=lat, longitude=lon, is_public=public)
    with write_transaction():
        if counter:
            request = intake.file_request(
                world.counter, data, at or datetime.now(UTC), channel=Channel.COUNTER,
                on_behalf=intake.OnBehalf(name=SECRET_COUNTER_NAME, phone=SECRET_PHONE, email=SECRET_EMAIL, consented=True),
            )
        else:
            request = intake.file_request(world.applicant, data, at or datetime.now(UTC))
    db.session.commit()
    world.requests[name] = request
    return request


def step(fn, *args, **kwargs):
    with write_transaction():
        result = fn(*args, **kwargs)
    db.session.commit()
    return result


def build() -> World:
    roads = make_department("도로과", name_en="Roads")
    parks = make_department("공원녹지과", name_en="Parks")
    gu = make_district("햇빛구", name_en="Sunlight-gu")
    world = World(
        roads=roads,
        parks=parks,
        lights=make_request_category(roads, name_ko="가로등 고장", name_en="Street light out"),
        trees=make_request_category(parks, name_ko="가로수 정비", name_en="Street trees"),
        gu=gu,
        sunny=make_district("맑음동", parent=gu, name_en="Malgeum-dong"),
        river=make_district("강변동", parent=gu, name_en="Gangbyeon-dong"),
        applicant=make_user(display_name=SECRET_NAME, email=SECRET_EMAIL.replace("secret", "web")),
        counter=make_user(roles={"counter"}),
        road_official=make_user(roles={"official"}, department=roads),
        park_official=make_user(roles={"official"}, department=parks),
    )
    return world


def city() -> World:
    """Five requests: three public (one overdue, one answered, one at the counter), two private."""
    world = build()
    long_ago = seoul(2026, 4, 1, 10)  # a grievance filed then is long overdue
    file(world, "overdue", world.lights, title="꺼진 가로등", district=world.sunny, at=long_ago, lat=35.16, lon=126.85)
    answered = file(world, "answered", world.trees, title="쓰러진 가로수", district=world.river, at=seoul(2026, 4, 6, 9), lat=35.17, lon=126.86)
    step(handling.complete, world.park_official, answered, "resolved", "나무를 치웠습니다.", seoul(2026, 4, 7, 15))
    file(world, "counter", world.lights, title="창구에서 접수한 가로등", district=world.river, counter=True)
    file(world, "private", world.lights, title="비공개 민원 제목", district=world.sunny, public=False, lat=35.15, lon=126.84)
    file(world, "private_counter", world.trees, title="비공개 창구 민원", public=False, counter=True)
    return world
