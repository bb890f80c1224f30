"""The /api/v1 results (issue 15 item 1): a round's published outcome and its ranked tally, the
departments' answering record and the public moderation log, each against the page a signed-out
visitor reads."""
from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest

from participation.core.db import write_transaction
from participation.core.time import now
from participation.deliberation import services as deliberation
from participation.extensions import db
from participation.ideas.models import Idea
from participation.outcomes.models import OutcomeEntry, RoundOutcome
from tests.civil_requests import public_world
from tests.civil_requests.public_world import file, seoul, step
from tests.deliberation.helpers import flag, open_item_for, post, visitor
from tests.factories import make_idea, make_round, make_user
from tests.responses.helpers import answer, closed_round, due_of, publish_round, set_due


def get_json(client, url, language="en", **headers):
    response = client.get(url, headers={"Accept-Language": language, **headers})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def follow(client, url) -> list[dict]:
    """Every item of a paged list, following `next` to the end."""
    items = []
    while url:
        body = get_json(client, url)
        items += body["data"]
        url = body["next"]
    return items


def follow_tally(client, url) -> list[dict]:
    rows = []
    while url:
        body = get_json(client, url)
        rows += body["tally"]["data"]
        url = body["tally"]["next"]
    return rows


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


# --- the outcome ---------------------------------------------------------------------------------


def test_an_unpublished_outcome_shows_the_count_without_the_selection_as_the_page_does(app_ctx, make_client, admin_client):
    scene = closed_round(publish_delay_hours=72)
    page = visitor(make_client).get(f"/rounds/{scene.round.id}/outcome")
    assert page.status_code == 200
    assert "will be published on" in page_text(page) and "Not selected" not in page_text(page)
    for client in (visitor(make_client), admin_client):  # an admin's page shows the selection; the API never before publication
        body = get_json(client, f"/api/v1/rounds/{scene.round.id}/outcome")
        rows = body["tally"]["data"]
        assert [(r["rank"], r["idea_id"], r["votes"]) for r in rows] == _ranking_rows(page.get_data(as_text=True))
        assert rows and all(r["selected"] is None and r["tier_reached"] is None and r["answer"] is None and r["due"] is None
                            for r in rows)
        assert body["totals"]["selected"] is None and body["published_at"] is None
    assert "Not selected" in page_text(admin_client.get(f"/rounds/{scene.round.id}/outcome"))
    outcome_url = get_json(visitor(make_client), f"/api/v1/rounds/{scene.round.id}")["outcome_url"]
    assert outcome_url.endswith(f"/api/v1/rounds/{scene.round.id}/outcome")


def test_no_outcome_for_a_round_still_voting_a_draft_or_nothing(client, app_ctx):
    voting = make_round("voting")
    draft = make_round("draft")
    for round_id in (voting.id, draft.id, 999_999):
        assert client.get(f"/api/v1/rounds/{round_id}/outcome").status_code == 404
    assert get_json(client, f"/api/v1/rounds/{voting.id}")["outcome_url"] is None


def _ranking_rows(page_html: str) -> list[tuple[int, int | None, int]]:
    """(rank, idea id or None when hidden, votes) of each row of the page's ranked table."""
    section = page_html.split('id="ranking-title"')[1].split("</table>")[0]
    rows = []
    for row in re.findall(r"<tr>\s*<td class=\"num\">(\d+)</td>(.*?)</tr>", section, re.S):
        rank, rest = row
        idea = re.search(r'href="/ideas/(\d+)"', rest)
        votes = re.findall(r'<td class="num">([\d,]+)</td>', rest)[-1]
        rows.append((int(rank), int(idea.group(1)) if idea else None, int(votes.replace(",", ""))))
    return rows


def _published_scene():
    """A published round: the selected idea answered; the other hidden by moderators after the close."""
    scene = closed_round()
    round_ = scene.round
    answer(make_user(roles={"admin"}), scene.selected, "accepted", "내년 예산에 **반영**합니다.")
    publish_round(round_)
    hidden = scene.not_selected
    hidden.status = "hidden"
    db.session.commit()
    return scene


