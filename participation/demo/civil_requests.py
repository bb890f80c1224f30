"""The demo city's civil requests (민원): about 200 over the last 60 days, at every step.

Everything goes through the civil requests' services (intake.file_request, handling.*), each step
with an explicit `now` in the past, so every timeline, clock and due time is the one the statute
gives: requests received, in progress, waiting for a supplement, answered with each result,
reopened, closed as a repeat; some transferred (이송), co-handled (협조), extended (one twice,
with the applicant's consent), rated with each satisfaction, some open past their due time.
Officials act in working hours where the request's life allows it.

A handful are scripted with fixed titles for the README tour (FEATURED); the rest are drawn from
`civil_request_texts` with a seeded random generator, so two loadings hold the same requests
(their times follow the loading time). Also here: the request categories with answer templates,
and rectangular 동 boundaries laid out inside the configured city bounds, so a pin finds its 동.
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import select

from participation.civil_requests import clock, geo, handling, intake, reference
from participation.civil_requests.models import OPEN_STATUSES, REOPEN_DAYS, Channel, CivilRequest
from participation.core.db import write_transaction
from participation.core.time import SEOUL
from participation.demo import civil_request_texts as texts
from participation.demo.people import OFFICIALS
from participation.extensions import db

SEED = 14
TOTAL = 200
DAYS = 60
COUNTER_RESIDENT = ("김순자", "010-2345-6789")  # printed with the receipt's tracking number

# Titles the README tour names.
TOUR_TRANSFER = "공원동 산책로 가로등 세 개가 꺼져 있어요"
TOUR_COHANDLING = "역전동 사거리 도로에 포트홀이 생겼어요"
TOUR_RATE = "햇살동 주민센터 앞 쓰레기 무단 투기"
TOUR_REOPEN = "햇살동 어린이공원 화장실이 잠겨 있어요"
TOUR_SUPPLEMENT = "햇살동 주민센터 무인발급기 이용 시간 문의"
TOUR_OVERDUE = "솔숲동 어린이공원 그네 줄이 끊어졌어요"
TOUR_EXTENDED = "강변동 하천변 산책로 보도블록이 들떠 있어요"
TOUR_EXTENDED_TWICE = "시장동 전통시장 입구 맨홀 뚜껑이 덜컹거려요"
TOUR_FOLLOW_UP = "학교동 초등학교 정문 앞 불법 주차 단속 요청"
TOUR_REPEAT = "시장동 새벽 하역 차량 소음"
TOUR_COUNTER = "은행나무동 경로당 앞 보도블록이 깨져 있어요"

# Generated requests: how each one ends, and how many.
FATES = [("received", 14), ("in_progress", 22), ("overdue", 16), ("awaiting", 6), ("completed", 0)]  # completed: the rest
RESULTS = [("resolved", 60), ("partly_resolved", 18), ("not_possible", 12), ("transferred", 10)]
SATISFACTIONS = [("satisfied", 55), ("neutral", 25), ("dissatisfied", 20)]


@dataclass
class Loaded:
    requests: int
    counter_tracking_number: str
    counter_phone: str


class _Demo:
    """What every step needs: the random generator, the calendar, the people and places."""

    def __init__(self, admin, departments, dongs, people, residents, when):
        # Choices are drawn from `rng`, which each generated request replaces with its own, so one
        # request's dates (they follow the loading time) never change what another one says.
        self.rng = random.Random(SEED)
        self.minutes = random.Random(SEED + 1)  # the minute an official's step is moved to
        self.calendar = clock.Calendar()
        self.admin, self.departments, self.dongs, self.when = admin, departments, dongs, when
        self.people, self.residents = people, residents
        self.officials = {departments[name].id: people[email] for name, email in OFFICIALS.items()}
        self.categories = {}
        self.boxes = {}
        self.filed = 0

    # --- time ------------------------------------------------------------------------------

    def working(self, moment: datetime) -> bool:
        local = moment.astimezone(SEOUL)
        return self.calendar.is_working_day(local.date()) and time(9) <= local.time() < time(18)

    def office(self, moment: datetime, low: datetime, high: datetime) -> datetime:
        """`moment` moved into working hours, forward or else back, staying inside (low, high]."""
        if self.working(moment):
            return moment
        local = moment.astimezone(SEOUL)
        day = local.date() if local.time() < time(9) else local.date() + timedelta(days=1)
        while not self.calendar.is_working_day(day):
            day += timedelta(days=1)
        forward = datetime.combine(day, time(9, self.minutes.randrange(5, 55)), SEOUL)
        if low < forward <= high:
            return forward
        day = local.date() if local.time() >= time(18) else local.date() - timedelta(days=1)
        while not self.calendar.is_working_day(day):
            day -= timedelta(days=1)
        back = datetime.combine(day, time(17, self.minutes.randrange(0, 55)), SEOUL)
        if low < back <= high:
            return back
        return max(moment, low + timedelta(minutes=1))

    def ago(self, days: float) -> datetime:
        return self.when - timedelta(days=days)

    # --- places ----------------------------------------------------------------------------

    def lay_out_dongs(self) -> bytes:
        """Each 구 a column of the city's box from west to east, each of its 동 a row of it."""
        south, west, north, east = geo.city_bounds()
        gus = {}
        for name, dong in self.dongs.items():
            gus.setdefault(dong.parent.name_ko, []).append(name)
        features, width = [], (east - west) / len(gus)
        for column, (gu, names) in enumerate(gus.items()):
            height = (north - south) / len(names)
            for row, name in enumerate(names):
                w, e = west + column * width, west + (column + 1) * width
                s, n = north - (row + 1) * height, north - row * height
                self.boxes[name] = (s, w, n, e)
                ring = [[w, s], [e, s], [e, n], [w, n], [w, s]]
                features.append({"type": "Feature", "properties": {"name": f"{gu} {name}"},
                                 "geometry": {"type": "Polygon", "coordinates": [ring]}})
        return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode()

    def point_in(self, dong: str) -> tuple[float, float]:
        s, w, n, e = self.boxes[dong]
        return (round(s + (n - s) * self.rng.uniform(0.15, 0.85), 6), round(w + (e - w) * self.rng.uniform(0.15, 0.85), 6))

    # --- steps -----------------------------------------------------------------------------

    def lead(self, request):
        return self.officials[request.lead_department_id]

    def file(self, applicant, category, title, description, dong, at, *, public, located=True, spot="",
             channel=Channel.WEB, on_behalf=None):
        latitude = longitude = None
        if located:
            latitude, longitude = self.point_in(dong)
        data = intake.RequestData(
            category=self.categories[category], title=title, description=description,
            address=f"{self.dongs[dong].parent.name_ko} {dong} {spot}".strip() if located else "",
            district=self.dongs[dong], latitude=latitude, longitude=longitude, is_public=public,
        )
        self.filed += 1
        return intake.file_request(applicant, data, at, channel=channel, on_behalf=on_behalf)

    def answer(self, request, result, at):
        row = self.rng.choice(texts.ANSWERS[request.category.name_ko][result])
        answer, reason, remedy = row if result == "not_possible" else (row, "", "")
        handling.complete(self.lead(request), request, result, answer, at, reason=reason, remedy=remedy)

    def rate(self, request, satisfaction, at):
        handling.rate(request.applicant, request, satisfaction, self.rng.choice(texts.RATING_COMMENTS[satisfaction]), at)

    def transfer(self, request, at):
        department, reason = texts.TRANSFERS[request.category.name_ko]
        handling.transfer(self.lead(request), request, self.departments[department], reason, at)

    def ask(self, request, at):
        department, question, _ = texts.COHANDLINGS[request.category.name_ko]
        if self.departments[department].id == request.lead_department_id:
            return None
        return handling.ask_cohandling(self.lead(request), request, self.departments[department], question, at)

    def give_part(self, request, cohandling, at):
        _, _, part = texts.COHANDLINGS[request.category.name_ko]
        handling.answer_cohandling(self.officials[cohandling.department_id], request, part, at)


