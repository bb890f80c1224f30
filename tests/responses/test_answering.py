"""Answering an idea, revising the answer, and reporting implementation progress, through the pages."""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from participation.extensions import db
from participation.ideas.models import IdeaStatus, StatusChange
from participation.responses.models import ImplementationUpdate, OfficialResponse, ResponseRevision
from tests.deliberation.helpers import signed_in, text_of
from tests.factories import make_department, make_user
from tests.responses.helpers import answer, closed_round, due_of, official_of, progress

GOOD = {"decision": "accepted", "explanation": "내년 **상반기**에 설치하겠습니다.", "planned_completion": "2027-06-30", "budget_estimate": "1,200,000"}


@pytest.fixture
def setting(app_ctx):
    return closed_round(publish=True)


def response_of(idea):
    db.session.expire_all()
    return db.session.scalar(select(OfficialResponse).where(OfficialResponse.idea_id == idea.id))


def revisions_of(idea) -> int:
    return db.session.scalar(
        select(func.count()).select_from(ResponseRevision).join(OfficialResponse).where(OfficialResponse.idea_id == idea.id)
    )


def timeline_events(idea) -> list[str]:
    return list(db.session.scalars(select(StatusChange.event).where(StatusChange.idea_id == idea.id).order_by(StatusChange.id)))


def test_the_answering_departments_official_answers_and_the_idea_shows_it(setting, make_client):
    client = signed_in(make_client, official_of(setting.answering))
    page = client.get(f"/ideas/{setting.selected.id}/response")
    assert page.status_code == 200
    assert "Answer an idea" in text_of(page)
    response = client.post_form(f"/ideas/{setting.selected.id}/response", GOOD)
    assert response.status_code == 302 and response.location.endswith(f"/ideas/{setting.selected.id}#official-response")

    stored = response_of(setting.selected)
    assert (stored.decision, stored.planned_completion, stored.budget_estimate, stored.revision_count) == (
        "accepted", date(2027, 6, 30), 1_200_000, 1
    )
    assert "<strong>상반기</strong>" in stored.explanation_html
    assert due_of(setting.selected).answered_at is not None
    assert db.session.get(type(setting.selected), setting.selected.id).status == IdeaStatus.ANSWERED
    page = text_of(client.get(f"/ideas/{setting.selected.id}"))
    assert "Official response" in page and "Accepted" in page
    assert "1,200,000 won" in page and "2027-06-30" in page
    assert "Answered on time" in page


@pytest.mark.parametrize("typed", ["1,200,000", "1200000", " 1 200 000 ", "1,200,000원"])
def test_a_budget_is_accepted_as_people_type_it(setting, make_client, typed):
    client = signed_in(make_client, official_of(setting.answering))
    assert client.post_form(f"/ideas/{setting.selected.id}/response", {**GOOD, "budget_estimate": typed}).status_code == 302
    assert response_of(setting.selected).budget_estimate == 1_200_000


def test_planned_completion_and_budget_are_optional(setting, make_client):
    client = signed_in(make_client, official_of(setting.answering))
    data = {"decision": "under_review", "explanation": "관계 부서와 협의 중입니다.", "planned_completion": "", "budget_estimate": ""}
    assert client.post_form(f"/ideas/{setting.selected.id}/response", data).status_code == 302
    stored = response_of(setting.selected)
    assert stored.planned_completion is None and stored.budget_estimate is None and stored.decision == "under_review"


def test_revising_starts_from_the_current_answer_and_keeps_every_version_public(setting, make_client):
    official = official_of(setting.answering)
    answer(official, setting.selected, "under_review", "검토하겠습니다.", budget_estimate=5_000_000)
    client = signed_in(make_client, official)
    form = client.get(f"/ideas/{setting.selected.id}/response").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*value="under_review"', form)
    assert "검토하겠습니다." in form and 'value="5,000,000"' in form
    revised = {**GOOD, "decision": "partially_accepted", "explanation": "일부 정류장에만 설치합니다."}
    assert client.post_form(f"/ideas/{setting.selected.id}/response", revised).status_code == 302

    stored = response_of(setting.selected)
    assert (stored.decision, stored.revision_count) == ("partially_accepted", 2)
    assert timeline_events(setting.selected)[-2:] == ["answered", "response_revised"]
    visitor_page = text_of(make_client().get(f"/ideas/{setting.selected.id}"))
    # Both versions, each dated, are on the public page once the outcome is published.
    for text in ("검토하겠습니다.", "일부 정류장에만 설치합니다."):
        assert text in visitor_page
    assert visitor_page.count("response-revisions") == 1


