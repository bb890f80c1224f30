"""The demo city's citizen monitoring panel: 시내버스 시민 모니터링단 of 교통정책과, drawn by lot
with a published seed, which has scored the trunk bus service twice (both scorecards closed,
answered with an action plan and published) and is scoring it a third time now.

Everything is built through the panels' services, with explicit times, in write
transactions. Times follow the demo's loading time `when`, on the Seoul calendar, so that the
campaigns' half-year titles always match their dates: the open campaign is in the current
half, the two past ones in the two halves before it.

The draw is reproducible from the published seed and applicant list, but applicants'
pseudonyms are random (as in real use), so which of the other applicants are drawn varies
between loadings. The strata are laid out so that `resident@demo.gongron.kr` is always
drawn (alone in a stratum that wins a seat), and scores are given by position among the
members, so every scorecard's figures are the same whoever was drawn.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from participation.core.db import write_transaction
from participation.core.time import SEOUL, as_utc
from participation.panels import services as panels
from participation.responses.services import ResponseData

# Published with the draw: anyone can re-run it (`python lottery.py gongron-demo-2026 12 applicants.csv`).
DRAW_SEED = "gongron-demo-2026"
TARGET_SIZE = 12
PANELIST = "resident@demo.gongron.kr"  # the README's demo resident: always a member

PANEL_NAME = "시내버스 시민 모니터링단"
PANEL_PURPOSE = (
    "한빛시 시내버스 간선 노선을 시민의 눈으로 정기 평가하는 모니터링단입니다.\n\n"
    "- 위원 12명은 신청자 가운데 **구·연령대별 층화 추첨**으로 뽑았습니다. 추첨 시드와 가명 신청자 명단을 공개하므로 "
    "누구나 추첨 결과를 다시 확인할 수 있습니다.\n"
    "- 위원은 반기마다 평가 기간에 버스를 직접 타 보고 정시성, 차내 청결, 기사 친절도, 정류장 안내 정보를 1~5점으로 평가합니다.\n"
    "- 평가 결과는 교통정책과의 답변, 실행 계획과 함께 공개됩니다.\n"
    "- 활동 기간은 2년이며, 평가에 참여한 위원에게는 회당 교통카드 충전금 3만 원을 드립니다."
)
SERVICE_NAME = "시내버스 간선 노선 운행 서비스"
SERVICE_DESCRIPTION = (
    "한빛시 간선버스 101번(햇살동–역전동), 150번(강변동–공원동), 370번(시장동–학교동) 노선의 운행 서비스입니다. "
    "배차 간격과 정시 운행, 차량 청결, 운전기사 응대, 정류장 안내 정보를 평가합니다."
)

# (name, weight, description, labels for 1..5)
RUBRIC = [
    ("정시성", 2, "배차 간격과 도착 예정 시각을 지켜 운행하는지 평가합니다.",
     ["20분 넘게 늦거나 결행이 잦음", "10분 이상 늦을 때가 많음", "가끔 5~10분 늦음", "대체로 시간표대로 운행", "늘 시간표대로 운행"]),
    ("차내 청결", 1, "좌석, 바닥, 손잡이, 창문의 청결 상태와 냄새를 평가합니다.",
     ["매우 불결함", "더러운 곳이 눈에 띔", "보통", "대체로 깨끗함", "매우 깨끗함"]),
    ("기사 친절도", 1, "운전기사의 인사와 안내, 승객 응대, 급출발·급정거 없는 안전 운전을 평가합니다.",
     ["불친절하고 운전이 난폭함", "불친절하거나 급정거가 잦음", "보통", "대체로 친절하고 안전함", "매우 친절하고 안전함"]),
    ("정류장 안내 정보", 1, "정류장 노선도, 버스 도착 안내 단말기, 차내 안내 방송이 정확하고 알아보기 쉬운지 평가합니다.",
     ["안내가 없거나 틀림", "부족하거나 자주 틀림", "보통", "대체로 정확하고 보기 쉬움", "정확하고 매우 보기 쉬움"]),
]

# The applicants: (email, age band). Each applies with the district of their account. Strata
# are (구, age band); the demo resident is alone in (새봄구, 40-49), and that stratum's
# remainder wins a seat (see lottery.allocate_quotas): 새봄구 5, 푸른구 4, 한가람구 3 seats.
APPLICANTS = [
    (PANELIST, "40-49"),                        # 햇살동, 새봄구
    ("neighbour1@demo.gongron.kr", "30-39"),    # 햇살동
    ("supporter01@demo.gongron.kr", "30-39"),   # 은행나무동
    ("supporter08@demo.gongron.kr", "30-39"),   # 햇살동
    ("neighbour7@demo.gongron.kr", "60-69"),    # 은행나무동
    ("supporter09@demo.gongron.kr", "60-69"),   # 은행나무동
    ("supporter02@demo.gongron.kr", "50-59"),   # 시장동
    ("supporter10@demo.gongron.kr", "50-59"),   # 시장동
    ("neighbour8@demo.gongron.kr", "19-29"),    # 강변동, 푸른구
    ("supporter05@demo.gongron.kr", "19-29"),   # 학교동
    ("resident2@demo.gongron.kr", "50-59"),     # 강변동
    ("supporter03@demo.gongron.kr", "50-59"),   # 강변동
    ("supporter04@demo.gongron.kr", "50-59"),   # 솔숲동
    ("neighbour3@demo.gongron.kr", "60-69"),    # 솔숲동
    ("neighbour4@demo.gongron.kr", "60-69"),    # 학교동
    ("resident3@demo.gongron.kr", "30-39"),     # 역전동, 한가람구
    ("supporter06@demo.gongron.kr", "30-39"),   # 역전동
    ("supporter07@demo.gongron.kr", "30-39"),   # 공원동
    ("neighbour6@demo.gongron.kr", "40-49"),    # 공원동
    ("neighbour5@demo.gongron.kr", "70+"),      # 역전동
]

# Evaluations: (정시성, 차내 청결, 기사 친절도, 정류장 안내 정보) — None leaves a criterion
# unscored in a draft — and a comment. The first row of each past campaign is the demo
# resident's; the others go to the other members in a fixed order.
FIRST_SCORES = [
    ((2, 4, 3, 2), "출근 시간에 101번 배차 간격이 20분 넘게 벌어질 때가 많습니다. 정류장 도착 안내도 실제와 5분 이상 차이 났어요."),
    ((3, 3, 4, 3), ""),
    ((2, 3, 2, 2), "급정거가 잦아서 서 있던 승객이 넘어질 뻔했습니다. 역전동 정류장은 도착 안내 단말기가 며칠째 꺼져 있었습니다."),
    ((1, 4, 3, 3), "비 오는 날 저녁에는 150번을 30분 가까이 기다렸습니다."),
    ((3, 3, 3, 2), ""),
    ((2, 4, 4, 3), ""),
    ((3, 2, 3, 3), "주말 막차는 바닥에 음료 컵과 쓰레기가 그대로 남아 있었습니다."),
    ((2, 3, 3, 2), ""),
    ((4, 4, 3, 3), "370번은 대체로 시간을 잘 지킵니다. 다른 노선도 이 정도면 좋겠습니다."),
]
SECOND_SCORES = [
    ((3, 3, 4, 4), "출근 시간 배차가 확실히 나아졌습니다. 새 도착 안내 단말기는 글씨가 크고 시간도 정확해요."),
    ((3, 3, 4, 5), ""),
    ((3, 3, 4, 4), ""),
    ((2, 3, 4, 4), "150번은 퇴근 시간 강변대로 구간에서 여전히 15분 이상 늦을 때가 있습니다."),
    ((3, 4, 4, 5), ""),
    ((3, 3, 5, 4), "기사님이 어르신이 자리에 앉으실 때까지 기다렸다가 출발하셔서 인상적이었습니다."),
    ((3, 3, 4, 4), "막차 시간을 30분만 늦춰 주면 야간 근무자들이 훨씬 편할 것 같습니다."),
    ((3, 2, 4, 4), "에어컨 송풍구에 먼지가 많이 쌓여 있었습니다."),
    ((4, 3, 5, 5), ""),
    ((3, 3, 4, 4), ""),
]
SECOND_DRAFT = ((3, None, 4, None), "")  # started, never submitted: does not count
# The open campaign: (scores, comment, submitted?). The demo resident has not evaluated yet.
OPEN_SCORES = [
    ((4, 4, 4, 4), "출근길 101번은 이번 평가 기간 내내 거의 시간표대로 왔습니다.", True),
    ((3, 3, 5, 4), "", True),
    ((2, 4, 3, 4), "150번은 강변대로 공사 구간에서 아직도 10분 넘게 늦습니다. 버스 우선 신호를 빨리 넓혀 주세요.", True),
    ((4, None, 4, None), "", False),
    ((3, 3, None, None), "주말에 한 번 더 타 보고 제출하겠습니다.", False),
]

FIRST_ANSWER = (
    "accepted",
    "시민 모니터링단의 평가를 무겁게 받아들입니다. 가장 낮은 점수를 받은 **정시성**과 **정류장 안내 정보**부터 개선하겠습니다.\n\n"
    "- 출근 시간대(오전 7~9시) 101번과 150번에 차량 4대를 증차해 배차 간격을 15분에서 10분으로 줄입니다.\n"
    "- 고장이 잦았던 역전동·강변동 일대 정류장 12곳의 버스 도착 안내 단말기를 교체합니다.\n"
    "- 급정거 지적이 많았던 만큼 운수회사와 함께 운전기사 안전 운전·친절 교육을 실시합니다.",
    480_000_000,
)
SECOND_ANSWER = (
    "partially_accepted",
    "정류장 안내 정보와 기사 친절도 점수가 크게 오르고 정시성도 나아져, 증차와 도착 안내 단말기 교체, 운전기사 교육의 효과를 "
    "확인했습니다. 다만 차내 청결은 지난 평가보다 낮아졌고 퇴근 시간대 150번 지연도 남아 있어, 다음과 같이 개선하겠습니다.\n\n"
    "- 퇴근 시간대 150번 지연을 줄이기 위해 강변대로 교차로 5곳에서 버스 우선 신호를 시범 운영합니다.\n"
    "- 냉방기 송풍구 먼지 지적에 따라 필터와 송풍구 청소를 월 1회에서 월 2회로 늘립니다.\n"
    "- 막차 시간 연장 요청은 바로 반영하기 어렵습니다. 심야 이용 수요를 조사한 뒤 결정하고, 결과를 이 페이지에 알려 드리겠습니다.",
    150_000_000,
)


@dataclass(frozen=True)
class Timeline:
    """The panel's dates, from the demo's loading time."""

    today: date  # the loading day in Seoul
    recruitment_opens: datetime
    recruitment_closes: datetime
    drawn: datetime
    term_starts: date
    first: tuple[datetime, datetime]  # (opens, closes) of the earlier past campaign
    second: tuple[datetime, datetime]
    current: tuple[datetime, datetime]  # the open campaign
    titles: tuple[str, str, str]


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    """`hour:minute` on `day` in Seoul, as an aware UTC datetime."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SEOUL).astimezone(UTC)