def seed_civil_requests(admin, departments, dongs, people, residents, when) -> Loaded:
    """Load the categories, the 동 boundaries and every request, in one write transaction."""
    demo = _Demo(admin, departments, dongs, people, residents, when)
    with write_transaction():
        setup = demo.ago(DAYS + 10)
        for name_ko, name_en, kind, department, template, _weight, _located in texts.CATEGORIES:
            demo.categories[name_ko] = reference.save_request_category(
                admin, None, name_ko=name_ko, name_en=name_en, kind=kind, department=departments[department],
                period_amount=None, period_unit=None, answer_template_ko=template, answer_template_en="", now=setup,
            )
        reference.import_boundaries(admin, demo.lay_out_dongs(), name_property="name", now=setup)
        counter = _featured(demo)
        for n, plan in enumerate(_plans(random.Random(SEED), list(dongs), TOTAL - demo.filed)):
            demo.rng = random.Random(SEED * 1000 + n)
            _run(demo, plan)
        demo.rng = random.Random(SEED - 1)
        _supporters(demo)
    return Loaded(requests=demo.filed, counter_tracking_number=counter.tracking_number, counter_phone=COUNTER_RESIDENT[1])


def _featured(demo: _Demo):
    """The requests the README tour walks through. Returns the counter filing."""
    me, r2, r3 = (demo.people[f"{name}@demo.gongron.kr"] for name in ("resident", "resident2", "resident3"))

    def at(days_ago, request=None):
        """That many days ago, in working hours if possible, after the request's latest step."""
        moment = demo.ago(days_ago)
        low = request.updated_at if request is not None else moment - timedelta(days=3)
        return demo.office(moment, low, demo.when - timedelta(minutes=30))

    def later(days_ago, request):
        """That many days ago, at any hour (a resident's step), but after the request's latest step."""
        return max(demo.ago(days_ago), request.updated_at + timedelta(minutes=30))

    # Received by 도로과, to be transferred to 공원녹지과 (a streetlight inside a park).
    demo.file(me, "가로등 고장", TOUR_TRANSFER, "공원 산책로 가운데 가로등 세 개가 며칠째 꺼져 있습니다. 저녁 운동하는 사람이 많은데 너무 어둡습니다.",
              "공원동", demo.ago(0.8), public=True, spot="공원 산책로")
    # 도로과 asked 교통정책과 for its part; the part is still awaited.
    pothole = demo.file(r2, "도로 파손", TOUR_COHANDLING, "사거리 횡단보도 앞 차로에 큰 구멍이 패였습니다. 버스가 지날 때마다 물이 튑니다.",
                        "역전동", demo.ago(3), public=True, spot="역전 사거리")
    handling.start(demo.lead(pothole), pothole, at(2.6, pothole))
    demo.ask(pothole, at(2.5, pothole))
    # Answered yesterday, waiting for the resident's rating; and one answered three days ago, to reopen.
    dumped = demo.file(me, "불법 투기", TOUR_RATE, "주민센터 앞 화단에 음식물이 든 봉투가 계속 버려집니다.", "햇살동", demo.ago(5), public=True, spot="주민센터 앞")
    handling.start(demo.lead(dumped), dumped, at(4.5, dumped))
    demo.answer(dumped, "resolved", at(1, dumped))
    toilet = demo.file(me, "공원 시설", TOUR_REOPEN, "공원 화장실이 낮에도 잠겨 있어 아이들이 급할 때 쓸 수가 없습니다.", "햇살동", demo.ago(8),
                       public=False, spot="어린이공원")
    handling.start(demo.lead(toilet), toilet, at(7.5, toilet))
    handling.complete(demo.lead(toilet), toilet, "resolved", "잠금장치를 고쳐 09시부터 21시까지 열어 둡니다.", at(3, toilet))
    # The department asked for more; the clock waits for the resident.
    kiosk = demo.file(me, "질의(제도·절차)", TOUR_SUPPLEMENT, "무인민원발급기를 주말에도 쓸 수 있는지 알려 주세요.", "햇살동", demo.ago(2), public=False, located=False)
    handling.request_supplement(demo.lead(kiosk), kiosk, "어느 서류를 발급하시려는지 알려 주세요. 서류마다 이용 시간이 다릅니다.", at(1.5, kiosk))
    # Started, never answered: overdue.
    swing = demo.file(me, "공원 시설", TOUR_OVERDUE, "어린이공원 그네 줄 하나가 끊어져 매달려 있습니다.", "솔숲동", demo.ago(16), public=True, spot="어린이공원")
    handling.start(demo.lead(swing), swing, at(15, swing))
    # Extended once with a reason; and one extended twice, the second time with the resident's consent.
    blocks = demo.file(r2, "도로 파손", TOUR_EXTENDED, "하천변 산책로 보도블록이 들떠 자전거가 넘어질 뻔했습니다.", "강변동", demo.ago(9), public=True, spot="하천변 산책로")
    handling.start(demo.lead(blocks), blocks, at(8.5, blocks))
    handling.extend(demo.lead(blocks), blocks, None, texts.EXTENSION_REASONS[3], at(4, blocks))
    manhole = demo.file(r3, "도로 파손", TOUR_EXTENDED_TWICE, "차가 지날 때마다 맨홀 뚜껑에서 쾅 소리가 납니다.", "시장동", demo.ago(25), public=True, spot="전통시장 입구")
    handling.start(demo.lead(manhole), manhole, at(24, manhole))
    handling.extend(demo.lead(manhole), manhole, None, texts.EXTENSION_REASONS[0], at(18, manhole))
    handling.consent_to_extension(r3, manhole, later(9, manhole))
    handling.extend(demo.lead(manhole), manhole, None, "맨홀 뚜껑 규격품이 단종되어 새로 제작해야 합니다. 주민께서 연장에 동의해 주셨습니다.", at(8.5, manhole))
    # Rated "dissatisfied": back in 교통정책과's queue as a follow-up.
    parking = demo.file(r2, "불법 주차", TOUR_FOLLOW_UP, "등교 시간마다 정문 앞에 차가 서 있습니다.", "학교동", demo.ago(6), public=True, spot="초등학교 정문 앞")
    demo.answer(parking, "partly_resolved", at(5.9, parking))
    demo.rate(parking, "dissatisfied", later(5, parking))
    # The same complaint three times: answered twice, the third closed as a repeat (종결).
    first = demo.file(r3, "소음", TOUR_REPEAT, "새벽 4시마다 시장 하역 차량이 시동을 켜 둔 채 짐을 내립니다.", "시장동", demo.ago(55), public=False, spot="전통시장 입구")
    handling.start(demo.lead(first), first, at(54, first))
    demo.answer(first, "not_possible", at(50, first))
    second = demo.file(r3, "소음", TOUR_REPEAT, "지난번 답변 뒤에도 새벽 하역 소음이 그대로입니다.", "시장동", demo.ago(35), public=False, spot="전통시장 입구")
    handling.link_original(demo.lead(second), second, first, at(34.5, second))
    demo.answer(second, "not_possible", at(30, second))
    third = demo.file(r3, "소음", TOUR_REPEAT, "새벽 하역 소음을 다시 신고합니다.", "시장동", demo.ago(6), public=False, spot="전통시장 입구")
    handling.link_original(demo.lead(third), third, first, at(5.5, third))
    handling.close_as_repeat(demo.lead(third), third, "같은 내용으로 두 번 답변드렸고 새로운 사정이 없어 종결합니다. 사유지 안 하역은 시의 단속 대상이 아닙니다.", at(5.4, third))
    # Filed at the counter this morning, on behalf of a resident who does not use the web.
    name, phone = COUNTER_RESIDENT
    return demo.file(
        demo.people["counter@demo.gongron.kr"], "도로 파손", TOUR_COUNTER,
        "경로당 앞 보도블록이 깨져 어르신이 넘어질 뻔했습니다. 민원실 방문 접수.", "은행나무동", at(0.1), public=False, spot="경로당 앞",
        channel=Channel.COUNTER, on_behalf=intake.OnBehalf(name=name, phone=phone, email=None, consented=True),
    )


