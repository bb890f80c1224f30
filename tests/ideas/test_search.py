"""Browsing and searching ideas: Korean full text on both databases, filters, sorts, pages, fixed query counts."""
from __future__ import annotations

import re

import pytest

from participation.extensions import db
from participation.ideas.search import IdeaFilters, forget_counts, idea_list_statement, list_ideas
from participation.ideas.text import query_terms, search_text, words
from tests.factories import make_category, make_department, make_district, make_idea, make_round, make_user


def titles(client, url) -> list[str]:
    body = client.get(url).get_data(as_text=True)
    return re.findall(r'<h3><a href="/ideas/\d+"[^>]*>([^<]+)</a></h3>', body)


def test_bigrams_match_korean_words_whatever_particle_follows():
    assert words("공원에 벤치를, Bus-stop 2번!") == ["공원에", "벤치를", "bus", "stop", "2번"]
    assert search_text("공원에") == "공원 원에"
    assert query_terms("공원 공원 길") == [["공원"], ["길"]]


def test_a_korean_word_finds_ideas_that_use_it_with_particles(client, app_ctx):
    round_ = make_round("voting")
    make_idea(round_, title="햇살공원에 그늘막을 설치해 주세요")
    make_idea(round_, title="버스 정류장 온열의자", body="겨울 공원 산책 뒤에 버스를 기다립니다.")
    make_idea(round_, title="자전거도로 야간 조명")
    assert set(titles(client, "/ideas?q=공원")) == {"햇살공원에 그늘막을 설치해 주세요", "버스 정류장 온열의자"}
    assert titles(client, "/ideas?q=그늘막") == ["햇살공원에 그늘막을 설치해 주세요"]
    assert titles(client, "/ideas?q=공원 버스") == ["버스 정류장 온열의자"]  # every word must match
    assert titles(client, "/ideas?q=조명") == ["자전거도로 야간 조명"]
    assert titles(client, "/ideas?q=도서관") == []


def test_english_numbers_and_one_letter_words(client, app_ctx):
    round_ = make_round("voting")
    make_idea(round_, title="Bus stop shelter 2번 출구", body="")
    make_idea(round_, title="길 고양이 급식소")
    assert titles(client, "/ideas?q=BUS") == ["Bus stop shelter 2번 출구"]
    assert titles(client, "/ideas?q=2번") == ["Bus stop shelter 2번 출구"]
    assert titles(client, "/ideas?q=길") == ["길 고양이 급식소"]


def test_search_uses_the_full_text_index_not_a_like_scan(count_queries, app, app_ctx):
    round_ = make_round("voting")
    make_idea(round_, title="공원 벤치")
    with app.test_request_context("/ideas?q=공원"):
        with count_queries() as statements:
            list_ideas(IdeaFilters(q="공원 벤치"), 1)
    searched = [s for s in statements if "ideas" in s.lower()]
    assert searched and all(" like " not in s.lower() for s in searched)
    if db.engine.dialect.name == "postgresql":
        assert any("@@" in s and "to_tsquery" in s for s in searched)
    else:
        assert any("idea_search MATCH" in s for s in searched)


