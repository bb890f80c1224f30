"""/api/v1/ideas (issue 15 item 1): the list with the idea list's own filters, search and sorts,
one idea, its timeline and its official responses, each exactly as a signed-out visitor's page
shows them (hidden, withdrawn, draft rounds, outcomes not yet published), in a fixed number of queries."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest

from participation.core.db import write_transaction
from participation.core.time import now
from participation.extensions import db
from participation.ideas import services as idea_services
from participation.ideas.photos import process_photo
from participation.ideas.search import FILTER_STATUSES, SORTS
from tests.factories import PASSWORD, jpeg_bytes, make_category, make_department, make_district, make_idea, make_round, make_user
from tests.responses.helpers import answer, closed_round, official_of, progress


def _set(idea, **values):
    for name, value in values.items():
        setattr(idea, name, value)
    db.session.commit()
    return idea


def _hide(idea, reason="spam"):
    with write_transaction():
        idea_services.hide_idea(idea, reason, now())


def _withdraw(idea, reason="다른 제안과 겹칩니다."):
    with write_transaction():
        idea_services.withdraw_idea(idea.author, idea, reason, now())


@pytest.fixture
def scene(app_ctx):
    """Listed ideas in an open round (two categories, a gu and its dong), a hidden and a
    withdrawn one, a draft round's idea, a closed round whose outcome is not yet published
    (selected and not), and a published one with an answered idea."""
    department = make_department()
    parks, roads = make_category(department, name_ko="공원"), make_category(department, name_ko="도로")
    gu = make_district("햇살구")
    dong = make_district("달빛동", parent=gu)
    other = make_district("바람구")
    open_round = make_round("voting", department=department, categories=[parks, roads], districts=[gu, other])
    listed = [
        make_idea(open_round, title="공원에 그늘막을 놓아 주세요", category=parks, district=gu),
        make_idea(open_round, title="공원 화장실을 늘려 주세요", category=parks, district=dong),
        make_idea(open_round, title="도로에 자전거길을", category=roads, district=other),
        make_idea(open_round, title="도로 가로등 밝게", category=roads),
        make_idea(open_round, title="공원 산책로 조명", category=parks, district=dong,
                  photos=[process_photo(io.BytesIO(jpeg_bytes()))]),
    ]
    for idea, votes, comments in zip(listed, (5, 2, 5, 0, 9), (1, 7, 0, 3, 3), strict=True):
        _set(idea, vote_count=votes, comment_count=comments)
    hidden = make_idea(open_round, title="공원 광고 숨김", category=parks)
    _hide(hidden)
    withdrawn = make_idea(open_round, title="공원 철회한 제안", category=parks, body="철회 본문")
    _withdraw(withdrawn)
    # A round taken back to draft after it took an idea: the idea goes out of sight with it.
    draft = make_round("submission", department=department, categories=[parks])
    draft_idea = make_idea(draft, title="공원 초안 회차의 제안")
    _set(draft, scheduled_at=None)
    pending = closed_round(publish_delay_hours=48)  # its outcome is not due yet when the other is published
    published = closed_round(publish=True)
    answer(official_of(published.answering), published.selected, explanation="내년에 설치합니다.")
    db.session.refresh(published.selected)
    return {
        "listed": listed, "hidden": hidden, "withdrawn": withdrawn, "draft_idea": draft_idea, "pending": pending,
        "published": published, "round": open_round, "parks": parks, "roads": roads, "gu": gu, "dong": dong,
    }


# --- reading the visitor's pages ----------------------------------------------------------------


def page_cards(client, url) -> list[dict]:
    """Every card of the idea list at `url`, all pages, as the signed-out visitor sees them."""
    cards, page = [], 1
    while True:
        html = client.get(f"{url}{'&' if '?' in url else '?'}page={page}").get_data(as_text=True)
        chunks = html.split('<li class="card idea-card">')[1:]
        if not chunks:
            return cards
        for chunk in chunks:
            cards.append({
                "id": int(re.search(r'<h3><a href="/ideas/(\d+)"', chunk).group(1)),
                "status": re.search(r'class="status status-([a-z_]+)"', chunk).group(1),
                "vote_count": int(re.search(r'data-vote-count="\d+">(\d+)', chunk).group(1)),
                "comment_count": int(re.search(r'class="count">댓글 (\d+)개', chunk).group(1)),
            })
        page += 1


def api_items(client, url, headers=None) -> list[dict]:
    items, seen_pages = [], 0
    while url:
        response = client.get(url, headers=headers or {})
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        items += body["data"]
        url = body["next"]
        seen_pages += 1
        assert seen_pages < 50
    return items


def figures(items) -> list[dict]:
    return [{k: item[k] for k in ("id", "status", "vote_count", "comment_count")} for item in items]


PARITY = [
    ("", ""),
    ("sort=newest", "sort=newest"),
    ("sort=discussed", "sort=discussed"),
    ("sort=votes", "sort=votes"),
    ("q=공원", "q=공원"),
    ("q=공원 조명", "q=공원 조명"),
    ("status=published", "status=published"),
    ("status=results_pending", "status=results_pending"),
    ("status=selected", "status=selected"),
    ("status=not_selected", "status=not_selected"),
    ("status=answered", "status=answered"),
]


@pytest.mark.parametrize(("page_query", "api_query"), PARITY)
def test_the_list_is_the_idea_pages_list(client, scene, page_query, api_query):
    shown = page_cards(client, f"/ideas?{page_query}")
    returned = api_items(client, f"/api/v1/ideas?limit=2&{api_query}")
    assert figures(returned) == shown  # the same ideas, in the same order, with the same figures
    ids = {i["id"] for i in returned}
    for left_out in (scene["hidden"], scene["withdrawn"], scene["draft_idea"]):
        assert left_out.id not in ids


def test_filters_by_round_category_and_district_as_the_pages_do(client, scene):
    round_id, parks, gu, dong = scene["round"].id, scene["parks"].id, scene["gu"].id, scene["dong"].id
    for page_query, api_query in [
        (f"round_id={round_id}", f"round={round_id}"),
        (f"category_id={parks}", f"category={parks}"),
        (f"district_id={gu}", f"district={gu}"),  # the gu covers its dong
        (f"district_id={dong}", f"district={dong}"),
        (f"category_id={parks}&district_id={gu}&sort=newest", f"category={parks}&district={gu}&sort=newest"),
    ]:
        shown = page_cards(client, f"/ideas?{page_query}")
        assert shown, page_query
        assert figures(api_items(client, f"/api/v1/ideas?{api_query}")) == shown
    # And the round's own page, with its filters.
    shown = page_cards(client, f"/rounds/{round_id}?category_id={parks}&sort=discussed")
    assert figures(api_items(client, f"/api/v1/ideas?round={round_id}&category={parks}&sort=discussed")) == shown
    in_gu = {i["id"] for i in api_items(client, f"/api/v1/ideas?district={gu}")}
    assert in_gu == {scene["listed"][0].id, scene["listed"][1].id, scene["listed"][4].id}


def test_random_order_follows_the_seed_like_the_visitors_page(client, scene):
    with client.session_transaction() as session:
        session["shuffle_seed"] = 12345
    shown = page_cards(client, "/ideas?sort=random")
    returned = api_items(client, "/api/v1/ideas?sort=random&seed=12345&limit=3")
    assert figures(returned) == shown
    other = [i["id"] for i in api_items(client, "/api/v1/ideas?sort=random&seed=777")]
    assert sorted(other) == sorted(i["id"] for i in returned)
    first = client.get("/api/v1/ideas?sort=random&seed=12345&limit=3").get_json()
    assert "seed=12345" in first["next"] and "sort=random" in first["next"]


def test_with_an_admins_cookie_the_api_still_shows_the_visitors_set(admin_client, scene):
    # The admin's own pages show more (the draft round's idea, the hidden idea's content) ...
    assert admin_client.get(f"/ideas/{scene['draft_idea'].id}").status_code == 200
    visitor = admin_client.application.test_client()
    expected = page_cards(visitor, "/ideas?status=results_pending")
    # ... but the API answers as the visitor, whatever cookie comes.
    assert figures(api_items(admin_client, "/api/v1/ideas?status=results_pending")) == expected
    assert admin_client.get(f"/api/v1/ideas/{scene['draft_idea'].id}").status_code == 404
    body = admin_client.get(f"/api/v1/ideas/{scene['hidden'].id}").get_json()
    assert body["body"] is None and body["status"] == "hidden"
    pending = admin_client.get(f"/api/v1/ideas/{scene['pending'].selected.id}").get_json()
    assert pending["status"] == "results_pending"
    assert admin_client.get(f"/api/v1/ideas/{scene['pending'].selected.id}/responses").get_json()["clock"] is None


# --- the list's body and paging -----------------------------------------------------------------


def test_each_idea_in_the_list_says_what_its_card_says(client, scene):
    with_photo = scene["listed"][4]
    items = {i["id"]: i for i in api_items(client, "/api/v1/ideas", headers={"Accept-Language": "en"})}
    item = items[with_photo.id]
    assert item["title"] == "공원 산책로 조명" and item["round_id"] == scene["round"].id
    assert item["category"] == scene["parks"].name_for("en") and item["category_id"] == scene["parks"].id
    assert item["district"] == {"id": scene["dong"].id, "name": scene["dong"].full_name_for("en")}
    assert item["status"] == "published" and item["status_label"] == "Open"
    assert item["author"] == with_photo.author.display_name
    assert item["thumbnail_url"].endswith(with_photo.photos[0].thumbnail_filename)
    assert item["url"] == f"http://localhost/api/v1/ideas/{with_photo.id}"
    assert item["html_url"] == f"http://localhost/ideas/{with_photo.id}"
    assert item["created_at"].endswith("Z") and item["language"] == "ko"
    assert "body" not in item and "email" not in str(item)
    assert items[scene["listed"][3].id]["district"] is None and items[scene["listed"][3].id]["thumbnail_url"] is None
    korean = {i["id"]: i for i in api_items(client, "/api/v1/ideas", headers={"Accept-Language": "ko"})}
    assert korean[with_photo.id]["status_label"] != "Open" and korean[with_photo.id]["category"] == "공원"
    assert korean[scene["pending"].selected.id]["status"] == "results_pending"
    assert korean[scene["published"].selected.id]["status"] == "answered"


def test_paging_to_the_end_repeats_and_skips_nothing_in_every_sort(client, scene):
    everyone = {c["id"] for c in page_cards(client, "/ideas")}
    for sort in SORTS:
        ids = [i["id"] for i in api_items(client, f"/api/v1/ideas?sort={sort}&limit=1")]
        assert len(ids) == len(set(ids)) and set(ids) == everyone, sort


def test_a_deleted_authors_name_is_not_shown(client, scene):
    idea = scene["listed"][0]
    from participation.accounts import services as account_services

    with write_transaction():
        account_services.delete_account(idea.author, PASSWORD, now())
    html = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "person-deleted" in html
    assert client.get(f"/api/v1/ideas/{idea.id}").get_json()["author"] is None


def test_an_unchanged_list_or_idea_is_a_304_and_a_vote_makes_a_new_etag(client, scene):
    idea = scene["listed"][0]
    for url in ("/api/v1/ideas", f"/api/v1/ideas/{idea.id}"):
        first = client.get(url)
        assert first.headers["Last-Modified"]
        assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
        _set(idea, vote_count=idea.vote_count + 1)  # a count moves without updated_at: the ETag still changes
        again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 200 and again.headers["ETag"] != first.headers["ETag"]


@pytest.mark.parametrize("query", ["round=x", "category=1.5", "district=-1", "status=hidden", "status=withdrawn",
                                   "sort=best", "seed=0", "seed=abc", "q=" + "가" * 101, "limit=0", "round=99999999999999999999"])
def test_bad_parameters_are_a_400_naming_them(client, app_ctx, query):
    response = client.get(f"/api/v1/ideas?{query}", headers={"Accept-Language": "en"})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_parameter" and query.split("=")[0] in error["fields"]


def test_a_forged_cursor_is_a_400(client, scene):
    from participation.api.paging import encode_cursor

    for cursor in ("nonsense", encode_cursor(["a", 1, 2]), encode_cursor([1, 2])):
        response = client.get(f"/api/v1/ideas?cursor={cursor}")
        assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_cursor"


def test_every_filter_status_is_accepted(client, scene):
    for status in FILTER_STATUSES:
        assert client.get(f"/api/v1/ideas?status={status}").status_code == 200


def test_the_list_takes_the_same_number_of_queries_whatever_the_page_holds(client, app_ctx, count_queries):
    department = make_department()
    parks = make_category(department)
    gu = make_district()
    dongs = [make_district(parent=gu) for _ in range(4)]
    round_ = make_round("voting", department=department, categories=[parks], districts=[gu])

    def queries(url):
        client.get(url)  # warm: reference data loaded once per process is not what is counted
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    make_idea(round_, district=dongs[0], author=make_user(), photos=[process_photo(io.BytesIO(jpeg_bytes()))])
    few = [queries(f"/api/v1/ideas?{q}") for q in ("", f"district={gu.id}", "q=벤치", "sort=random&seed=3")]
    for n in range(12):
        make_idea(round_, district=dongs[n % 4], photos=[process_photo(io.BytesIO(jpeg_bytes()))] if n % 3 == 0 else ())
    many = [queries(f"/api/v1/ideas?{q}") for q in ("", f"district={gu.id}", "q=벤치", "sort=random&seed=3")]
    assert few == many
    assert max(many) <= 6


# --- one idea -------------------------------------------------------------------------------------


def test_one_idea_shows_what_its_page_shows(client, scene):
    idea = scene["listed"][4]
    _set(idea, latitude=37.5665, longitude=126.978)
    with write_transaction():
        idea_services.post_update(idea.author, idea, "설계도를 *덧붙입니다*.", now())
    body = client.get(f"/api/v1/ideas/{idea.id}", headers={"Accept-Language": "en"}).get_json()
    html = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert body["id"] == idea.id and body["title"] in html
    assert body["body"] == idea.body and idea.body in html  # the Markdown source of what the page renders
    assert [p["url"].removeprefix("http://localhost") for p in body["photos"]] == re.findall(r'<a href="(/media/photos/[0-9a-f]{32}\.jpg)"', html)
    assert body["location"] == {"latitude": 37.5665, "longitude": 126.978}
    assert [u["body"] for u in body["updates"]] == ["설계도를 *덧붙입니다*."] and "<em>덧붙입니다</em>" in html
    assert body["withdrawal_reason"] is None and body["results_publish_at"] is None and body["edited_at"] is None
    assert client.get(body["photos"][0]["thumbnail_url"]).status_code == 200


def test_a_hidden_or_withdrawn_idea_keeps_its_page_without_its_content(client, scene):
    for idea, status in ((scene["hidden"], "hidden"), (scene["withdrawn"], "withdrawn")):
        html = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
        body = client.get(f"/api/v1/ideas/{idea.id}").get_json()
        assert body["status"] == status and body["title"] in html
        assert body["body"] is None and body["photos"] == [] and body["location"] is None and body["updates"] == []
        assert 'class="prose idea-body"' not in html
    withdrawn = client.get(f"/api/v1/ideas/{scene['withdrawn'].id}").get_json()
    assert withdrawn["withdrawal_reason"] == "다른 제안과 겹칩니다."
    assert "철회 본문" not in str(withdrawn)


def test_a_draft_rounds_idea_and_a_missing_one_are_404(client, scene):
    for idea_id in (scene["draft_idea"].id, 999_999):
        assert client.get(f"/ideas/{idea_id}").status_code == 404
    for idea_id in (scene["draft_idea"].id, 999_999, 2**40):
        for suffix in ("", "/timeline", "/responses"):
            response = client.get(f"/api/v1/ideas/{idea_id}{suffix}", headers={"Accept-Language": "en"})
            assert response.status_code == 404
            assert response.get_json()["error"]["code"] == "not_found"


def test_an_unpublished_outcome_shows_voting_closed_never_selected(client, scene):
    pending = scene["pending"]
    for idea in (pending.selected, pending.not_selected):
        html = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
        body = client.get(f"/api/v1/ideas/{idea.id}").get_json()
        assert body["status"] == "results_pending" and "status-results_pending" in html
        assert body["results_publish_at"] is not None
        events = [e["event"] for e in client.get(f"/api/v1/ideas/{idea.id}/timeline").get_json()["data"]]
        assert "selected" not in events and "not_selected" not in events
        assert "selected" not in str(client.get(f"/api/v1/ideas/{idea.id}/timeline").get_json()).replace("not_selected", "")
    published = client.get(f"/api/v1/ideas/{scene['published'].selected.id}").get_json()
    assert published["status"] == "answered" and published["results_publish_at"] is None


# --- the timeline ---------------------------------------------------------------------------------


def timeline_labels(client, idea_id) -> list[str]:
    html = client.get(f"/ideas/{idea_id}").get_data(as_text=True)
    section = html.split('class="timeline"')[1].split("</ol>")[0]
    return re.findall(r"<strong>([^<]+)</strong>", section)


def test_the_timeline_is_the_pages_status_history(client, scene):
    for idea in (scene["listed"][0], scene["hidden"], scene["withdrawn"], scene["pending"].selected, scene["published"].selected):
        body = client.get(f"/api/v1/ideas/{idea.id}/timeline", headers={"Accept-Language": "ko"}).get_json()
        assert body["idea_id"] == idea.id
        assert [e["event_label"] for e in body["data"]] == timeline_labels(client, idea.id)
        assert [e["occurred_at"] for e in body["data"]] == sorted(e["occurred_at"] for e in body["data"])


def test_timeline_rows_carry_the_facts_the_page_writes(client, scene):
    hidden = client.get(f"/api/v1/ideas/{scene['hidden'].id}/timeline", headers={"Accept-Language": "en"}).get_json()["data"]
    assert hidden[0]["event"] == "submitted" and hidden[0]["actor_kind"] == "person"
    assert hidden[0]["actor"] == scene["hidden"].author.display_name
    assert hidden[-1]["event"] == "hidden" and hidden[-1]["actor"] is None and hidden[-1]["actor_kind"] == "moderation"
    assert hidden[-1]["reason"]["code"] == "spam" and hidden[-1]["reason"]["label"]
    assert hidden[-1]["transition"] == {"from": "published", "from_label": "Open", "to": "hidden", "to_label": "Hidden"}
    withdrawn = client.get(f"/api/v1/ideas/{scene['withdrawn'].id}/timeline").get_json()["data"]
    assert withdrawn[-1]["event"] == "withdrawn" and withdrawn[-1]["note"] == "다른 제안과 겹칩니다."
    answered = client.get(f"/api/v1/ideas/{scene['published'].selected.id}/timeline", headers={"Accept-Language": "en"}).get_json()["data"]
    events = [e["event"] for e in answered]
    assert "selected" in events and events[-1] == "answered"
    assert answered[-1]["decision"] == {"code": "accepted", "label": "Accepted"}
    tier = next(e for e in answered if e["event"] == "tier_reached")
    assert tier["tier"]["votes"] == 2 and tier["tier"]["responder"]["code"] == "department" and tier["tier"]["due_at"].endswith("Z")
    korean = client.get(f"/api/v1/ideas/{scene['published'].selected.id}/timeline", headers={"Accept-Language": "ko"}).get_json()["data"]
    assert korean[-1]["event_label"] != answered[-1]["event_label"]


def test_the_timeline_takes_the_same_number_of_queries_however_long(client, scene, count_queries):
    def queries(idea):
        url = f"/api/v1/ideas/{idea.id}/timeline"
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    short, long_ = scene["listed"][3], scene["published"].selected
    assert len(long_.timeline) > len(short.timeline) + 2
    assert queries(short) == queries(scene["hidden"])
    assert queries(long_) <= queries(short) + 4  # a published result adds the response reading, once


# --- official responses ---------------------------------------------------------------------------


def test_responses_show_the_answer_and_every_version(client, scene):
    published = scene["published"]
    official = official_of(published.answering)
    idea = published.selected
    answer(official, idea, "under_review", "검토 중입니다.", at=now() + timedelta(minutes=1))
    answer(official, idea, "accepted", "**내년**에 설치합니다.", at=now() + timedelta(minutes=2), budget_estimate=3_000_000)
    progress(official, idea, 40, at=now() + timedelta(minutes=3))
    body = client.get(f"/api/v1/ideas/{idea.id}/responses", headers={"Accept-Language": "en"}).get_json()
    html = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert body["idea_id"] == idea.id
    (response,) = body["data"]
    assert response["decision"] == "accepted" and response["decision_label"] == "Accepted"
    assert response["number"] == 3 and response["revised_at"] is not None
    assert response["department"]["id"] == published.answering.id and response["budget_estimate"] == 3_000_000
    assert response["explanation"] == "**내년**에 설치합니다." and "<strong>내년</strong>" in response["explanation_html"]
    assert [r["number"] for r in response["revisions"]] == [1, 2, 3]
    assert [r["decision"] for r in response["revisions"]] == ["accepted", "under_review", "accepted"]
    assert len(re.findall(r'<details(?: open)?>\s*<summary>', html.split('id="response-history"')[1])) == 3  # the page's versions
    assert response["progress"] == 40 and [u["progress"] for u in response["implementation"]] == [40]
    assert body["clock"]["state"] == "answered" and body["clock"]["department"] is None
    assert "author" not in str(body) and official.display_name not in str(body) and official.email not in str(body)
    korean = client.get(f"/api/v1/ideas/{idea.id}/responses", headers={"Accept-Language": "ko"}).get_json()
    assert korean["data"][0]["decision_label"] != "Accepted"


def test_before_publication_responses_are_empty_as_on_the_page(client, scene):
    pending = scene["pending"]
    answer(official_of(pending.answering), pending.selected, explanation="미리 쓴 답변")
    html = client.get(f"/ideas/{pending.selected.id}").get_data(as_text=True)
    assert "official-response" not in html and "미리 쓴 답변" not in html
    body = client.get(f"/api/v1/ideas/{pending.selected.id}/responses").get_json()
    assert body == {"idea_id": pending.selected.id, "clock": None, "data": []}
    # An idea nobody owes an answer to has none either.
    assert client.get(f"/api/v1/ideas/{scene['listed'][0].id}/responses").get_json()["data"] == []


def test_an_owed_answer_shows_its_clock_and_department(client, app_ctx):
    published = closed_round(publish=True)
    body = client.get(f"/api/v1/ideas/{published.selected.id}/responses", headers={"Accept-Language": "en"}).get_json()
    assert body["data"] == [] and body["clock"]["state"] in ("open", "today")
    assert body["clock"]["department"]["id"] == published.answering.id
    html = client.get(f"/ideas/{published.selected.id}").get_data(as_text=True)
    assert "official-response" in html


def test_responses_take_the_same_number_of_queries_however_many_versions(client, app_ctx, count_queries):
    def queries(idea):
        url = f"/api/v1/ideas/{idea.id}/responses"
        client.get(url)
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    one, many = closed_round(publish=True), closed_round(publish=True)
    answer(official_of(one.answering), one.selected)
    official = official_of(many.answering)
    for n in range(4):
        answer(official, many.selected, "accepted", f"{n}번째 답변", at=now() + timedelta(minutes=n + 1))
    for n in range(3):
        progress(official, many.selected, 10 * (n + 1), at=now() + timedelta(minutes=10 + n))
    progress(official_of(one.answering), one.selected, 10)
    assert queries(one.selected) == queries(many.selected)


def test_an_unchanged_response_is_a_304(client, app_ctx):
    published = closed_round(publish=True)
    url = f"/api/v1/ideas/{published.selected.id}/responses"
    first = client.get(url)
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    answer(official_of(published.answering), published.selected)
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200 and again.get_json()["data"]


def test_the_openapi_document_describes_the_idea_endpoints(client, app_ctx):
    document = client.get("/api/v1/openapi.json", headers={"Accept-Language": "en"}).get_json()
    for path in ("/api/v1/ideas", "/api/v1/ideas/{idea_id}", "/api/v1/ideas/{idea_id}/timeline", "/api/v1/ideas/{idea_id}/responses"):
        assert path in document["paths"]
    names = {p["name"] for p in document["paths"]["/api/v1/ideas"]["get"]["parameters"]}
    assert {"round", "category", "district", "status", "q", "sort", "seed", "limit", "cursor"} <= names
    schemas = document["components"]["schemas"]
    assert {"IdeaDetail", "TimelineEntry", "Response", "Revision", "Implementation", "IdeaPhoto"} <= set(schemas)
    korean = client.get("/api/v1/openapi.json", headers={"Accept-Language": "ko"}).get_json()
    assert korean["paths"]["/api/v1/ideas"]["get"]["summary"] != document["paths"]["/api/v1/ideas"]["get"]["summary"]


def test_every_body_is_what_the_document_says(client, scene):
    """Each endpoint's bodies, in every state the scene has, validate against the 200 schema the
    OpenAPI document gives for them (no field undeclared, none of another type, nulls only where declared)."""
    import jsonschema_rs

    document = client.get("/api/v1/openapi.json").get_json()

    def validator(path):
        schema = document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        return jsonschema_rs.Draft202012Validator({**schema, "components": document["components"]}, validate_formats=True)

    published = scene["published"]
    official = official_of(published.answering)
    answer(official, published.selected, "accepted", "고쳐 씁니다.", at=now() + timedelta(minutes=1), budget_estimate=10)
    progress(official, published.selected, 30, at=now() + timedelta(minutes=2))
    ideas = [*scene["listed"], scene["hidden"], scene["withdrawn"], scene["pending"].selected, published.selected, published.not_selected]
    checks = [("/api/v1/ideas", "/api/v1/ideas?limit=3"), ("/api/v1/ideas", "/api/v1/ideas?status=results_pending")]
    for idea in ideas:
        checks += [("/api/v1/ideas/{idea_id}", f"/api/v1/ideas/{idea.id}"),
                   ("/api/v1/ideas/{idea_id}/timeline", f"/api/v1/ideas/{idea.id}/timeline"),
                   ("/api/v1/ideas/{idea_id}/responses", f"/api/v1/ideas/{idea.id}/responses")]
    validators = {}
    for path, url in checks:
        body = client.get(url).get_json()
        validators.setdefault(path, validator(path)).validate(body)
    responses = client.get(f"/api/v1/ideas/{published.selected.id}/responses").get_json()["data"]
    assert responses and responses[0]["implementation"] and responses[0]["revised_at"]


def test_every_ideas_page_and_its_api_agree(client, scene):
    """Whichever idea: the page and the API both answer or both 404, with the same status,
    counts and title, and the body exactly when the page shows it."""
    pending, published = scene["pending"], scene["published"]
    ideas = [*scene["listed"], scene["hidden"], scene["withdrawn"], scene["draft_idea"],
             pending.selected, pending.not_selected, published.selected, published.not_selected]
    for idea in ideas:
        page = client.get(f"/ideas/{idea.id}")
        api = client.get(f"/api/v1/ideas/{idea.id}")
        assert page.status_code == api.status_code, idea.id
        if page.status_code == 404:
            continue
        html, body = page.get_data(as_text=True), api.get_json()
        header = html.split('class="idea-head"')[1].split("</header>")[0]
        assert re.search(r'class="status status-([a-z_]+)"', header).group(1) == body["status"]
        assert f'data-vote-count="{idea.id}">{body["vote_count"]}' in html
        assert f"댓글 {body['comment_count']}개" in html
        assert (body["body"] is not None) == ('class="prose idea-body"' in html)
    assert client.get(f"/api/v1/ideas/{scene['draft_idea'].id}").status_code == 404


@pytest.mark.parametrize("q", ['"', "*", "NEAR(", "'", "%00", "공원 OR 벤치", "(", "^", "\\", "%ED%A0%80"])
def test_odd_search_words_are_an_answer_never_a_500(client, app_ctx, q):
    make_idea(make_round("voting"), title="공원 벤치")
    response = client.get(f"/api/v1/ideas?q={q}")
    assert response.status_code in (200, 400)
    body = response.get_json()
    assert "data" in body if response.status_code == 200 else body["error"]["code"] in ("invalid_parameter", "nul_character")
    assert client.get(f"/ideas?q={q}").status_code in (200, 400)  # and the page takes them alike
