"""Demo rounds for the outcome loop: one closed and published last season, with answers,
progress and one overdue answer; and one that closes a few minutes after the demo is
loaded, so the scheduler can be watched closing it (`make run`)."""
from __future__ import annotations

import random
from datetime import timedelta

from participation.ideas.services import IdeaData, submit_idea
from participation.outcomes import services as outcomes
from participation.responses import services as responses
from participation.rounds.rules import TierSpec
from participation.rounds.services import RoundData, create_round, schedule_round
from participation.voting.services import cast_vote

# How long after loading the demo the "closing soon" round's voting ends.
CLOSES_AFTER = timedelta(minutes=3)

PAST_IDEAS = [
    # (category, dong, title, body, votes)
    ("교통·보행", "강변동", "강변역 자전거 보관대 지붕 설치", "비가 오면 자전거 안장이 다 젖습니다. 지붕이 있는 보관대가 필요합니다.", 21),
    ("공원·녹지", "솔숲동", "솔숲공원 맨발 황톳길 조성", "어르신들이 맨발 걷기를 많이 하십니다. 황톳길과 세족장이 있으면 좋겠습니다.", 18),
    ("교통·보행", "학교동", "학교동 어린이보호구역 노란 신호등", "아이들이 신호등을 잘 보도록 노란색으로 칠하고 바닥 신호등을 함께 설치해 주세요.", 15),
    ("환경·기후", "시장동", "시장동 재활용 정거장 운영", "골목마다 쓰레기가 쌓입니다. 요일별로 재활용 정거장을 운영하면 깨끗해질 것 같습니다.", 12),
    ("복지·돌봄", "햇살동", "경로당 무더위 쉼터 냉방비 지원", "여름마다 냉방비 걱정에 에어컨을 못 켭니다.", 7),
    ("문화·소통", "공원동", "공원동 주민 영화 상영회", "한 달에 한 번 공원에서 영화를 상영하면 이웃과 만날 수 있습니다.", 4),
]

CLOSING_IDEAS = [
    ("교통·보행", "역전동", "역전동 버스정류장 그늘막 설치", "한낮에 버스를 기다리기가 너무 덥습니다. 정류장에 그늘막을 설치해 주세요.", 9),
    ("교통·보행", "은행나무동", "은행나무동 골목 반사경 추가", "굽은 골목에서 차와 사람이 자주 부딪칠 뻔합니다. 반사경이 더 필요합니다.", 6),
    ("교통·보행", "햇살동", "햇살동 보행자 우선도로 지정", "차가 빠르게 지나가는 이면도로를 보행자 우선도로로 지정해 주세요.", 3),
    ("교통·보행", "강변동", "강변동 공영자전거 대여소 추가", "강변 산책로 입구에 대여소가 하나 더 있으면 좋겠습니다.", 1),
]


def seed_outcomes(admin, departments, categories, dongs, authors, voters, official, when) -> dict:
    """Create both demo rounds; returns them by key."""
    rng = random.Random(11)
    past = _past_round(admin, departments, categories, dongs, authors, voters, official, when, rng)
    closing = _closing_round(admin, departments, categories, dongs, authors, voters, when, rng)
    return {"past": past, "closing": closing}


def _ideas(round_, rows, categories, dongs, authors, voters, vote_at, rng):
    ideas = []
    for n, (category, dong, title, body, _votes) in enumerate(rows):
        submitted = round_.submission_opens_at + timedelta(hours=3 + 7 * n)
        ideas.append(submit_idea(authors[n % len(authors)], round_, IdeaData(title=title, body=body, category=categories[category], district=dongs.get(dong)), [], submitted))
    for idea, (*_rest, votes) in zip(ideas, rows, strict=True):
        for voter in rng.sample(voters, votes):
            cast_vote(voter, idea, vote_at - timedelta(hours=rng.randint(1, 40)))
    return ideas


