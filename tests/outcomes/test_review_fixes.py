"""Defects a review of the outcome loop found, each pinned."""
from __future__ import annotations

from datetime import timedelta

from participation.core.db import write_transaction
from participation.extensions import db
from participation.ideas.models import Idea, StatusChange
from participation.outcomes import services
from participation.responses import services as responses
from participation.responses.services import ResponseData
from participation.rounds.models import Round
from tests.deliberation.helpers import signed_in, text_of
from tests.factories import make_user
from tests.outcomes.helpers import after, close, voting_round


def answer(idea, decision, at, text="설명합니다."):
    with write_transaction():
        responses.answer(make_user(roles={"admin"}), db.session.get(Idea, idea.id), ResponseData(decision, text), at)


def test_before_publication_a_residents_refusal_says_nothing_about_the_selection(app_ctx, make_client):
    round_, ideas, _ = voting_round(votes=(6, 1), publish_delay_hours=48)
    close(round_)
    answer(ideas[0], "accepted", after(round_, hours=1))
    resident = signed_in(make_client, make_user())
    resident.get("/")  # shows (and so clears) the sign-in message
    bodies = []
    for idea in ideas:
        for path in ("response", "progress"):
            response = resident.get(f"/ideas/{idea.id}/{path}")
            assert response.status_code == 403
            body = response.get_data(as_text=True)
            bodies.append(body[body.index("<main"):body.index("</main>")])
    # The same plain refusal for a selected and a not-selected idea, for answer and progress alike.
    assert len(set(bodies)) == 1, sorted(set(bodies))
    assert "selected" not in bodies[0] and "accepted" not in bodies[0] and "Only officials" not in bodies[0]
    assert "permission" in bodies[0]
    # Once published, the reason is everyone's to read.
    services.publish_due_outcomes(after(round_, hours=49))
    assert "needs no official response" in text_of(resident.get(f"/ideas/{ideas[1].id}/response"))


def test_revising_an_answer_to_rejected_takes_back_implemented_and_its_progress(app_ctx):
    round_, ideas, _ = voting_round(votes=(6,))
    close(round_)
    idea = ideas[0]
    official = make_user(roles={"admin"})
    answer(idea, "accepted", after(round_, hours=1))
    with write_transaction():
        responses.post_progress(official, db.session.get(Idea, idea.id), 100, "완료했습니다.", after(round_, days=2))
    assert db.session.get(Idea, idea.id).status == "implemented"
    answer(idea, "rejected", after(round_, days=3), "예산이 취소되었습니다.")
    db.session.expire_all()
    assert db.session.get(Idea, idea.id).status == "answered"
    assert responses.response_for(idea).progress is None
    last = db.session.scalars(db.select(StatusChange).where(StatusChange.idea_id == idea.id).order_by(StatusChange.id.desc())).first()
    assert (last.event, last.from_status, last.to_status) == ("response_revised", "implemented", "answered")


def test_a_progress_report_below_100_after_implemented_reopens_the_work_on_the_timeline(app_ctx):
    round_, ideas, _ = voting_round(votes=(6,))
    close(round_)
    idea = ideas[0]
    admin = make_user(roles={"admin"})
    answer(idea, "accepted", after(round_, hours=1))
    with write_transaction():
        responses.post_progress(admin, db.session.get(Idea, idea.id), 100, "완료", after(round_, days=2))
    with write_transaction():
        responses.post_progress(admin, db.session.get(Idea, idea.id), 80, "하자 보수 중", after(round_, days=3))
    assert db.session.get(Idea, idea.id).status == "answered"


def test_a_second_click_on_publish_now_is_told_it_is_already_published(app_ctx, make_client, monkeypatch):
    import participation.outcomes.views as views

    round_, ideas, _ = voting_round(votes=(6,), publish_delay_hours=72)
    close(round_)
    answer(ideas[0], "accepted", after(round_, hours=1))
    monkeypatch.setattr(views, "now", lambda: after(round_, hours=2))
    admin = signed_in(make_client, make_user(roles={"admin"}))
    assert admin.post_form(f"/rounds/{round_.id}/outcome/publish", {}).status_code == 302
    again = admin.post_form(f"/rounds/{round_.id}/outcome/publish", {}, follow_redirects=True)
    assert again.status_code == 200 and "already published" in text_of(again)
    assert db.session.get(Round, round_.id).published_at == after(round_, hours=2)


def test_the_answering_department_sees_the_selection_on_the_outcome_page_before_publication(app_ctx, make_client, monkeypatch):
    import participation.outcomes.views as views

    round_, ideas, _ = voting_round(votes=(4, 1), publish_delay_hours=48)  # 4 votes: the department tier
    close(round_)
    monkeypatch.setattr(views, "now", lambda: after(round_, hours=1))
    answering = responses.due_for(ideas[0]).department
    assert answering.id == ideas[0].category.department_id != round_.department_id
    official = signed_in(make_client, make_user(roles={"official"}, department=answering))
    page = text_of(official.get(f"/rounds/{round_.id}/outcome"))
    assert "Not selected" in page and "you work for the administration" in page
    # An official of a department that owes nothing in this round sees what residents see.
    bystander = signed_in(make_client, make_user(roles={"official"}, department=ideas[1].category.department))
    assert "Not selected" not in text_of(bystander.get(f"/rounds/{round_.id}/outcome"))


def test_an_answer_due_today_and_not_given_reads_overdue_since_today(app_ctx, make_client, monkeypatch):
    import participation.outcomes.views as views

    round_, ideas, _ = voting_round(votes=(6,))
    close(round_)
    services.publish_due_outcomes(after(round_))
    due = responses.due_for(ideas[0])
    monkeypatch.setattr(views, "now", lambda: due.due_at + timedelta(minutes=1))
    page = text_of(make_client().get(f"/rounds/{round_.id}/outcome"))
    assert "0 days past" not in page and "기한이 0일" not in page