def _half(day: date) -> str:
    return f"{day.year}년 {'상' if day.month <= 6 else '하'}반기"


def _months_before(day: date, months: int) -> date:
    month = day.month - 1 - months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def timeline(when: datetime) -> Timeline:
    """The open campaign runs in the current half-year (opened 4 days ago, closing in 10); the
    previous campaign closed at least 40 days ago, in the last 40 days of the previous half;
    the one before closed six months earlier, in the half before that."""
    today = as_utc(when).astimezone(SEOUL).date()
    half_start = date(today.year, 1 if today.month <= 6 else 7, 1)
    second_close = min(today - timedelta(days=40), half_start - timedelta(days=1))
    first_close = _months_before(second_close, 6)

    def window(close_day: date) -> tuple[datetime, datetime]:
        return _at(close_day - timedelta(days=21), 9), _at(close_day, 18)

    first_opens = first_close - timedelta(days=21)
    title = "{} 시내버스 간선 노선 시민 평가"
    return Timeline(
        today=today,
        recruitment_opens=_at(first_opens - timedelta(days=50), 9),
        recruitment_closes=_at(first_opens - timedelta(days=25), 18),
        drawn=_at(first_opens - timedelta(days=22), 14),
        term_starts=first_opens - timedelta(days=14),
        first=window(first_close),
        second=window(second_close),
        current=(_at(today - timedelta(days=4), 9), _at(today + timedelta(days=10), 18)),
        titles=(title.format(_half(first_close)), title.format(_half(second_close)), title.format(_half(today))),
    )


