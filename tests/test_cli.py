"""Command-line tasks: the first admin, the demo city."""
from __future__ import annotations

from sqlalchemy import func, select

from participation.accounts.models import Category, Department, District, User
from participation.extensions import db
from tests.factories import make_user


def test_create_admin_makes_the_first_administrator(runner, client, app_ctx):
    result = runner.invoke(
        args=["users", "create-admin", "--email", "Chief@City.go.kr", "--name", "시스템관리자", "--password", "a-very-long-admin-pass"]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User))
    assert user.email == "chief@city.go.kr" and user.roles == {"admin", "resident"}
    client.login("chief@city.go.kr", password="a-very-long-admin-pass")
    assert client.get("/admin/").status_code == 200


def test_create_admin_prompts_for_a_hidden_password(runner, app_ctx):
    result = runner.invoke(
        args=["users", "create-admin", "--email", "chief@city.go.kr", "--name", "관리자"],
        input="a-very-long-admin-pass\na-very-long-admin-pass\n",
    )
    assert result.exit_code == 0, result.output
    assert "a-very-long-admin-pass" not in result.output


def test_create_admin_refuses_weak_passwords_and_taken_emails(runner, app_ctx):
    result = runner.invoke(args=["users", "create-admin", "--email", "a@city.go.kr", "--name", "관리자", "--password", "password"])
    assert result.exit_code != 0 and "10자 이상 입력하세요." in result.output  # messages follow the default language, Korean
    make_user(email="taken@city.go.kr")
    result = runner.invoke(
        args=["users", "create-admin", "--email", "taken@city.go.kr", "--name", "관리자", "--password", "a-very-long-admin-pass"]
    )
    assert result.exit_code != 0 and "이 이메일로 가입된 계정이 이미 있습니다." in result.output


def test_demo_seed_creates_a_city_with_an_account_for_every_role(runner, client, app_ctx):
    result = runner.invoke(args=["demo", "seed", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "admin@demo.gongron.kr" in result.output and "gongron-demo-2026" in result.output
    assert db.session.scalar(select(func.count()).select_from(District).where(District.kind == "gu")) == 3
    assert db.session.scalar(select(func.count()).select_from(District).where(District.kind == "dong")) >= 6
    assert db.session.scalar(select(func.count()).select_from(Department)) >= 4
    categories = db.session.scalars(select(Category)).all()
    assert categories and all(c.department is not None for c in categories)
    roles = set().union(*(u.roles for u in db.session.scalars(select(User))))
    assert roles == {"resident", "official", "moderator", "admin", "field", "counter"}
    official = db.session.scalar(select(User).where(User.email == "official@demo.gongron.kr"))
    assert official.department is not None
    client.login("admin@demo.gongron.kr", password="gongron-demo-2026")


def test_demo_seed_only_fills_an_empty_database(runner, app_ctx):
    make_user()
    result = runner.invoke(args=["demo", "seed", "--if-empty"])
    assert result.exit_code == 0 and "skipped" in result.output
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code != 0
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_demo_seed_is_refused_in_production(app, runner, app_ctx):
    app.config["DEMO_ALLOWED"] = False
    try:
        result = runner.invoke(args=["demo", "seed"])
    finally:
        app.config["DEMO_ALLOWED"] = True
    assert result.exit_code != 0 and "not allowed" in result.output


def test_demo_seed_starts_discussions_with_every_stance_and_leaves_reports_to_review(runner, make_client, app_ctx):
    from participation.deliberation.models import Comment, Flag, ModerationItem, Thread
    from participation.ideas.models import Idea

    result = runner.invoke(args=["demo", "seed", "--if-empty"])
    assert result.exit_code == 0, result.output
    stances = dict(db.session.execute(select(Comment.stance, func.count()).group_by(Comment.stance)).all())
    assert set(stances) == {"for", "against", "neutral"} and sum(stances.values()) >= 20
    assert db.session.scalar(select(func.count()).select_from(Comment).where(Comment.depth > 0)) >= 10
    assert db.session.scalar(select(func.count()).select_from(Comment).where(Comment.official_department_id.is_not(None))) >= 2
    # Pending reports, below the hiding threshold, wait in the queue; nothing is hidden yet.
    assert db.session.scalar(select(func.count()).select_from(ModerationItem).where(ModerationItem.closed_at.is_(None))) == 3
    assert db.session.scalar(select(func.count()).select_from(Flag)) == 4
    assert db.session.scalar(select(func.count()).select_from(Comment).where(Comment.status != "visible")) == 0
    discussed = db.session.scalar(select(Idea).where(Idea.title == "역 앞 버스정류장에 온열의자 설치"))
    in_thread = db.session.scalar(
        select(func.count()).select_from(Comment).join(Thread).where(Thread.subject_kind == "idea", Thread.subject_id == discussed.id)
    )
    assert discussed.comment_count == in_thread == 8
    moderator = make_client()
    moderator.login("moderator@demo.gongron.kr", password="gongron-demo-2026")
    moderator.use_english()
    queue = moderator.get("/moderation").get_data(as_text=True)
    assert "특정 운전자를 비난하는 것처럼 읽힙니다." in queue


def test_demo_seed_has_a_published_outcome_with_an_overdue_answer_and_a_round_about_to_close(runner, make_client, app_ctx):
    from datetime import timedelta

    from participation.core.time import now
    from participation.demo.outcomes import CLOSES_AFTER
    from participation.outcomes import services as outcomes
    from participation.responses.models import OfficialResponse, ResponseDue
    from participation.rounds.models import Round

    loaded = now()
    result = runner.invoke(args=["demo", "seed", "--if-empty"])
    assert result.exit_code == 0, result.output
    past = db.session.scalar(select(Round).where(Round.title == "2026년 상반기 생활 불편 해결 공모"))
    assert past.published_at is not None and past.closed_at == past.voting_closes_at
    assert db.session.scalar(select(func.count()).select_from(OfficialResponse).where(OfficialResponse.idea_id.is_not(None))) == 3
    overdue = db.session.scalars(select(ResponseDue).where(ResponseDue.answered_at.is_(None), ResponseDue.due_at < loaded)).all()
    assert [d.idea.title for d in overdue] == ["학교동 어린이보호구역 노란 신호등"] and overdue[0].due_at < loaded
    page = make_client().get(f"/rounds/{past.id}/outcome").get_data(as_text=True)
    assert "학교동 어린이보호구역 노란 신호등" in page and "기한 지남" in page  # Korean by default: "overdue"
    closing = db.session.scalar(select(Round).where(Round.title.like("%곧 마감%")))
    assert closing.closed_at is None
    assert loaded < closing.voting_closes_at <= loaded + CLOSES_AFTER + timedelta(seconds=5)
    # What the scheduler will do a few minutes later:
    assert outcomes.close_due_rounds(closing.voting_closes_at + timedelta(seconds=1)) == 1
    assert outcomes.publish_due_outcomes(closing.voting_closes_at + timedelta(seconds=1)) == 1
    db.session.expire_all()
    from participation.ideas.models import Idea

    official_dues = db.session.scalars(
        select(ResponseDue).join(Idea, Idea.id == ResponseDue.idea_id).where(Idea.round_id == closing.id)
    ).all()
    # The two ideas with 5 votes or more: selected, owed an answer by 교통정책과 (the demo official's).
    assert len(official_dues) == 2 and {(d.reason, d.department.name_ko) for d in official_dues} == {("selected", "교통정책과")}
