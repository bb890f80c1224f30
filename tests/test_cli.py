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
    assert roles == {"resident", "official", "moderator", "admin"}
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
