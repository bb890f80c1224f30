"""Similar ideas: suggested while writing, for Korean text, without the idea itself or unlisted ones."""
from __future__ import annotations

from participation.ideas.text import fingerprint, rank_similar
from tests.factories import make_idea, make_round, make_user

IDEAS = [
    (1, "햇살동 어린이공원에 그늘막을 설치해 주세요", "여름에 너무 더워서 아이들이 놀 수가 없습니다."),
    (2, "버스 정류장에 온열의자 설치", "겨울에 버스를 기다리기 너무 춥습니다."),
    (3, "공원 화장실 청결 관리", "공원 화장실이 너무 더럽습니다."),
    (4, "강변 자전거도로 야간 조명 설치", "밤에 자전거 타기 위험합니다."),
]
CANDIDATES = [(i, fingerprint(t, b)) for i, t, b in IDEAS]


def best(draft_title: str, draft_body: str = "") -> list[int]:
    return [i for i, _score in rank_similar(fingerprint(draft_title, draft_body), CANDIDATES)]


def test_the_same_subject_in_other_words_is_found_first():
    assert best("어린이 공원 그늘막 설치 요청")[0] == 1
    assert best("정류장 온열 의자")[0] == 2
    assert best("자전거 도로에 가로등")[0] == 4


def test_shared_endings_alone_do_not_make_ideas_similar():
    assert best("도서관 운영시간을 늘려 주세요", "주말에도 열어 주세요. 너무 일찍 닫습니다.") == []


def test_at_most_five_and_scores_between_zero_and_one():
    many = [(n, fingerprint(f"공원 벤치 설치 {n}번", "")) for n in range(10)]
    ranked = rank_similar(fingerprint("공원 벤치 설치"), many)
    assert len(ranked) == 5 and all(0 < score <= 1 for _i, score in ranked)


def test_live_suggestions_as_json(client, app_ctx):
    round_ = make_round("submission")
    shade = make_idea(round_, title="햇살동 어린이공원에 그늘막을 설치해 주세요")
    make_idea(round_, title="버스 정류장에 온열의자 설치")
    response = client.get(f"/rounds/{round_.id}/similar", query_string={"title": "공원 그늘막", "body": ""})
    assert response.status_code == 200 and response.is_json
    assert [i["id"] for i in response.json["ideas"]] == [shade.id]
    assert response.json["ideas"][0]["url"] == f"/ideas/{shade.id}"
    # While editing, the idea itself is not suggested.
    response = client.get(f"/rounds/{round_.id}/similar", query_string={"title": "공원 그늘막", "exclude": shade.id})
    assert response.json["ideas"] == []
    assert client.get(f"/rounds/{round_.id}/similar").json["ideas"] == []


def test_suggestions_come_only_from_the_same_round(client, app_ctx):
    make_idea(make_round("submission"), title="공원 그늘막 설치")
    other = make_round("submission")
    assert client.get(f"/rounds/{other.id}/similar", query_string={"title": "공원 그늘막"}).json["ideas"] == []


def test_edit_page_shows_similar_ideas_but_not_itself(client, app_ctx):
    round_ = make_round("submission")
    author = make_user()
    mine = make_idea(round_, author, title="공원 그늘막 설치해 주세요")
    make_idea(round_, title="공원에 그늘막이 필요합니다")
    client.login(author.email)
    body = client.get(f"/ideas/{mine.id}/edit").get_data(as_text=True)
    aside = body[body.index('class="similar card"') : body.index("</aside>")]
    assert "공원에 그늘막이 필요합니다" in aside and "공원 그늘막 설치해 주세요" not in aside
