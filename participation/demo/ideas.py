"""The demo city's two open rounds and their ideas, some with photos drawn with Pillow (so seeding
needs no network), and the voting round's first votes.

IDEAS: (round key, category, dong or None, title, body, photo scene or None).
"""
from __future__ import annotations

import io
import random
from datetime import timedelta

from PIL import Image, ImageDraw

from participation.ideas.photos import process_photo
from participation.ideas.services import IdeaData, submit_idea
from participation.rounds.rules import TierSpec
from participation.rounds.services import RoundData, create_round, schedule_round
from participation.voting.services import cast_vote

IDEAS = [
    # Round "budget": 2027 participatory budget, in its submission window.
    ("budget", "공원·녹지", "햇살동", "햇살공원 어린이 놀이터에 그늘막을 설치해 주세요",
     "여름 한낮에는 놀이기구가 너무 뜨거워서 아이들이 놀 수가 없습니다.\n\n- 미끄럼틀과 그네 위에 차양막\n- 보호자 벤치 쪽에도 그늘\n\n인근 구에서 설치한 사례가 있으니 참고해 주세요.", "park"),
    ("budget", "공원·녹지", "은행나무동", "은행나무 가로수 열매 악취 줄이기",
     "가을마다 은행 열매가 인도에 떨어져 냄새가 심하고 미끄럽습니다. 수거 시기를 앞당기거나 열매 채취 장치를 설치해 주시면 좋겠습니다.", None),
    ("budget", "교통·보행", "시장동", "전통시장 앞 횡단보도 보행신호 시간 연장",
     "장바구니를 든 어르신들이 신호 안에 다 건너지 못합니다. 시장 앞 횡단보도의 보행 신호를 10초만 늘려 주세요.", "crossing"),
    ("budget", "교통·보행", "강변동", "강변 자전거도로 야간 조명 설치",
     "퇴근길에 자전거로 강변을 지나는데 구간 대부분이 어둡습니다. 태양광 볼라드 조명이라도 설치해 주시면 안전하겠습니다.", "river"),
    ("budget", "복지·돌봄", "솔숲동", "경로당에 디지털 배움 교실을 열어 주세요",
     "키오스크 주문, 모바일 뱅킹, 병원 예약 앱 사용을 배우고 싶은 어르신이 많습니다. 주 1회라도 경로당에서 강좌를 열어 주세요.", None),
    ("budget", "복지·돌봄", "학교동", "맞벌이 가정을 위한 방과후 돌봄 교실 확대",
     "학교동 초등학교 돌봄 교실은 대기자가 40명이 넘습니다. 주민센터 유휴 공간을 활용한 돌봄 교실을 제안합니다.", None),
    ("budget", "환경·기후", "역전동", "역 앞 일회용컵 분리수거함 설치",
     "역 앞 버스정류장 주변에 일회용컵이 버려져 있습니다. 컵 전용 분리수거함을 두면 재활용률도 오르고 거리도 깨끗해질 것입니다.", "bins"),
    ("budget", "환경·기후", "공원동", "공원동 빗물 정원 만들기",
     "비가 오면 공원 입구 쪽에 물이 고입니다. 빗물을 모아 식물을 키우는 빗물 정원을 만들면 물 웅덩이도 줄고 보기에도 좋겠습니다.", "park"),
    ("budget", "문화·소통", "햇살동", "주민이 운영하는 작은 도서관 지원",
     "아파트 단지 안의 작은 도서관이 자원봉사로만 운영되어 자주 문을 닫습니다. 운영비와 책 구입비를 조금만 지원해 주세요.", None),
    ("budget", "문화·소통", None, "구청 민원 안내문을 쉬운 말로 바꿔 주세요",
     "안내문에 어려운 한자어와 행정 용어가 많아 이해하기 어렵습니다. 쉬운 우리말과 그림을 함께 써 주시면 좋겠습니다.", None),
    ("budget", "교통·보행", "은행나무동", "초등학교 앞 통학로에 노란 발자국 표시",
     "아이들이 길가에 바짝 붙어 걷습니다. 기다리는 위치를 알려주는 노란 발자국과 보행 안전펜스를 설치해 주세요.", "crossing"),
    ("budget", "공원·녹지", "솔숲동", "솔숲 산책로에 쉼터 벤치 추가",
     "산책로가 2km가 넘는데 중간에 앉을 곳이 없어 어르신들이 힘들어하십니다. 500m마다 벤치를 놓아 주세요.", "park"),
    ("budget", "환경·기후", "시장동", "전통시장 음식물 쓰레기 감량기 설치",
     "시장에서 나오는 음식물 쓰레기가 많아 여름마다 냄새가 납니다. 공동 감량기를 설치하면 처리비도 줄일 수 있습니다.", None),
    ("budget", "복지·돌봄", "강변동", "혼자 사는 어르신 안부 확인 서비스",
     "강변동에는 혼자 사는 어르신이 많습니다. 전화나 방문으로 주 2회 안부를 묻는 서비스를 주민 자원봉사와 함께 운영해 주세요.", None),
    ("budget", "교통·보행", "역전동", "역전동 골목 불법 주차 단속 강화",
     "골목에 차가 양쪽으로 세워져 있어 소방차가 들어올 수 없습니다. 단속과 함께 공영주차장 안내도 해 주세요.", None),
    ("budget", "문화·소통", "공원동", "공원에서 여는 주말 작은 음악회",
     "봄과 가을 주말에 공원에서 주민 동아리 공연을 열면 이웃끼리 얼굴도 익히고 좋겠습니다.", "park"),
    ("budget", "공원·녹지", "학교동", "학교 옆 자투리땅에 공동체 텃밭",
     "학교 옆 빈 땅이 쓰레기장처럼 변했습니다. 주민과 학생이 함께 가꾸는 텃밭으로 만들면 좋겠습니다.", None),
    ("budget", "환경·기후", "햇살동", "아파트 단지 태양광 미니발전소 지원",
     "베란다 태양광 설치비 지원을 늘려 주세요. 전기요금도 줄고 탄소 배출도 줄일 수 있습니다.", None),
    ("budget", "복지·돌봄", "시장동", "시장 상인을 위한 공동 육아방",
     "시장 상인들은 아이를 맡길 곳이 없어 가게에 데리고 나옵니다. 시장 안 빈 점포에 공동 육아방을 만들어 주세요.", None),
    ("budget", "교통·보행", "솔숲동", "마을버스 배차 간격 줄이기",
     "솔숲동 마을버스가 25분마다 와서 출근 시간에 너무 붐빕니다. 출퇴근 시간만이라도 15분 간격으로 줄여 주세요.", "bus"),
    ("budget", "공원·녹지", "강변동", "강변 산책로 반려견 배변봉투함 설치",
     "산책로에 배변봉투함이 없어 치우지 않는 경우가 있습니다. 봉투함과 전용 쓰레기통을 설치해 주세요.", "river"),
    ("budget", "문화·소통", "은행나무동", "주민센터 회의실을 저녁에도 개방해 주세요",
     "직장인 주민 모임은 저녁에만 가능한데 회의실이 6시에 닫습니다. 예약제로 저녁 9시까지 열어 주세요.", None),
    # Round "safety": everyday safety ideas, now in its voting window.
    ("safety", "교통·보행", "햇살동", "햇살초 앞 과속방지턱 설치",
     "등교 시간에 차량이 빠르게 지나갑니다. 학교 정문 앞에 과속방지턱과 단속 카메라를 설치해 주세요.", "crossing"),
    ("safety", "교통·보행", "역전동", "역 앞 버스정류장에 온열의자 설치",
     "겨울에 버스를 기다리는 시간이 너무 춥습니다. 온열의자와 바람막이 쉼터를 설치해 주세요.", "bus"),
    ("safety", "교통·보행", "강변동", "강변 지하차도 침수 경보 장치",
     "장마철에 지하차도가 갑자기 잠깁니다. 수위 센서와 진입 차단 경보를 설치해 주세요.", "river"),
    ("safety", "환경·기후", "공원동", "폭염 대비 무더위 쉼터 운영 시간 연장",
     "무더위 쉼터가 오후 6시에 닫는데 저녁에도 덥습니다. 폭염 경보 때는 밤 9시까지 열어 주세요.", None),
    ("safety", "환경·기후", "시장동", "시장 골목 소화기 함 정비",
     "시장 골목의 소화기 함이 비어 있거나 오래되었습니다. 점검하고 위치 안내 표지를 붙여 주세요.", None),
    ("safety", "교통·보행", "솔숲동", "어두운 골목길에 LED 보안등 교체",
     "솔숲동 뒷골목은 밤에 너무 어둡습니다. 오래된 보안등을 밝은 LED로 바꾸고 고장 난 등을 고쳐 주세요.", None),
    ("safety", "공원·녹지", "은행나무동", "놀이터 바닥 충격흡수 매트 교체",
     "놀이터 바닥 고무매트가 갈라져 아이들이 넘어지면 다칩니다. 충격흡수 매트로 교체해 주세요.", "park"),
    ("safety", "교통·보행", "학교동", "학교 앞 불법 주정차 단속 카메라",
     "학교 앞에 차가 세워져 있어 아이들이 차 사이로 튀어나옵니다. 어린이보호구역 단속 카메라를 설치해 주세요.", "crossing"),
    ("safety", "환경·기후", "강변동", "강변 산책로 미끄럼 방지 포장",
     "비가 오면 데크 산책로가 미끄러워 넘어지는 분이 많습니다. 미끄럼 방지 포장을 해 주세요.", "river"),
    ("safety", "교통·보행", "공원동", "공원 앞 교차로 회전교차로로 바꾸기",
     "신호 없는 교차로라 차들이 엉키고 사고가 잦습니다. 회전교차로로 바꾸면 안전해질 것 같습니다.", None),
    ("safety", "공원·녹지", "햇살동", "공원 CCTV와 비상벨 설치",
     "밤에 공원을 지나 귀가하는 학생이 많습니다. 산책로에 CCTV와 비상벨을 설치해 주세요.", "park"),
    ("safety", "교통·보행", "시장동", "시장 앞 보도 턱 낮추기",
     "휠체어와 유모차가 보도 턱 때문에 차도로 다닙니다. 시장 앞 보도 턱을 낮춰 주세요.", None),
    ("safety", "환경·기후", "역전동", "역 주변 흡연 구역 지정과 단속",
     "역 출구 앞에서 흡연하는 사람이 많아 연기를 맡게 됩니다. 흡연 구역을 따로 정하고 단속해 주세요.", None),
    ("safety", "교통·보행", "은행나무동", "횡단보도 바닥 신호등 설치",
     "스마트폰을 보며 걷는 사람이 많습니다. 바닥형 보행신호등을 설치하면 사고를 줄일 수 있습니다.", "crossing"),
    ("safety", "공원·녹지", "솔숲동", "산책로 멧돼지 출몰 안내판",
     "솔숲 산책로에 멧돼지가 나타났다는 이야기가 있습니다. 안내판과 대처 요령을 붙여 주세요.", None),
    ("safety", "교통·보행", "학교동", "통학로 눈 오는 날 제설 우선 구간 지정",
     "눈이 오면 통학로가 늦게 치워져 아이들이 미끄러집니다. 통학로를 제설 우선 구간으로 지정해 주세요.", None),
    ("safety", "공원·녹지", "공원동", "공원 야간 조명 시간 연장",
     "공원 조명이 밤 10시에 꺼져 늦게 운동하는 주민들이 어둠 속을 걷습니다. 자정까지 켜 주세요.", "park"),
    ("safety", "환경·기후", "햇살동", "폭우 때 넘치는 빗물받이 청소",
     "햇살동 큰길 빗물받이가 낙엽과 쓰레기로 막혀 비만 오면 도로가 잠깁니다. 장마 전에 청소해 주세요.", None),
]


def seed_rounds(admin, departments, categories, when):
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


def seed_ideas(rounds, categories, dongs, authors, when):
    rng = random.Random(2027)
    counters = {"budget": 0, "safety": 0}
    created = {"budget": [], "safety": []}
    for n, (key, category, dong, title, body, scene) in enumerate(IDEAS):
        round_ = rounds[key]
        step = counters[key]
        counters[key] += 1
        # Each idea is submitted at a moment inside its round's submission window.
        submitted = round_.submission_opens_at + timedelta(hours=5 + 9 * step, minutes=rng.randrange(60))
        photos = [process_photo(io.BytesIO(draw_scene(scene, rng)))] if scene else []
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


def draw_scene(scene: str, rng: random.Random) -> bytes:
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


def seed_votes(round_, ideas, voters, when):
    """The voting round already has some support, so lists and counts look alive (3 votes each at most)."""
    rng = random.Random(7)
    for voter in voters:
        for idea in rng.sample(ideas, rng.randint(1, round_.votes_per_resident)):
            cast_vote(voter, idea, when - timedelta(hours=rng.randint(1, 200)))