def _weighted(rng, pairs):
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _plans(rng: random.Random, dongs: list[str], count: int) -> list[dict]:
    """What happens to each generated request, decided before anything is filed (the same plans
    at every loading)."""
    fates = [fate for fate, n in FATES for _ in range(n)]
    fates += ["completed"] * (count - len(fates))
    rng.shuffle(fates)
    categories = [row[0] for row in texts.CATEGORIES]
    weights = [row[5] for row in texts.CATEGORIES]
    located = {row[0] for row in texts.CATEGORIES if row[6]}
    immediate = {row[0] for row in texts.CATEGORIES if row[2] == "other"}
    plans = []
    field_reports = list(texts.FIELD_REPORTS)
    for n, fate in enumerate(fates):
        plan = {"fate": fate, "dong": rng.choice(dongs), "spot": rng.choice(texts.SPOTS)}
        if field_reports and n % 9 == 4:
            plan["category"], plan["title"], plan["description"] = field_reports.pop()
            plan["channel"] = Channel.FIELD
        else:
            while True:
                plan["category"] = rng.choices(categories, weights=weights)[0]
                if not (fate in ("received", "in_progress", "awaiting") and plan["category"] in immediate):
                    break
            plan["title"], plan["description"] = rng.choice(texts.REQUESTS[plan["category"]])
            plan["channel"] = Channel.WEB
        plan["located"] = plan["category"] in located
        plan["public"] = plan["channel"] == Channel.FIELD or rng.random() < (0.65 if plan["located"] else 0.15)
        long_period = plan["category"] in ("질의(법령 해석)", "건의")
        plan["age"] = {
            "received": rng.uniform(0.05, 2.5),
            "in_progress": rng.uniform(1, 11 if long_period else 5),
            "overdue": rng.uniform(1, 30) if plan["category"] in immediate else rng.uniform(25 if long_period else 14, 55),
            "awaiting": rng.uniform(2, 20),
            "completed": rng.uniform(3, DAYS),
        }[fate]
        handled = fate != "received"
        plan["assign"] = handled and rng.random() < 0.25
        plan["transfer"] = rng.random() < (0.09 if handled else 0.1)
        plan["cohandle"] = fate in ("in_progress", "overdue", "completed") and plan["category"] in texts.COHANDLINGS and rng.random() < 0.18
        plan["extend"] = fate in ("overdue", "completed") and plan["category"] not in immediate and rng.random() < 0.08
        plan["supplement"] = fate == "completed" and rng.random() < 0.06
        if plan["extend"] and fate == "overdue":
            plan["age"] = max(plan["age"], 25 if not long_period else 40)  # past the extended due time too
        if fate == "completed":
            plan["late"] = rng.random() < 0.2
            plan["result"] = _weighted(rng, RESULTS)
            # Field staff file for the city, not for themselves: nobody rates or reopens those.
            plan["rating"] = _weighted(rng, SATISFACTIONS) if rng.random() < 0.65 and plan["channel"] == Channel.WEB else None
            plan["follow_up_answered"] = rng.random() < 0.5
            plan["reopen"] = rng.random() < 0.15 and plan["channel"] == Channel.WEB and plan["age"] < 30  # inside the window
        plans.append(plan)
    return plans