def test_the_same_answer_sent_twice_is_one_revision(setting, make_client):
    client = signed_in(make_client, official_of(setting.answering))
    for _ in range(2):
        assert client.post_form(f"/ideas/{setting.selected.id}/response", GOOD).status_code == 302
    assert revisions_of(setting.selected) == 1


def test_an_admin_may_answer_any_department_s_idea(setting, make_client):
    client = signed_in(make_client, make_user(roles={"admin"}))
    assert client.post_form(f"/ideas/{setting.selected.id}/response", GOOD).status_code == 302
    assert response_of(setting.selected).department_id == setting.answering.id


# --- refusals: each leaves the outcome and the existing answer as they were ---------------------------


def _state(setting):
    db.session.expire_all()
    response = response_of(setting.selected)
    return (
        db.session.get(type(setting.selected), setting.selected.id).status,
        timeline_events(setting.selected),
        revisions_of(setting.selected),
        (response.decision, response.explanation, response.planned_completion, response.budget_estimate) if response else None,
    )


@pytest.fixture
def answered(setting):
    answer(official_of(setting.answering), setting.selected, "accepted", "설치하겠습니다.", budget_estimate=3_000_000)
    return setting


def test_an_official_of_another_department_is_told_who_answers(answered, make_client):
    before = _state(answered)
    client = signed_in(make_client, official_of(make_department(name_ko="교통과", name_en="Transport Division")))
    for response in (client.get(f"/ideas/{answered.selected.id}/response"), client.post_form(f"/ideas/{answered.selected.id}/response", GOOD)):
        assert response.status_code == 403
        assert f"Only officials of {answered.answering.name_en}, or an administrator, can answer this idea." in text_of(response)
    assert _state(answered) == before


def test_an_idea_that_owes_no_answer_is_refused_with_the_reason(answered, make_client):
    client = signed_in(make_client, make_user(roles={"admin"}))
    response = client.post_form(f"/ideas/{answered.not_selected.id}/response", GOOD)
    assert response.status_code == 403
    assert "This idea needs no official response" in text_of(response)
    assert response_of(answered.not_selected) is None
    assert _state(answered)[3] is not None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"explanation": "   \r\n  "}, "Explain the decision to residents."),
        ({"decision": ""}, "Choose a decision."),
        ({"decision": "maybe"}, "Choose one of the decisions listed."),
        ({"planned_completion": "2027-02-30"}, "Give a date like 2026-12-31."),
        ({"planned_completion": "내년 봄"}, "Give a date like 2026-12-31."),
        ({"planned_completion": "2999-01-01"}, "Give a planned completion date within the next 20 years."),
        ({"budget_estimate": "약 백만원"}, "Give the budget in won as a whole number, for example 1,200,000."),
        ({"budget_estimate": "-5,000"}, "Give the budget in won as a whole number, for example 1,200,000."),
        ({"budget_estimate": "1.5"}, "Give the budget in won as a whole number, for example 1,200,000."),
        ({"budget_estimate": "99,999,999,999,999,999"}, "Give the budget in won, from 0 up to 10 trillion."),
    ],
)
def test_bad_input_is_a_form_error_that_keeps_the_text_and_changes_nothing(answered, make_client, change, message):
    before = _state(answered)
    client = signed_in(make_client, official_of(answered.answering))
    data = {**GOOD, "explanation": "새로 쓴 설명입니다.", **change}
    response = client.post_form(f"/ideas/{answered.selected.id}/response", data)
    assert response.status_code == 422
    page = text_of(response)
    assert message in page
    for key in ("explanation", "budget_estimate"):
        if data[key].strip():
            assert data[key].strip() in page  # what was typed is shown again
    assert _state(answered) == before