def test_a_published_outcome_matches_the_visitors_page(app_ctx, make_client, admin_client):
    scene = _published_scene()
    round_ = scene.round
    page = visitor(make_client).get(f"/rounds/{round_.id}/outcome")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    body = get_json(visitor(make_client), f"/api/v1/rounds/{round_.id}/outcome")
    shown = [(r["rank"], r["idea_id"], r["votes"]) for r in body["tally"]["data"]]
    assert shown == _ranking_rows(text)
    assert [r[1] for r in shown] == [scene.selected.id, None]  # the hidden idea keeps its rank, not its name
    hidden_row = body["tally"]["data"][1]
    assert hidden_row["title"] is None and hidden_row["idea_url"] is None and hidden_row["selected"] is False
    assert scene.not_selected.title not in text and scene.not_selected.title not in str(body)

    outcome = db.session.scalar(db.select(RoundOutcome).where(RoundOutcome.round_id == round_.id))
    assert body["totals"] == {"voters": outcome.participants, "votes": outcome.votes, "ideas": outcome.ideas, "selected": outcome.selected}
    facts = dict(re.findall(r"<dt>(.*?)</dt><dd>([\d,]+)</dd>", text))
    assert facts == {"Residents who voted": str(body["totals"]["voters"]), "Votes": str(body["totals"]["votes"]),
                     "Ideas": str(body["totals"]["ideas"]), "Selected": str(body["totals"]["selected"])}
    assert body["published_at"] and body["closed_at"]
    assert [row["votes"] for row in body["by_category"]] == [row["votes"] for row in outcome.by_category]

    top = body["tally"]["data"][0]
    assert top["selected"] is True and top["tier_reached"] == 2 and top["title"] == scene.selected.title
    assert top["answer"]["decision"] == "accepted" and top["answer"]["decision_label"] == "Accepted"
    assert top["answer"]["department"]["id"] == scene.answering.id
    assert top["due"] is None and "Accepted" in text
    assert top["idea_url"].endswith(f"/ideas/{scene.selected.id}")

    # The same with an admin's cookie, and the round now names its outcome.
    assert get_json(admin_client, f"/api/v1/rounds/{round_.id}/outcome") == body
    assert get_json(admin_client, f"/api/v1/rounds/{round_.id}")["outcome_url"].endswith(f"/api/v1/rounds/{round_.id}/outcome")
    listed = get_json(admin_client, "/api/v1/rounds")["data"]
    assert [r["outcome_url"] for r in listed if r["id"] == round_.id][0]


def test_an_answer_still_owed_shows_its_department_and_days_overdue(app_ctx, make_client):
    scene = closed_round(publish=True)
    set_due(scene.selected, now() - timedelta(days=3, hours=1))
    text = page_text(visitor(make_client).get(f"/rounds/{scene.round.id}/outcome"))
    assert "Overdue by 3 days" in text or "3 days past the due date" in text
    row = get_json(visitor(make_client), f"/api/v1/rounds/{scene.round.id}/outcome")["tally"]["data"][0]
    assert row["answer"] is None
    assert row["due"]["department"]["id"] == due_of(scene.selected).department_id
    assert row["due"]["overdue_days"] == 3


def test_outcome_texts_follow_the_language_asked_for(app_ctx, client):
    scene = _published_scene()
    url = f"/api/v1/rounds/{scene.round.id}/outcome"
    english = get_json(client, url, "en")["tally"]["data"][0]
    korean = get_json(client, url, "ko")["tally"]["data"][0]
    assert english["answer"]["decision_label"] == "Accepted" and korean["answer"]["decision_label"] != "Accepted"
    assert any("\uac00" <= ch <= "\ud7a3" for ch in korean["answer"]["decision_label"])
    assert english["category"] != korean["category"]