def seed_panels(admin, departments, people_by_email, official, when) -> dict:
    """Create the panel, its service and three campaigns; returns them by key.

    `people_by_email` holds the demo accounts (residents, neighbours, supporters);
    `official` is 교통정책과's demo official, who answers the scorecards.
    """
    plan = timeline(when)
    department = departments["교통정책과"]
    panel, service = _panel_and_service(admin, department, people_by_email, plan)
    members = panels.members(panel)
    panelist = next(m.user for m in members if m.user.email == PANELIST)
    # Everyone else in a fixed order (the accounts' order), so the scores do not depend on who was drawn.
    others = sorted((m.user for m in members if m.user.id != panelist.id), key=lambda user: user.id)

    first = _campaign(admin, panel, service, plan.titles[0], plan.first, photo_allowed=False)
    _evaluate(first, [panelist, *others], [(scores, comment, True) for scores, comment in FIRST_SCORES])
    closes = first.closes_at
    close_day = closes.astimezone(SEOUL).date()
    _close_and_answer(first, official, FIRST_ANSWER, close_day + timedelta(days=150), closes + timedelta(days=9))
    items = _plan(first, official, [
        ("출근 시간대 101번·150번 차량 4대 증차", close_day + timedelta(days=60)),
        ("역전동·강변동 정류장 버스 도착 안내 단말기 12곳 교체", close_day + timedelta(days=120)),
        ("운전기사 안전 운전·친절 교육 실시 (운수회사 3곳)", close_day + timedelta(days=150)),
    ], closes + timedelta(days=9, hours=1))
    _progress(first, official, [
        (items[0], 100, "증차한 4대를 출근 시간대에 투입해 배차 간격을 10분으로 줄였습니다.", closes + timedelta(days=45)),
        (items[1], 60, "12곳 가운데 7곳의 단말기를 교체했습니다.", closes + timedelta(days=90)),
        (items[1], 100, "12곳 모두 교체를 마쳤습니다.", closes + timedelta(days=118)),
        (items[2], 100, "운전기사 210명이 교육을 받았습니다. 급정거 관련 민원이 줄고 있습니다.", closes + timedelta(days=140)),
    ])
    # Answered, so the administrator publishes it before its publish time.
    with write_transaction():
        panels.publish_early(admin, first, closes + timedelta(days=10))

    second = _campaign(admin, panel, service, plan.titles[1], plan.second, photo_allowed=True)
    rows = [(scores, comment, True) for scores, comment in SECOND_SCORES] + [(*SECOND_DRAFT, False)]
    _evaluate(second, [panelist, *others], rows)
    closes = second.closes_at
    close_day = closes.astimezone(SEOUL).date()
    # What is still under way is due after the loading day, so the plan reads as current.
    survey_due = max(close_day + timedelta(days=150), plan.today + timedelta(days=70))
    _close_and_answer(second, official, SECOND_ANSWER, survey_due, closes + timedelta(days=6))
    items = _plan(second, official, [
        ("냉방기 필터·송풍구 청소 주기 단축 (월 1회 → 월 2회)", close_day + timedelta(days=30)),
        ("150번 노선 강변대로 교차로 5곳 버스 우선 신호 시범 운영", max(close_day + timedelta(days=120), plan.today + timedelta(days=40))),
        ("심야 막차 연장 수요 조사", survey_due),
    ], closes + timedelta(days=6, hours=2))
    _progress(second, official, [
        (items[0], 100, "모든 간선버스에 적용했습니다.", closes + timedelta(days=20)),
        (items[1], 20, "교차로 5곳의 신호 체계 설계를 마쳤습니다.", closes + timedelta(days=20)),
        (items[1], 40, "5곳 가운데 2곳에 버스 감지 장치와 신호 제어기를 설치했습니다.", closes + timedelta(days=35)),
        (items[2], 20, "설문 문항을 확정하고 조사 기관을 선정했습니다.", closes + timedelta(days=35)),
    ])
    # Published by the scheduler's sweep at its publish time, 14 days after the close.
    panels.publish_due_scorecards(second.publishes_at + timedelta(minutes=1))

    current = _campaign(admin, panel, service, plan.titles[2], plan.current, photo_allowed=True)
    _evaluate(current, others, OPEN_SCORES)
    return {"panel": panel, "service": service, "first": first, "second": second, "current": current}


