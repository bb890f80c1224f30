"""The demo city's discussions: stance-tagged comments and replies on several ideas, and a few pending reports.

Each thread is (idea title, [comment]); a comment is (author key, stance, body,
[replies]) and replies nest the same way. Author keys name demo accounts:
"r1".."r3" the residents, "n1".."n8" the neighbours, "s1".."s24" supporters,
"traffic" and "parks" the two officials.
"""
from __future__ import annotations

import random
from datetime import timedelta

THREADS = [
    ("역 앞 버스정류장에 온열의자 설치", [
        ("n5", "for", "겨울 아침 6시에 버스를 기다리면 정말 춥습니다. 다른 구에서는 이미 설치해서 반응이 좋다고 들었어요.", [
            ("s3", "for", "맞아요. 특히 어르신들이 오래 서 계시기 힘들어하세요.", []),
            ("r3", "neutral", "전기요금은 어느 정도 드는지 궁금합니다. 타이머로 새벽과 저녁에만 켜면 괜찮을 것 같아요.", [
                ("traffic", "neutral", "교통정책과입니다. 다른 지자체 사례를 보면 정류장 한 곳당 월 2~3만 원 정도이며, 기온이 영상 5도 이하일 때만 작동하도록 설정합니다.", [
                    ("r3", "for", "생각보다 적네요. 자세한 설명 감사합니다.", []),
                ]),
            ]),
        ]),
        ("s8", "against", "정류장 폭이 좁은 곳은 의자 때문에 보행로가 더 좁아집니다. 설치 위치를 신중하게 정해야 합니다.", [
            ("n5", "neutral", "좋은 지적이에요. 폭이 넓은 정류장부터 시범 설치하면 어떨까요?", []),
        ]),
        ("s12", "for", "**찬성합니다.** 출근길 만족도가 확 올라갈 것 같아요.", []),
    ]),
    ("햇살초 앞 과속방지턱 설치", [
        ("n1", "for", "아이들 등굣길에 차들이 너무 빨리 지나갑니다. 지난달에도 아찔한 일이 있었어요.", [
            ("s1", "for", "저도 봤습니다. 과속방지턱과 함께 속도 표시 전광판도 있으면 좋겠어요.", []),
        ]),
        ("s5", "against", "방지턱이 많아지면 버스 승객이 불편하고 소음도 커집니다. 단속 카메라가 더 효과적이지 않을까요?", [
            ("n4", "neutral", "학교 앞은 둘 다 필요할 수도 있어요. 카메라는 예산이 더 들고요.", []),
        ]),
        ("traffic", "neutral", "교통정책과입니다. 해당 구간은 어린이보호구역으로 지정되어 있어 과속방지턱 설치 기준을 충족합니다. 투표 결과와 함께 현장 조사를 하겠습니다.", []),
    ]),
    ("강변 지하차도 침수 경보 장치", [
        ("r2", "for", "작년 여름 폭우 때 차량이 지하차도에 갇힐 뻔했습니다. 수위가 오르면 자동으로 진입을 막는 차단기가 꼭 필요합니다.", [
            ("s9", "for", "차단기와 함께 내비게이션에도 통제 정보가 나오면 좋겠습니다.", []),
            ("s14", "neutral", "관리 인력이 밤에도 대응할 수 있는지가 관건이겠네요.", []),
        ]),
        ("s20", "for", "생명과 직결된 문제라 최우선으로 해야 한다고 생각합니다.", []),
    ]),
    ("폭염 대비 무더위 쉼터 운영 시간 연장", [
        ("n6", "for", "쉼터가 오후 6시에 닫는데 그 시간에도 30도가 넘습니다. 밤 9시까지는 열어 주세요.", [
            ("s2", "against", "운영 인력 인건비가 걱정됩니다. 주말만 연장하는 건 어떨까요?", []),
        ]),
        ("s16", "neutral", "경로당 말고 도서관이나 주민센터도 쉼터로 지정하면 시간 연장 부담이 줄 것 같아요.", []),
    ]),
    ("햇살공원 어린이 놀이터에 그늘막을 설치해 주세요", [
        ("n1", "for", "여름에는 미끄럼틀이 뜨거워서 화상 걱정까지 됩니다. 꼭 필요해요.", [
            ("parks", "neutral", "공원녹지과입니다. 햇살공원은 내년 정비 계획에 포함되어 있어, 그늘막을 함께 검토할 수 있습니다.", []),
        ]),
        ("r3", "against", "그늘막보다 나무를 심는 게 길게 보면 낫지 않을까요? 그늘막은 바람에 약합니다.", [
            ("n1", "neutral", "나무가 자랄 때까지 몇 년이 걸리니 둘 다 하면 좋겠어요.", []),
        ]),
    ]),
    ("전통시장 앞 횡단보도 보행신호 시간 연장", [
        ("n2", "for", "시장 상인회도 찬성합니다. 장 보시는 어르신들이 신호 중간에 멈추시는 걸 자주 봅니다.", []),
        ("s6", "against", "차량 정체가 심해질 수 있어요. 출퇴근 시간만 빼고 연장하면 어떨까요?", []),
    ]),
]

# (idea title, index of the comment in that thread's top level, reporter keys, reason, text)
PENDING_REPORTS = [
    ("역 앞 버스정류장에 온열의자 설치", 2, ["s4"], "off_topic", None),
    ("햇살초 앞 과속방지턱 설치", 1, ["s7", "s11"], "other", "특정 운전자를 비난하는 것처럼 읽힙니다."),
]
PENDING_IDEA_REPORTS = [("시장 골목 소화기 함 정비", ["s15"], "spam", None)]


def seed_threads(ideas_by_title, people, when) -> None:
    """Post the demo discussions through the services, as if written over the past days."""
    from participation.deliberation import services

    rng = random.Random(5)
    posted: dict[str, list] = {}
    for title, comments in THREADS:
        idea = ideas_by_title[title]
        moment = when - timedelta(days=3)
        top = []

        def post(spec, parent, moment, idea=idea):
            author_key, stance, body, replies = spec
            comment = services.post_comment(people[author_key], idea, stance, body, parent, moment)
            for reply in replies:
                moment, _reply = post(reply, comment, moment + timedelta(minutes=rng.randint(10, 120)))
            return moment, comment

        for spec in comments:
            moment, comment = post(spec, None, moment + timedelta(minutes=rng.randint(30, 240)))
            top.append(comment)
        posted[title] = top
        # Neighbours agree or disagree with what they read.
        voters = [people[f"s{n}"] for n in range(1, 25)]
        for comment in top:
            for voter in rng.sample(voters, rng.randint(0, 9)):
                if voter.id != comment.author_id:
                    services.vote_comment(voter, comment, 1 if rng.random() < 0.8 else -1, moment)
    for title, index, reporters, reason, text in PENDING_REPORTS:
        for key in reporters:
            services.flag(people[key], posted[title][index], reason, text, when - timedelta(hours=5))
    for title, reporters, reason, text in PENDING_IDEA_REPORTS:
        for key in reporters:
            services.flag(people[key], ideas_by_title[title], reason, text, when - timedelta(hours=4))