def test_filters_by_round_category_district_and_status(client, app_ctx):
    department = make_department()
    parks, transport = make_category(department, "공원"), make_category(department, "교통")
    gu = make_district("새봄구")
    dong = make_district("햇살동", parent=gu)
    other = make_district("강변동", parent=make_district("푸른구"))
    first = make_round("voting", categories=[parks, transport])
    second = make_round("voting", categories=[parks])
    make_idea(first, title="가 공원 햇살동", category=parks, district=dong)
    make_idea(first, title="나 교통 강변동", category=transport, district=other)
    make_idea(second, title="다 두번째 회차", category=parks)
    make_idea(first, title="라 선정됨", category=parks, status="selected")
    assert set(titles(client, f"/ideas?round_id={second.id}")) == {"다 두번째 회차"}
    assert set(titles(client, f"/ideas?category_id={transport.id}")) == {"나 교통 강변동"}
    assert set(titles(client, f"/ideas?district_id={gu.id}")) == {"가 공원 햇살동"}  # a gu includes its dongs
    assert set(titles(client, f"/ideas?district_id={dong.id}")) == {"가 공원 햇살동"}
    # Before the round's outcome is published the selection is not public: the idea is "voting closed".
    assert set(titles(client, "/ideas?status=selected")) == set()
    assert set(titles(client, "/ideas?status=results_pending")) == {"라 선정됨"}
    assert set(titles(client, f"/rounds/{first.id}?category_id={parks.id}")) == {"가 공원 햇살동", "라 선정됨"}
    # Nonsense filters are ignored rather than refused.
    assert len(titles(client, "/ideas?category_id=abc&status=hidden&sort=evil&round_id=-4")) == 4
    first.closed_at = first.published_at = first.voting_closes_at
    db.session.commit()
    forget_counts()
    assert set(titles(client, "/ideas?status=selected")) == {"라 선정됨"}
    assert set(titles(client, "/ideas?status=results_pending")) == set()


def test_sorts_by_votes_newest_and_most_discussed(client, app_ctx):
    round_ = make_round("voting")
    quiet = make_idea(round_, title="조용한 제안")
    popular = make_idea(round_, title="인기 제안")
    talked = make_idea(round_, title="토론 많은 제안")
    popular.vote_count, talked.comment_count = 40, 12
    talked.created_at = quiet.created_at.replace(year=quiet.created_at.year + 1)
    db.session.commit()
    assert titles(client, "/ideas?sort=votes")[0] == "인기 제안"
    assert titles(client, "/ideas?sort=newest")[0] == "토론 많은 제안"
    assert titles(client, "/ideas?sort=discussed")[0] == "토론 많은 제안"


def test_random_order_is_stable_for_one_visitor_and_differs_between_visitors(client, make_client, app_ctx):
    round_ = make_round("voting")
    for n in range(12):
        make_idea(round_, title=f"제안 {n:02d}")
    first = titles(client, "/ideas?sort=random")
    assert titles(client, "/ideas?sort=random") == first
    assert sorted(first) == sorted(f"제안 {n:02d}" for n in range(12))
    orders = {tuple(titles(make_client(), "/ideas?sort=random")) for _ in range(6)}
    assert len(orders) > 1


def test_twenty_ideas_per_page(client, app_ctx):
    round_ = make_round("voting")
    for n in range(45):
        make_idea(round_, title=f"제안 {n:02d}")
    assert len(titles(client, "/ideas")) == 20
    assert len(titles(client, "/ideas?page=3")) == 5
    assert titles(client, "/ideas?page=99") == []
    seen = set(titles(client, "/ideas?sort=random")) | set(titles(client, "/ideas?sort=random&page=2")) | set(
        titles(client, "/ideas?sort=random&page=3")
    )
    assert len(seen) == 45  # random order pages without repeats or gaps


@pytest.mark.parametrize("url", ["/ideas", "/ideas?q=공원&sort=newest", "ROUND"])
def test_a_list_page_costs_the_same_queries_for_25_or_60_ideas(client, count_queries, app_ctx, url):
    import io

    from participation.ideas.photos import process_photo
    from tests.factories import jpeg_bytes

    round_ = make_round("voting")
    url = url.replace("ROUND", f"/rounds/{round_.id}")
    district = make_district("햇살동", parent=make_district("새봄구"))

    def add(count):
        for _ in range(count):
            make_idea(round_, make_user(), title="공원 제안", district=district, photos=[process_photo(io.BytesIO(jpeg_bytes()))])

    add(3)
    forget_counts()
    with count_queries() as short:  # a last page knows its total without counting
        assert client.get(url).status_code == 200
    add(22)
    forget_counts()  # measure the page as it is when its total is not remembered
    with count_queries() as few:
        assert client.get(url).status_code == 200
    add(35)
    forget_counts()
    with count_queries() as many:
        assert client.get(url).status_code == 200
    assert len(few) == len(many), (len(few), len(many))
    assert len(short) <= len(many) <= 12