def _panel_and_service(admin, department, people_by_email, plan: Timeline):
    created = plan.recruitment_opens - timedelta(days=7)
    data = panels.PanelData(
        name=PANEL_NAME, purpose=PANEL_PURPOSE, department_id=department.id, term_starts_on=plan.term_starts,
        term_ends_on=_months_before(plan.term_starts, -24) - timedelta(days=1), target_size=TARGET_SIZE,
        strata=["district", "age_band"], selection_method="lottery",
        recruitment_opens_at=plan.recruitment_opens, recruitment_closes_at=plan.recruitment_closes,
    )
    with write_transaction():
        panel = panels.create_panel(admin, data, created)
        service = panels.create_service(admin, SERVICE_NAME, SERVICE_DESCRIPTION, department.id, created)
    span = plan.recruitment_closes - plan.recruitment_opens
    for n, (email, band) in enumerate(APPLICANTS):
        person = people_by_email[email]
        # Applications arrive over the recruitment weeks, a little over a day apart.
        applied = plan.recruitment_opens + span * (n + 1) / (len(APPLICANTS) + 2) + timedelta(minutes=17 * n)
        with write_transaction():
            panels.apply(person, panel, person.district_id, band, True, applied)
    with write_transaction():
        panels.draw(admin, panel, plan.drawn, seed=DRAW_SEED)
    return panel, service