def _bulk_tally(round_, count: int) -> None:
    """`count` more ideas at the bottom of a published round's tally, written directly (the close is tested elsewhere)."""
    outcome = db.session.scalar(db.select(RoundOutcome).where(RoundOutcome.round_id == round_.id))
    last = db.session.scalar(db.select(db.func.max(OutcomeEntry.rank)).where(OutcomeEntry.outcome_id == outcome.id))
    moment = now()
    ideas = [Idea(round_id=round_.id, title=f"대량 아이디어 {n}", body="본문", category_id=round_.categories[0].id, status="not_selected",
                  vote_count=0, comment_count=0, search_text="", created_at=moment, updated_at=moment) for n in range(count)]
    db.session.add_all(ideas)
    db.session.flush()
    db.session.add_all([OutcomeEntry(outcome_id=outcome.id, idea_id=idea.id, rank=last + 1 + n, votes=0, selected=False)
                        for n, idea in enumerate(ideas)])
    db.session.commit()


def test_a_tally_of_two_thousand_pages_by_cursor_in_rank_order_as_the_page_ranks_it(app_ctx, client, make_client):
    scene = closed_round(publish=True)
    _bulk_tally(scene.round, 1998)
    rows = follow_tally(client, f"/api/v1/rounds/{scene.round.id}/outcome?limit=100")
    assert [r["rank"] for r in rows] == list(range(1, 2001))
    assert len({r["idea_id"] for r in rows}) == 2000
    # The page shows the same ranking, 100 rows a page.
    reader = visitor(make_client)
    for number in (1, 20):
        table = _ranking_rows(reader.get(f"/rounds/{scene.round.id}/outcome?page={number}").get_data(as_text=True))
        assert table == [(r["rank"], r["idea_id"], r["votes"]) for r in rows[(number - 1) * 100:number * 100]]
    first = client.get(f"/api/v1/rounds/{scene.round.id}/outcome?limit=100")
    assert first.headers["Link"] == f'<{first.get_json()["tally"]["next"]}>; rel="next"'
    # Every page repeats the totals: they are the round's, not the page's.
    second = get_json(client, first.get_json()["tally"]["next"])
    assert second["totals"] == first.get_json()["totals"] and second["tally"]["data"][0]["rank"] == 101


def test_the_tally_runs_the_same_statements_whatever_the_page_size(app_ctx, client, count_queries):
    scene = closed_round(publish=True)
    _bulk_tally(scene.round, 1998)
    counts = []
    for limit in (5, 100):
        with count_queries() as statements:
            assert client.get(f"/api/v1/rounds/{scene.round.id}/outcome?limit={limit}").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1] and counts[0] <= 12


def test_outcome_conditional_requests_and_bad_parameters(app_ctx, client):
    scene = closed_round(publish=True)
    url = f"/api/v1/rounds/{scene.round.id}/outcome"
    first = client.get(url)
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    answer(make_user(roles={"admin"}), scene.selected, "rejected", "예산이 없습니다.")
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200 and again.get_json()["tally"]["data"][0]["answer"]["decision"] == "rejected"
    for query in ("limit=0", "limit=abc", "cursor=nonsense"):
        response = client.get(f"{url}?{query}", headers={"Accept-Language": "en"})
        assert response.status_code == 400 and response.get_json()["error"]["code"] in ("invalid_parameter", "invalid_cursor")


# --- the departments -----------------------------------------------------------------------------


def _page_table(page_html: str, after: str | None = None) -> dict[str, list[str]]:
    """{department name: [cells]} of the first records table (after `after`, when given)."""
    if after:
        page_html = page_html.split(after, 1)[1]
    table = page_html.split('<table class="department-records">', 1)[1].split("</table>")[0]
    rows = {}
    for name, cells in re.findall(r'<th scope="row">(.*?)</th>(.*?)</tr>', table, re.S):
        rows[name] = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", cells, re.S)]
    return rows