def _past_round(admin, departments, categories, dongs, authors, voters, official, when, rng):
    day = timedelta(days=1)
    round_ = create_round(
        admin,
        RoundData(
            title="2026년 상반기 생활 불편 해결 공모",
            description="지난 상반기에 주민 여러분이 제안하고 투표한 생활 불편 해결 아이디어입니다. 10표 이상 받은 제안은 담당 부서가 14일 안에 답변했습니다.",
            department=departments["시민소통담당관"],
            categories=list(categories.values()),
            districts=[],
            submission_opens_at=when - 100 * day,
            submission_closes_at=when - 75 * day,
            voting_opens_at=when - 70 * day,
            voting_closes_at=when - 40 * day,
            votes_per_resident=None,
            tiers=[TierSpec(10, "department", 14), TierSpec(100, "mayor_office", 30)],
        ),
        when - 105 * day,
    )
    schedule_round(admin, round_, when - 101 * day)
    ideas = _ideas(round_, PAST_IDEAS, categories, dongs, authors, voters, round_.voting_closes_at, rng)
    closed = round_.voting_closes_at
    outcomes.close_round(round_.id, closed + timedelta(minutes=1))
    by_title = {idea.title: idea for idea in ideas}
    parks = official["parks"]
    traffic = official["traffic"]
    answers = [
        (traffic, "강변역 자전거 보관대 지붕 설치", "accepted", 9,
         "올해 하반기 추경 예산에 반영했습니다. 강변역 1번 출구 보관대 40면에 지붕을 설치합니다.", 60_000_000, 120),
        (parks, "솔숲공원 맨발 황톳길 조성", "partially_accepted", 12,
         "황톳길 300m를 조성하고, 세족장은 수도 공사 여건을 검토해 내년에 결정하겠습니다.", 85_000_000, 200),
        (None, "시장동 재활용 정거장 운영", "rejected", 20,
         "시장동은 이미 문전 수거 시범 지역이어서 정거장을 따로 운영하기 어렵습니다. 대신 수거 횟수를 주 3회로 늘렸습니다.", None, None),
    ]
    for who, title, decision, days_after, text, budget, finish_in in answers:
        actor = who or admin
        responses.answer(
            actor, by_title[title],
            responses.ResponseData(decision, text, (when + timedelta(days=finish_in)).date() if finish_in else None, budget),
            closed + timedelta(days=days_after),
        )
    responses.post_progress(traffic, by_title["강변역 자전거 보관대 지붕 설치"], 30, "설계를 마치고 시공 업체를 선정했습니다.", when - 20 * day)
    responses.post_progress(traffic, by_title["강변역 자전거 보관대 지붕 설치"], 60, "기초 공사를 마쳤고 지붕 골조를 세우고 있습니다.", when - 6 * day)
    # "학교동 어린이보호구역 노란 신호등" is left unanswered: it shows as overdue everywhere.
    outcomes.publish_due_outcomes(closed + timedelta(minutes=2))
    responses.remind_overdue_responses(when - timedelta(hours=1))
    return round_


def _closing_round(admin, departments, categories, dongs, authors, voters, when, rng):
    day = timedelta(days=1)
    round_ = create_round(
        admin,
        RoundData(
            title="여름 대비 보행 환경 개선 아이디어 (곧 마감)",
            description=(
                "여름철 걷기 불편한 곳을 제안하고 투표해 주세요. 투표는 곧 마감되며, 마감 시각이 되면 "
                "자동으로 집계되어 **5표 이상** 받은 제안이 선정되고 교통정책과가 14일 안에 답변합니다."
            ),
            department=departments["교통정책과"],
            categories=[categories["교통·보행"]],
            districts=[],
            submission_opens_at=when - 20 * day,
            submission_closes_at=when - 6 * day,
            voting_opens_at=when - 5 * day,
            voting_closes_at=(when + CLOSES_AFTER).replace(microsecond=0),
            votes_per_resident=5,
            tiers=[TierSpec(5, "department", 14), TierSpec(50, "mayor_office", 30)],
        ),
        when - 22 * day,
    )
    schedule_round(admin, round_, when - 21 * day)
    _ideas(round_, CLOSING_IDEAS, categories, dongs, authors, voters, when - timedelta(hours=1), rng)
    return round_