def _campaign(admin, panel, service, title, window, *, photo_allowed):
    opens, closes = window
    created = opens - timedelta(days=7)
    data = panels.CampaignData(title=title, panel_id=panel.id, service_id=service.id, opens_at=opens, closes_at=closes,
                               photo_allowed=photo_allowed, response_days=14, publish_delay_days=14)
    with write_transaction():
        campaign = panels.create_campaign(admin, data, created)
        for name, weight, description, labels in RUBRIC:
            panels.add_criterion(admin, campaign, panels.CriterionData(name, description, weight, list(labels)), created)
        panels.schedule_campaign(admin, campaign, created + timedelta(days=2))
    return campaign


def _evaluate(campaign, people, rows) -> None:
    """people[i] evaluates with rows[i], at moments spread over the campaign's first days."""
    assert len(people) >= len(rows), "more evaluations than members"
    for n, (person, (scores, comment, submit)) in enumerate(zip(people, rows, strict=False)):
        moment = campaign.opens_at + timedelta(hours=5 + 17 * n)
        data = panels.EvaluationData(
            scores={c.id: value for c, value in zip(campaign.criteria, scores, strict=True)}, comment=comment,
            visit_date=(moment - timedelta(hours=10)).astimezone(SEOUL).date(), submit=submit,
        )
        with write_transaction():
            panels.save_evaluation(person, campaign, data, moment)


def _close_and_answer(campaign, official, answer, planned: date, answered: datetime) -> None:
    """The close (by the sweep's service, just after the deadline), then 교통정책과's answer."""
    decision, explanation, budget = answer
    with write_transaction():
        panels.close_campaign(campaign.id, campaign.closes_at + timedelta(seconds=1))
    with write_transaction():
        panels.answer(official, campaign, ResponseData(decision, explanation, planned, budget), answered)


def _plan(campaign, official, actions, at) -> list[int]:
    ids = []
    with write_transaction():
        for n, (title, due_on) in enumerate(actions):
            ids.append(panels.add_action_item(official, campaign, title, due_on, at + timedelta(minutes=3 * n)).id)
    return ids


def _progress(campaign, official, updates) -> None:
    for item_id, progress, note, at in updates:
        with write_transaction():
            panels.update_action_item(official, campaign, item_id, progress, note, at)