@pytest.fixture
def record_scene(app_ctx):
    """Idea answers: one round published (its selected idea answered on time, another round's
    overdue); civil requests: Roads answered one, on time, satisfied, and holds one overdue."""
    answered = closed_round(publish=True)
    answer(make_user(roles={"admin"}), answered.selected, "accepted", "합니다.")
    overdue = closed_round(publish=True)
    set_due(overdue.selected, now() - timedelta(days=2))
    unpublished = closed_round(publish_delay_hours=72)  # not counted until published
    w = public_world.build()
    a = file(w, "A", w.lights, title="A", at=seoul(2026, 4, 7, 10))
    from participation.civil_requests import handling

    step(handling.complete, w.road_official, a, "resolved", "고쳤습니다.", seoul(2026, 4, 8, 10))
    step(handling.rate, w.applicant, a, "satisfied", "", seoul(2026, 4, 8, 11))
    file(w, "D", w.lights, title="D", public=False, at=seoul(2026, 4, 1, 10))
    return answered, overdue, unpublished, w


def test_the_departments_record_matches_the_page(record_scene, make_client, admin_client):
    answered, overdue, unpublished, w = record_scene
    text = page_text(visitor(make_client).get("/responses/departments"))
    ideas_table = _page_table(text)
    civil_table = _page_table(text, "Civil requests (민원)")
    body = get_json(visitor(make_client), "/api/v1/departments")
    by_name = {row["department"]["name"]: row for row in body["data"]}
    assert {name for name, row in by_name.items() if row["ideas"]} == set(ideas_table)
    for name, cells in ideas_table.items():
        ideas = by_name[name]["ideas"]
        assert [str(ideas["on_time"]), str(ideas["late"]), str(ideas["overdue_now"]), str(ideas["waiting"])] == cells[:4]
        assert cells[4] == ("no answers yet" if ideas["median_days"] is None else f"{ideas['median_days']:.1f}")
    assert by_name[answered.answering.name_en]["ideas"]["on_time"] == 1
    assert by_name[overdue.answering.name_en]["ideas"]["overdue_now"] == 1
    assert unpublished.answering.name_en not in by_name  # its clock is not public yet

    assert {name for name, row in by_name.items() if row["civil_requests"]} == set(civil_table) == {"Roads"}
    roads = by_name["Roads"]["civil_requests"]
    assert (roads["answered"], roads["on_time"], roads["on_time_rate"], roads["overdue_now"]) == (1, 1, 1.0, 1)
    assert (roads["rated"], roads["satisfied"], roads["satisfied_share"], roads["neutral_share"]) == (1, 1, 1.0, 0.0)
    assert civil_table["Roads"][0] == "1" and civil_table["Roads"][-1] == str(roads["overdue_now"])
    assert roads["median_working_hours"] == float(civil_table["Roads"][2].split()[0])
    assert by_name["Roads"]["ideas"] is None
    assert public_world.SECRET_NAME not in str(body) and "고쳤습니다" not in str(body)
    assert get_json(admin_client, "/api/v1/departments")["data"] == body["data"]