def test_idea_list_statement_never_includes_hidden_or_withdrawn(app_ctx):
    round_ = make_round("voting")
    make_idea(round_, title="숨김", status="hidden")
    make_idea(round_, title="철회", status="withdrawn")
    for status in (None, "hidden", "withdrawn"):
        assert db.session.scalars(idea_list_statement(IdeaFilters(status=status))).all() == []


def test_the_total_is_remembered_briefly_and_the_ideas_never(client, count_queries, app_ctx):
    round_ = make_round("voting")
    make_idea(round_, title="첫 제안")
    client.get("/ideas")
    make_idea(round_, title="둘째 제안")
    body = client.get("/ideas").get_data(as_text=True)
    assert "둘째 제안" in body  # the list itself is always current
    with count_queries() as statements:
        client.get("/ideas")
    assert not any("count(" in s.lower() for s in statements)


def test_visitors_share_a_briefly_cached_list_and_residents_never_do(client, make_client, app, app_ctx):
    from participation.core.pagecache import forget_pages

    app.config["PAGE_CACHE_SECONDS"] = 60
    forget_pages()
    try:
        round_ = make_round("voting")
        make_idea(round_, title="처음 제안")
        first = make_client()
        assert "처음 제안" in first.get(f"/rounds/{round_.id}").get_data(as_text=True)
        make_idea(round_, title="새 제안")
        # Another visitor gets the kept page, with a CSRF token of their own session that works.
        second = make_client()
        body = second.get(f"/rounds/{round_.id}").get_data(as_text=True)
        assert "새 제안" not in body and "\x00" not in body
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body).group(1)
        assert second.post("/language", data={"csrf_token": token, "lang": "en", "next": "/"}).status_code == 302
        # A signed-in resident always gets the page as it is now.
        resident = make_user()
        client.login(resident.email)
        assert "새 제안" in client.get(f"/rounds/{round_.id}").get_data(as_text=True)
        # The random order is one visitor's own; unknown parameters are never kept.
        assert "새 제안" in make_client().get(f"/rounds/{round_.id}?sort=random").get_data(as_text=True)
        make_client().get(f"/rounds/{round_.id}?junk=1")
        make_idea(round_, title="세번째 제안")
        assert "세번째 제안" in make_client().get(f"/rounds/{round_.id}?junk=1").get_data(as_text=True)
    finally:
        app.config["PAGE_CACHE_SECONDS"] = 0
        forget_pages()


def test_a_remembered_total_never_hides_the_next_page(client, app_ctx):
    round_ = make_round("voting")
    for n in range(20):
        make_idea(round_, title=f"제안 {n:02d}")
    assert 'rel="next"' not in client.get("/ideas").get_data(as_text=True)
    make_idea(round_, title="스물한 번째")
    body = client.get("/ideas").get_data(as_text=True)
    assert 'rel="next"' in body
    assert "스물한 번째" in client.get("/ideas?sort=newest").get_data(as_text=True)


@pytest.mark.parametrize("list_url", ["/ideas", "/rounds/{round_id}"])
def test_a_search_too_long_is_said_so_and_lists_nothing_rather_than_everything(client, app_ctx, list_url):
    round_ = make_round("voting")
    make_idea(round_, title="햇살공원에 그늘막을 설치해 주세요")
    make_idea(round_, title="자전거도로 야간 조명")
    client.use_english()
    url = list_url.format(round_id=round_.id)
    too_long = "공원 " * 34  # 102 characters

    response = client.get(url, query_string={"q": too_long})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert titles(client, f"{url}?q={too_long}") == []
    assert "A search can be at most 100 characters long." in body
    assert re.search(r'<input[^>]*aria-invalid="true"[^>]*name="q"|<input[^>]*name="q"[^>]*aria-invalid="true"', body)
    assert 'aria-describedby="q-error"' in body and 'id="q-error"' in body
    assert "ideas found" not in body

    at_the_limit = ("공원 " * 34)[:100]
    assert titles(client, f"{url}?q={at_the_limit}") == ["햇살공원에 그늘막을 설치해 주세요"]