def _run(demo: _Demo, plan: dict) -> None:
    """File one generated request and take it through its steps, each at a later moment."""
    rng, when = demo.rng, demo.when
    filed = demo.ago(plan["age"])
    if plan["channel"] == Channel.FIELD:
        applicant = demo.people["field@demo.gongron.kr"]
        filed = demo.office(filed, filed - timedelta(days=3), when - timedelta(hours=1))
    else:
        applicant = rng.choice(demo.residents)
    title = plan["title"].format(dong=plan["dong"], spot=plan["spot"])
    description = plan["description"].format(dong=plan["dong"], spot=plan["spot"])
    request = demo.file(applicant, plan["category"], title, description, plan["dong"], filed, public=plan["public"],
                        located=plan["located"], spot=plan["spot"], channel=plan["channel"])
    fate = plan["fate"]
    limit = when - timedelta(minutes=10)
    if fate == "completed":
        due = request.due_at
        if plan["late"] or due >= limit:
            end = min(due + timedelta(days=rng.uniform(0.5, 6)), limit) if due < limit else filed + (limit - filed) * rng.uniform(0.4, 0.8)
        else:
            end = filed + (due - filed) * rng.uniform(0.25, 0.95)
        if plan["extend"]:
            end = filed + (due - filed) * rng.uniform(1.05, 1.6)
        end = min(end, limit)
    else:
        end = limit
    cursor = [filed]

    def next_step(share, office=True):
        moment = cursor[0] + (end - cursor[0]) * share
        if office:
            moment = demo.office(moment, cursor[0], end)
        cursor[0] = max(moment, cursor[0] + timedelta(minutes=1))
        return cursor[0]

    if plan["transfer"]:
        demo.transfer(request, next_step(0.08))
    if fate == "received":
        return
    if plan["assign"]:
        handling.assign(demo.lead(request), request, demo.lead(request), next_step(0.05))
    handling.start(demo.lead(request), request, next_step(0.1))
    if fate == "awaiting" or plan["supplement"]:
        handling.request_supplement(demo.lead(request), request, rng.choice(texts.SUPPLEMENT_ASKS), next_step(0.15))
        if fate == "awaiting":
            return
        handling.supplement(request.applicant, request, rng.choice(texts.SUPPLEMENT_REPLIES), next_step(0.1, office=False))
    if plan["cohandle"]:
        cohandling = demo.ask(request, next_step(0.1))
        if cohandling is not None and (fate == "completed" or rng.random() < 0.6):
            demo.give_part(request, cohandling, next_step(0.2))
    if plan["extend"]:
        moment = demo.office(filed + (request.due_at - filed) * rng.uniform(0.6, 0.9), cursor[0], request.due_at)
        cursor[0] = max(moment, cursor[0] + timedelta(minutes=1))
        handling.extend(demo.lead(request), request, None, rng.choice(texts.EXTENSION_REASONS), cursor[0])
    if fate != "completed":
        return
    completed = demo.office(end, cursor[0], limit)
    demo.answer(request, plan["result"], completed)
    if request.applicant is None:
        return
    after = limit - completed
    if plan["reopen"] and timedelta(days=1) < after and after * 0.4 < timedelta(days=REOPEN_DAYS):
        reopened = completed + after * 0.4
        handling.reopen(request.applicant, request, rng.choice(texts.REOPEN_REASONS), reopened)
        if rng.random() < 0.5:
            answered = demo.office(reopened + (limit - reopened) * 0.6, reopened, limit)
            demo.answer(request, "resolved", answered)
            if plan["rating"] is not None:
                demo.rate(request, plan["rating"], answered + (limit - answered) * 0.5)
    elif plan["rating"] is not None:
        rated = completed + min(timedelta(hours=rng.uniform(1, 72)), after * 0.5)
        demo.rate(request, plan["rating"], rated)
        if plan["rating"] == "dissatisfied" and plan["follow_up_answered"]:
            moment = demo.office(rated + (limit - rated) * 0.3, rated, limit)
            handling.answer_follow_up(demo.lead(request), request, rng.choice(texts.FOLLOW_UP_ANSWERS), moment)

def _supporters(demo: _Demo) -> None:
    """Neighbours who had the same problem press "same problem" on a few open public requests."""
    open_public = db.session.scalars(
        select(CivilRequest).where(CivilRequest.is_public.is_(True), CivilRequest.status.in_([s.value for s in OPEN_STATUSES]))
        .order_by(CivilRequest.id)
    ).all()
    for request in demo.rng.sample(open_public, min(12, len(open_public))):
        for neighbour in demo.rng.sample(demo.residents, demo.rng.randint(1, 4)):
            if neighbour.id != request.applicant_id:
                moment = request.updated_at + (demo.when - request.updated_at) * demo.rng.uniform(0.1, 0.9)
                intake.support(neighbour, request, moment)