def test_the_departments_record_in_korean_and_a_304(record_scene, client, monkeypatch):
    korean = get_json(client, "/api/v1/departments", "ko")
    assert "도로과" in {row["department"]["name"] for row in korean["data"]}
    first = client.get("/api/v1/departments")
    later = now() + timedelta(minutes=5)  # no clock in the body: the same figures later are the same ETag
    monkeypatch.setattr("participation.api.v1.results.now", lambda: later)
    assert client.get("/api/v1/departments", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    _answered, overdue, _unpublished, _w = record_scene
    set_due(overdue.selected, later + timedelta(days=1))  # no longer overdue: new figures, a new ETag
    again = client.get("/api/v1/departments", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200 and again.headers["ETag"] != first.headers["ETag"]


def test_the_departments_record_runs_a_fixed_number_of_statements(app_ctx, client, count_queries):
    def measure():
        with count_queries() as statements:
            assert client.get("/api/v1/departments").status_code == 200
        return len(statements)

    closed_round(publish=True)
    one = measure()
    for _ in range(3):
        scene = closed_round(publish=True)
        answer(make_user(roles={"admin"}), scene.selected, "accepted", "합니다.")
    assert measure() == one


# --- the moderation log ----------------------------------------------------------------------------


@pytest.fixture
def log_scene(app_ctx):
    """A comment hidden by moderators, one hidden by reports, an idea hidden and restored, an
    account suspended."""
    round_ = make_round("submission")
    idea = make_idea(round_, title="놀이터 그늘막 설치")
    moderator = make_user(roles={"moderator"}, display_name="모더레이터김")
    author = make_user(display_name="작성자박")
    hidden = post(author, idea, "조금 거친 댓글")
    flag(make_user(display_name="신고자이"), hidden, "abuse")
    with write_transaction():
        deliberation.decide(moderator, open_item_for(comment=hidden), "hide", "abuse", "욕설을 빼 주세요", now())
    reported = post(make_user(), idea, "광고 댓글")
    for _ in range(3):
        flag(make_user(), reported, "spam")
    for _ in range(3):
        flag(make_user(), idea, "spam")
    with write_transaction():
        deliberation.decide(moderator, open_item_for(idea=idea), "restore", "no_violation", None, now())
    with write_transaction():
        deliberation.suspend(moderator, make_user(display_name="정지될주민"), 7, "abuse", "반복된 욕설", now())
    db.session.commit()
    return idea, hidden, reported


def _log_rows(page_html: str) -> list[tuple[int, int | None]]:
    """(action id, comment id or None) of each row of the log page."""
    rows = []
    for action_id, cells in re.findall(r'<tr id="action-(\d+)">(.*?)</tr>', page_html, re.S):
        comment = re.search(r'href="/comments/(\d+)"', cells)
        rows.append((int(action_id), int(comment.group(1)) if comment else None))
    return rows


def test_the_log_matches_the_visitors_page_hidden_comments_included(log_scene, make_client, admin_client):
    idea, hidden, reported = log_scene
    page = visitor(make_client).get("/moderation/log")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    entries = follow(visitor(make_client), "/api/v1/moderation-log?limit=2")
    assert [(e["id"], e["comment_id"]) for e in entries] == _log_rows(text)
    assert {e["comment_id"] for e in entries} >= {hidden.id, reported.id}
    assert [e["occurred_at"] for e in entries] == sorted((e["occurred_at"] for e in entries), reverse=True)
    actions = {e["action"] for e in entries}
    assert actions == {"hidden", "auto_hidden", "restored", "suspended"}
    moderated = next(e for e in entries if e["comment_id"] == hidden.id)
    assert moderated["action_label"] == "Hidden by moderators" and moderated["reason"] == "abuse"
    assert moderated["reason_label"] == "Abuse, insults or hate" and moderated["subject_title"] == "놀이터 그늘막 설치"
    assert moderated["subject_url"].endswith(f"/ideas/{idea.id}") and moderated["comment_url"].endswith(f"/comments/{hidden.id}")
    suspension = next(e for e in entries if e["item"] == "account")
    assert suspension["until"] and suspension["subject_title"] is None and suspension["comment_id"] is None
    idea_rows = [e for e in entries if e["item"] == "idea"]
    assert idea_rows and all(e["subject_title"] == "놀이터 그늘막 설치" for e in idea_rows)
    flat = str(entries)
    for secret in ("모더레이터김", "작성자박", "신고자이", "정지될주민", "욕설을 빼 주세요", "반복된 욕설", "조금 거친 댓글"):
        assert secret not in flat and secret not in text, secret
    assert follow(admin_client, "/api/v1/moderation-log?limit=2") == entries


def test_the_log_pages_without_repeat_or_skip_and_in_korean(log_scene, client):
    everything = follow(client, "/api/v1/moderation-log?limit=100")
    paged = follow(client, "/api/v1/moderation-log?limit=1")
    assert [e["id"] for e in paged] == [e["id"] for e in everything] and len({e["id"] for e in paged}) == len(paged)
    korean = get_json(client, "/api/v1/moderation-log", "ko")["data"]
    assert korean[0]["action_label"] != everything[0]["action_label"]
    assert any("\uac00" <= ch <= "\ud7a3" for ch in korean[0]["action_label"])


def test_the_log_runs_the_same_statements_whatever_the_page_size(log_scene, client, count_queries):
    counts = []
    for limit in (5, 100):  # five reach back to a comment: a page with comments and ideas, as the longer one
        with count_queries() as statements:
            body = client.get(f"/api/v1/moderation-log?limit={limit}").get_json()
        assert {e["item"] for e in body["data"]} == {"comment", "idea", "account"}
        counts.append(len(statements))
    assert counts[0] == counts[1] and counts[0] <= 8


def test_the_log_answers_304_and_refuses_bad_parameters(log_scene, client):
    first = client.get("/api/v1/moderation-log")
    assert client.get("/api/v1/moderation-log", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    assert client.get("/api/v1/moderation-log", headers={"If-Modified-Since": first.headers["Last-Modified"]}).status_code == 304
    for query in ("limit=101", "cursor=W10"):
        response = client.get(f"/api/v1/moderation-log?{query}", headers={"Accept-Language": "en"})
        assert response.status_code == 400


def test_an_empty_log_is_an_empty_list(app_ctx, client):
    response = client.get("/api/v1/moderation-log")
    assert response.get_json() == {"data": [], "next": None}
    assert response.last_modified == datetime(2020, 1, 1, tzinfo=UTC)  # nothing to date it by: the ETag decides


# --- the document ------------------------------------------------------------------------------------


def _conforms(document: dict, component: str, body: dict) -> None:
    import jsonschema_rs

    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": f"#/components/schemas/{component}",
              "components": document["components"]}
    errors = [f"{e.instance_path}: {e.message}" for e in jsonschema_rs.validator_for(schema).iter_errors(body)]
    assert not errors, errors


def test_every_body_is_what_the_document_says(record_scene, log_scene, client):
    document = get_json(client, "/api/v1/openapi.json")
    answered, overdue, _unpublished, _w = record_scene
    set_due(overdue.selected, now() - timedelta(days=2))
    for scene in (answered, overdue):
        _conforms(document, "Outcome", get_json(client, f"/api/v1/rounds/{scene.round.id}/outcome"))
        _conforms(document, "Round", get_json(client, f"/api/v1/rounds/{scene.round.id}"))
    _conforms(document, "Departments", get_json(client, "/api/v1/departments"))
    _conforms(document, "ModerationEntryPage", get_json(client, "/api/v1/moderation-log"))
    with pytest.raises(AssertionError):  # the check itself bites
        _conforms(document, "ModerationEntryPage", {"data": [{"id": "x"}], "next": None})


def test_the_document_describes_the_results_in_korean_and_english(client, app_ctx):
    english = get_json(client, "/api/v1/openapi.json", "en")["paths"]
    korean = get_json(client, "/api/v1/openapi.json", "ko")["paths"]
    for path, summary in (("/api/v1/rounds/{round_id}/outcome", "A round's outcome"), ("/api/v1/departments", "How departments answer"),
                          ("/api/v1/moderation-log", "Moderation log")):
        assert english[path]["get"]["summary"] == summary
        assert korean[path]["get"]["summary"] != summary and any("\uac00" <= ch <= "\ud7a3" for ch in korean[path]["get"]["summary"])
        assert any("\uac00" <= ch <= "\ud7a3" for ch in korean[path]["get"]["description"])