def test_progress_is_reported_and_100_percent_marks_the_idea_implemented(answered, make_client):
    client = signed_in(make_client, official_of(answered.answering))
    assert "Report implementation progress" in text_of(client.get(f"/ideas/{answered.selected.id}/progress"))
    assert client.post_form(f"/ideas/{answered.selected.id}/progress", {"progress": "40%", "note": "설계를 마쳤습니다."}).status_code == 302
    assert client.post_form(f"/ideas/{answered.selected.id}/progress", {"progress": "100", "note": "설치를 마쳤습니다."}).status_code == 302
    db.session.expire_all()
    assert response_of(answered.selected).progress == 100
    assert db.session.get(type(answered.selected), answered.selected.id).status == IdeaStatus.IMPLEMENTED
    assert timeline_events(answered.selected)[-2:] == ["progress", "implemented"]
    page = client.get(f"/ideas/{answered.selected.id}").get_data(as_text=True)
    assert '<progress id="progress-' in page and 'value="100"' in page
    text = text_of(client.get(f"/ideas/{answered.selected.id}"))
    assert "100% done" in text and "40% done" in text and "설계를 마쳤습니다." in text


@pytest.mark.parametrize(
    ("progress_value", "message"),
    [
        ("150", "Progress is a whole number from 0 to 100; 150 is out of range."),
        ("-1", "Progress is a whole number from 0 to 100; -1 is out of range."),
        ("절반", "Give the progress as a whole number from 0 to 100."),
        ("", "Give the progress as a whole number from 0 to 100."),
    ],
)
def test_out_of_range_progress_is_a_form_error(answered, make_client, progress_value, message):
    client = signed_in(make_client, official_of(answered.answering))
    response = client.post_form(f"/ideas/{answered.selected.id}/progress", {"progress": progress_value, "note": "진행 중입니다."})
    assert response.status_code == 422
    assert message in text_of(response) and "진행 중입니다." in text_of(response)
    assert db.session.scalar(select(func.count()).select_from(ImplementationUpdate)) == 0


def test_an_empty_progress_note_is_a_form_error(answered, make_client):
    client = signed_in(make_client, official_of(answered.answering))
    response = client.post_form(f"/ideas/{answered.selected.id}/progress", {"progress": "30", "note": "  "})
    assert response.status_code == 422 and "Say what has been done." in text_of(response)


def test_progress_needs_an_answer_that_commits_to_doing_it(setting, make_client):
    official = official_of(setting.answering)
    client = signed_in(make_client, official)
    refused = client.post_form(f"/ideas/{setting.selected.id}/progress", {"progress": "10", "note": "시작"})
    assert refused.status_code == 403 and "Progress is reported once the idea is accepted" in text_of(refused)
    answer(official, setting.selected, "rejected", "예산이 없습니다.")
    assert client.post_form(f"/ideas/{setting.selected.id}/progress", {"progress": "10", "note": "시작"}).status_code == 403
    progress_rows = db.session.scalar(select(func.count()).select_from(ImplementationUpdate))
    assert progress_rows == 0


def test_the_service_refuses_progress_from_another_department(answered):
    from participation.core.errors import ServiceError

    with pytest.raises(ServiceError) as refused:
        progress(official_of(make_department()), answered.selected, 50)
    assert refused.value.code == "not_allowed"


def test_the_answer_and_progress_pages_are_well_structured(answered, make_client):
    from tests.core.test_accessibility import assert_well_structured

    client = signed_in(make_client, official_of(answered.answering))
    progress(official_of(answered.answering), answered.selected, 30)
    for url in (f"/ideas/{answered.selected.id}/response", f"/ideas/{answered.selected.id}/progress", f"/ideas/{answered.selected.id}"):
        response = client.get(url)
        assert response.status_code == 200
        assert_well_structured(response.get_data(as_text=True), url)
    refused = client.post_form(f"/ideas/{answered.selected.id}/response", {**GOOD, "explanation": ""})
    assert_well_structured(refused.get_data(as_text=True), "refused answer")
