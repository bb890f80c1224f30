"""Reports (flags), hiding after three, the moderation queue, decisions with reason codes, the public log,
reviews, suspensions and a new account's comments with links."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from participation.core.errors import ServiceError
from participation.core.time import now
from participation.deliberation import services
from participation.deliberation.models import (
    Comment,
    Flag,
    FlagReason,
    ModerationAction,
    ModerationItem,
)
from participation.extensions import db
from participation.ideas.models import Idea, StatusChange
from tests.deliberation.helpers import (
    comment_ids,
    decision_form,
    english,
    flag,
    open_item_for,
    plain,
    post,
    section_of,
    signed_in,
    text_of,
    visitor,
)
from tests.factories import make_department, make_idea, make_round, make_user


@pytest.fixture
def idea(app_ctx):
    return make_idea(make_round("voting"), title="놀이터 그늘막 설치")


def flag_count(**target) -> int:
    (column, value), = target.items()
    return db.session.scalar(select(func.count()).select_from(Flag).where(getattr(Flag, column) == value))


# --- flags ------------------------------------------------------------------------------------------


def test_every_flag_reason_is_accepted(idea):
    comment = post(make_user(), idea)
    for reason in (r.value for r in FlagReason):
        # Two reports leave the comment shown; a third would hide it, so each reason gets a comment of its own.
        target = post(make_user(), idea, f"{reason} 대상")
        row = flag(make_user(), target, reason, "설명" if reason == "other" else None)
        assert (row.reason, row.comment_id, row.idea_id, row.resolved_at) == (reason, target.id, None, None)
        item = open_item_for(comment=target)
        assert item.reason == "flagged" and item.closed_at is None
    assert flag(make_user(), idea, "off_topic").idea_id == idea.id
    assert open_item_for(comment=comment) is None


def test_other_needs_words_and_texts_have_a_limit(idea, make_client):
    comment = post(make_user(), idea)
    flagger = make_user()
    with pytest.raises(ServiceError) as refused:
        services.flag(flagger, comment, "other", "   ", now())
    assert (refused.value.code, refused.value.field) == ("text_required", "text")
    with pytest.raises(ServiceError) as refused:
        services.flag(flagger, comment, "spam", "가" * 501, now())
    assert refused.value.code == "too_long"
    with pytest.raises(ServiceError) as refused:
        services.flag(flagger, comment, "rude", None, now())
    assert refused.value.code == "bad_reason"
    db.session.rollback()

    client = signed_in(make_client, flagger)
    form = client.get(f"/comments/{comment.id}/flag")
    assert form.status_code == 200 and "Report this comment" in form.text
    response = client.post_form(f"/comments/{comment.id}/flag", {"reason": "other", "text": ""})
    assert response.status_code == 422 and "Tell the moderators what is wrong." in response.text
    response = client.post_form(f"/comments/{comment.id}/flag", {"reason": "other", "text": "광고 전화번호가 있어요"})
    assert response.status_code == 302 and response.location.endswith(f"/ideas/{idea.id}#comment-{comment.id}")
    stored = db.session.scalar(select(Flag))
    assert (stored.reason, stored.text, stored.user_id) == ("other", "광고 전화번호가 있어요", flagger.id)


def test_a_flag_is_counted_once_per_person_and_item(idea, make_client):
    comment = post(make_user(), idea, "한 번만 신고")
    client = signed_in(make_client, make_user())
    assert f"/comments/{comment.id}/flag" in client.get(f"/ideas/{idea.id}").text
    assert client.post_form(f"/comments/{comment.id}/flag", {"reason": "spam"}).status_code == 302
    again = client.post_form(f"/comments/{comment.id}/flag", {"reason": "abuse"})
    assert again.status_code == 422
    assert "You already reported this. Moderators will look at it." in again.text
    assert flag_count(comment_id=comment.id) == 1
    page = client.get(f"/ideas/{idea.id}")
    assert f"/comments/{comment.id}/flag" not in page.text
    assert '<span class="muted">Reported</span>' in page.text


def test_nobody_reports_their_own_writing(app_ctx, make_client):
    author = make_user()
    idea = make_idea(make_round("voting"), author)
    comment = post(author, idea, "내 글")
    client = signed_in(make_client, author)
    for url in (f"/comments/{comment.id}/flag", f"/ideas/{idea.id}/flag"):
        response = client.post_form(url, {"reason": "spam"})
        assert response.status_code == 422, url
        assert "You cannot report your own writing. You can edit or delete it instead." in response.text
    page = client.get(f"/ideas/{idea.id}")
    assert "/flag" not in page.text
    assert db.session.scalar(select(func.count()).select_from(Flag)) == 0


def test_three_distinct_flags_hide_a_comment_and_two_do_not(idea, make_client):
    author = make_user(display_name="글쓴이")
    comment = post(author, idea, "논란이 될 댓글")
    flag(make_user(), comment, "abuse")
    flag(make_user(), comment, "spam")
    db.session.refresh(comment)
    assert comment.status == "visible"
    assert db.session.scalar(select(func.count()).select_from(ModerationAction)) == 0
    db.session.refresh(idea)
    assert idea.comment_count == 1

    flag(make_user(), comment, "abuse")
    db.session.refresh(comment)
    db.session.refresh(idea)
    assert comment.status == "hidden" and idea.comment_count == 0
    action = db.session.scalar(select(ModerationAction))
    assert (action.action, action.reason, action.comment_id, action.moderator_id) == ("auto_hidden", "abuse", comment.id, None)
    assert flag_count(comment_id=comment.id) == 3
    assert db.session.scalar(select(func.count()).select_from(ModerationItem)) == 1
    # A fourth person finds nothing to report.
    with pytest.raises(ServiceError) as refused:
        services.flag(make_user(), comment, "abuse", None, now())
    db.session.rollback()
    assert refused.value.code == "not_visible"

    page = visitor(make_client).get(f"/ideas/{idea.id}")
    assert "Hidden by moderation." in page.text and "논란이 될 댓글" not in page.text
    assert comment_ids(page) == [comment.id]
    mine = signed_in(make_client, author).get(f"/ideas/{idea.id}")
    assert "논란이 될 댓글" in mine.text and "Hidden by moderation." in mine.text
    assert "Reason: Abuse, insults or hate" in mine.text
    assert f"/comments/{comment.id}/review" in mine.text


def test_three_flags_hide_an_idea_with_a_timeline_row(app_ctx, make_client):
    author = make_user()
    idea = make_idea(make_round("voting"), author, title="수상한 아이디어")
    flaggers = [signed_in(make_client, make_user()) for _ in range(3)]
    assert f"/ideas/{idea.id}/flag" in flaggers[0].get(f"/ideas/{idea.id}").text
    for n, client in enumerate(flaggers):
        response = client.post_form(f"/ideas/{idea.id}/flag", {"reason": "spam" if n else "off_topic"})
        assert response.status_code == 302
    db.session.expire_all()
    hidden = db.session.get(Idea, idea.id)
    assert hidden.status == "hidden"
    change = db.session.scalar(select(StatusChange).where(StatusChange.idea_id == idea.id, StatusChange.event == "hidden"))
    assert (change.from_status, change.to_status, change.actor_id, change.details) == ("published", "hidden", None, {"reason": "spam"})
    action = db.session.scalar(select(ModerationAction))
    assert (action.action, action.idea_id, action.reason) == ("auto_hidden", idea.id, "spam")

    page = visitor(make_client).get(f"/ideas/{idea.id}")
    assert "This idea is hidden while moderators review it." in page.text
    author_page = signed_in(make_client, author).get(f"/ideas/{idea.id}")
    assert "Reason: Spam or advertising" in author_page.text and f"/ideas/{idea.id}/review" in author_page.text
    late = signed_in(make_client, make_user()).post_form(f"/ideas/{idea.id}/flag", {"reason": "spam"})
    assert late.status_code == 404  # a hidden idea's content is not shown to others, so there is nothing to report

    moderator = signed_in(make_client, make_user(roles={"moderator"}))
    queue = moderator.get("/moderation")
    assert "수상한 아이디어" in queue.text and "3 reports" in queue.text
    item = open_item_for(idea=idea)
    response = moderator.post_form(f"/moderation/items/{item.id}", decision_form(item.id, "restore", "no_violation"))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Idea, idea.id).status == "published"
    events = db.session.scalars(select(StatusChange.event).where(StatusChange.idea_id == idea.id).order_by(StatusChange.id)).all()
    assert events[-2:] == ["hidden", "restored"]
    log = visitor(make_client).get("/moderation/log").text
    assert "Restored by moderators" in log and "Hidden after 3 reports, until reviewed" in log and "수상한 아이디어" in log


# --- the queue and decisions ---------------------------------------------------------------------


def test_the_queue_lists_items_oldest_first_with_their_context(idea, make_client):
    writer = make_user(display_name="답글쓴이")
    parent = post(make_user(display_name="원글쓴이"), idea, "원래 댓글은 이것입니다")
    reply = post(writer, idea, "신고된 답글입니다", parent=parent)
    later = post(make_user(), idea, "나중에 신고된 댓글")
    other_idea = make_idea(idea.round, title="다른 아이디어")
    start = now() - timedelta(hours=3)
    flag(make_user(), later, "spam", at=start + timedelta(hours=2))
    flag(make_user(), other_idea, "off_topic", at=start + timedelta(hours=1))
    flag(make_user(), reply, "other", "전화번호가 적혀 있어요", at=start)
    flag(make_user(), reply, "personal_data", at=start + timedelta(hours=2, minutes=30))

    moderator = signed_in(make_client, make_user(roles={"moderator"}))
    response = moderator.get("/moderation")
    assert response.status_code == 200
    items = {i.comment or i.idea: i.id for i in db.session.scalars(select(ModerationItem))}
    positions = [response.text.index(f'id="item-{items[key]}"') for key in (reply, other_idea, later)]
    assert positions == sorted(positions)
    markup = section_of(response, f"item-{items[reply]}")
    section = plain(markup)
    assert "On 놀이터 그늘막 설치" in section and f'href="/ideas/{idea.id}"' in markup
    assert "In reply to 원글쓴이 원래 댓글은 이것입니다" in section
    assert "신고된 답글입니다" in section and "답글쓴이" in section and "status: Shown" in section
    assert "2 reports" in section and "Something else" in section and "전화번호가 적혀 있어요" in section
    assert "Someone's personal data" in section
    assert f"/moderation/users/{writer.id}/suspend" in markup
    assert "다른 아이디어" in plain(section_of(response, f"item-{items[other_idea]}"))
    assert '<a href="/moderation" aria-current="page">Moderation</a>' in response.text  # the moderators' menu link


BAD_DECISIONS = [
    ("hide", "no_violation", "Choose a reason that fits the decision."),
    ("restore", "spam", "Choose a reason that fits the decision."),
    ("hide", "", "Choose a reason that fits the decision."),
    ("restore", "made_up", "Choose one of the options."),
    ("delete", "spam", "Not a valid choice"),
    ("", "spam", "Choose hide or restore."),
]


def test_a_decision_needs_a_reason_that_fits(idea, make_client):
    comment = post(make_user(), idea, "판단이 필요한 댓글")
    flag(make_user(), comment, "spam")
    item = open_item_for(comment=comment)
    moderator = signed_in(make_client, make_user(roles={"moderator"}))
    for decision, reason, message in BAD_DECISIONS:
        response = moderator.post_form(f"/moderation/items/{item.id}", decision_form(item.id, decision, reason, "메모"))
        assert response.status_code == 422, (decision, reason)
        assert message in text_of(response), (decision, reason)
        assert f'id="item-{item.id}"' in response.text  # the queue again, with the item still there
    db.session.expire_all()
    assert db.session.get(ModerationItem, item.id).closed_at is None
    assert db.session.get(Comment, comment.id).status == "visible"
    assert db.session.scalar(select(func.count()).select_from(ModerationAction)) == 0


def test_a_decision_closes_the_item_resolves_its_flags_and_only_new_flags_count(idea, make_client):
    comment = post(make_user(), idea, "복원될 댓글")
    for _ in range(3):
        flag(make_user(), comment, "abuse")
    item = open_item_for(comment=comment)
    moderator_user = make_user(roles={"moderator"})
    moderator = signed_in(make_client, moderator_user)
    response = moderator.post_form(f"/moderation/items/{item.id}", decision_form(item.id, "restore", "no_violation", "문제없음"))
    assert response.status_code == 302 and response.location.endswith("/moderation")
    db.session.expire_all()
    closed = db.session.get(ModerationItem, item.id)
    assert closed.closed_at is not None and closed.decided_by_id == moderator_user.id
    assert db.session.scalar(select(func.count()).select_from(Flag).where(Flag.resolved_at.is_(None))) == 0
    assert db.session.get(Comment, comment.id).status == "visible"
    assert "복원될 댓글" not in moderator.get("/moderation").text
    assert db.session.get(Idea, idea.id).comment_count == 1
    again = moderator.post_form(f"/moderation/items/{item.id}", decision_form(item.id, "hide", "abuse"))
    assert again.status_code == 422 and "Another moderator has already decided on this item." in again.text

    # Old flags no longer count: two new ones leave it shown, a third hides it again.
    flag(make_user(), comment, "spam")
    flag(make_user(), comment, "spam")
    assert db.session.get(Comment, comment.id).status == "visible"
    new_item = open_item_for(comment=comment)
    assert new_item.id != item.id
    flag(make_user(), comment, "abuse")
    assert db.session.get(Comment, comment.id).status == "hidden"
    assert db.session.scalar(select(ModerationAction.reason).order_by(ModerationAction.id.desc()).limit(1)) == "spam"


def test_a_moderator_hides_with_a_note_the_author_reads_and_the_log_keeps_quiet(idea, make_client):
    author = make_user(display_name="작성자")
    comment = post(author, idea, "조금 거친 댓글")
    flag(make_user(display_name="신고자"), comment, "abuse")
    item = open_item_for(comment=comment)
    moderator_user = make_user(roles={"moderator"}, display_name="모더레이터김")
    moderator = signed_in(make_client, moderator_user)
    response = moderator.post_form(
        f"/moderation/items/{item.id}", decision_form(item.id, "hide", "abuse", "욕설 부분을 빼고 다시 써 주세요")
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).status == "hidden"
    action = db.session.scalar(select(ModerationAction))
    assert (action.action, action.reason, action.note, action.moderator_id) == ("hidden", "abuse", "욕설 부분을 빼고 다시 써 주세요", moderator_user.id)

    log = visitor(make_client).get("/moderation/log")
    assert log.status_code == 200
    markup = section_of(log, f"action-{action.id}", "</tr>")
    row = plain(markup)
    assert f"Comment #{comment.id} · on 놀이터 그늘막 설치" in row and f'href="/comments/{comment.id}"' in markup
    assert "Hidden by moderators" in row and "Abuse, insults or hate" in row and "<time datetime=" in markup
    for secret in ("모더레이터김", "욕설 부분을 빼고", "신고자", "작성자", "조금 거친 댓글"):
        assert secret not in log.text, secret

    mine = signed_in(make_client, author).get(f"/ideas/{idea.id}")
    assert "Reason: Abuse, insults or hate — 욕설 부분을 빼고 다시 써 주세요" in text_of(mine)
    others = visitor(make_client).get(f"/ideas/{idea.id}")
    assert "욕설 부분을 빼고" not in others.text and "조금 거친 댓글" not in others.text


def test_the_author_may_ask_for_one_review(idea, make_client):
    author = make_user()
    comment = post(author, idea, "다시 봐 주세요")
    for _ in range(3):
        flag(make_user(), comment, "spam")
    client = signed_in(make_client, author)
    assert signed_in(make_client, make_user()).get(f"/comments/{comment.id}/review").status_code == 403
    form = client.get(f"/comments/{comment.id}/review")
    assert form.status_code == 200 and "Reason: Spam or advertising" in form.text
    response = client.post_form(f"/comments/{comment.id}/review", {"note": "광고가 아니라 행사 안내입니다"})
    assert response.status_code == 302
    db.session.expire_all()
    item = open_item_for(comment=comment)
    assert item.review_requested and item.review_note == "광고가 아니라 행사 안내입니다"
    assert db.session.get(Comment, comment.id).review_requested_at is not None

    assert client.get(f"/comments/{comment.id}/review").status_code == 403
    assert client.post_form(f"/comments/{comment.id}/review", {"note": "한 번 더"}).status_code == 403
    with pytest.raises(ServiceError) as refused:
        services.request_review(author, db.session.get(Comment, comment.id), "또", now())
    db.session.rollback()
    assert refused.value.code == "not_allowed"
    page = client.get(f"/ideas/{idea.id}")
    assert "You asked for a review on" in page.text and f"/comments/{comment.id}/review" not in page.text

    queue = signed_in(make_client, make_user(roles={"moderator"})).get("/moderation")
    section = plain(section_of(queue, f"item-{item.id}"))
    assert "Author asked for a review" in section and "광고가 아니라 행사 안내입니다" in section


def test_a_review_of_a_hidden_idea_is_asked_once(app_ctx, make_client):
    author = make_user()
    idea = make_idea(make_round("voting"), author)
    for _ in range(3):
        flag(make_user(), idea, "off_topic")
    moderator = make_user(roles={"moderator"})
    services.decide(moderator, open_item_for(idea=idea), "hide", "off_topic", "주제와 맞지 않아요", now())
    db.session.commit()
    client = signed_in(make_client, author)
    page = client.get(f"/ideas/{idea.id}")
    assert "Reason: Off-topic — 주제와 맞지 않아요" in text_of(page)
    assert client.post_form(f"/ideas/{idea.id}/review", {"note": "주제에 맞습니다"}).status_code == 302
    item = open_item_for(idea=idea)
    assert item.reason == "review_requested" and item.review_requested
    assert client.post_form(f"/ideas/{idea.id}/review", {"note": "다시"}).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(ModerationItem).where(ModerationItem.review_requested)) == 1


def test_nobody_asks_to_review_what_is_not_hidden(idea, make_client):
    author = make_user()
    comment = post(author, idea)
    assert signed_in(make_client, author).get(f"/comments/{comment.id}/review").status_code == 403
    with pytest.raises(ServiceError):
        services.request_review(author, comment, None, now())
    db.session.rollback()


# --- suspensions ----------------------------------------------------------------------------------------


def test_a_suspended_resident_reads_but_cannot_take_part_until_lifted(idea, make_client):
    resident = make_user(display_name="정지될주민")
    target = post(make_user(), idea, "다른 사람의 댓글")
    moderator = signed_in(make_client, make_user(roles={"moderator"}))
    form = moderator.get(f"/moderation/users/{resident.id}/suspend")
    assert form.status_code == 200 and "정지될주민" in form.text
    assert ">1 day</option>" in form.text and ">7 days</option>" in form.text and "1 days" not in form.text
    before = now()
    response = moderator.post_form(f"/moderation/users/{resident.id}/suspend", {"days": "7", "reason": "abuse", "note": "반복된 욕설"})
    assert response.status_code == 302
    db.session.expire_all()
    until = db.session.get(type(resident), resident.id).suspended_until
    assert before + timedelta(days=7) <= until <= now() + timedelta(days=7)

    client = signed_in(make_client, resident)
    page = client.get(f"/ideas/{idea.id}")
    assert page.status_code == 200 and "Your account is suspended until" in page.text and "다른 사람의 댓글" in page.text
    assert "Join the discussion" not in page.text and "/flag" not in page.text
    assert client.post_form(f"/threads/idea/{idea.id}/comments", {"stance": "for", "body": "정지 중 댓글"}).status_code == 403
    assert client.post_form(f"/comments/{target.id}/flag", {"reason": "spam"}).status_code == 403
    assert client.post_form(f"/ideas/{idea.id}/flag", {"reason": "spam"}).status_code == 403
    assert client.post_form(f"/comments/{target.id}/vote", {"value": "up"}).status_code == 403
    with pytest.raises(ServiceError) as refused:
        services.post_comment(db.session.get(type(resident), resident.id), idea, "for", "서비스로 직접", None, now())
    db.session.rollback()
    assert refused.value.code == "suspended"

    log = visitor(make_client).get("/moderation/log")
    row = plain(text_of(log).split("</thead>")[1].split("</tr>")[0])
    assert "Account suspended" in row and "An account" in row and "until" in row and "Abuse, insults or hate" in row
    assert "정지될주민" not in log.text and "반복된 욕설" not in log.text

    lifted = moderator.post_form(f"/moderation/users/{resident.id}/suspend", {"days": "0", "reason": ""})
    assert lifted.status_code == 302
    assert "Suspension lifted" in visitor(make_client).get("/moderation/log").text
    assert client.post_form(f"/threads/idea/{idea.id}/comments", {"stance": "for", "body": "다시 참여합니다"}).status_code == 302
    again = moderator.post_form(f"/moderation/users/{resident.id}/suspend", {"days": "0", "reason": ""})
    assert again.status_code == 422 and "This account is not suspended." in again.text
    assert db.session.scalar(select(func.count()).select_from(ModerationAction)) == 2


BAD_SUSPENSIONS = [
    ("", "abuse", "Choose one of the periods."),
    ("5", "abuse", "Choose one of the options."),
    ("abc", "abuse", "Choose one of the options."),
    ("7", "", "Choose a reason."),
    ("7", "no_violation", "Choose one of the options."),
]


def test_a_suspension_needs_a_period_and_a_reason(app_ctx, make_client):
    resident = make_user()
    moderator = signed_in(make_client, make_user(roles={"moderator"}))
    for days, reason, message in BAD_SUSPENSIONS:
        response = moderator.post_form(f"/moderation/users/{resident.id}/suspend", {"days": days, "reason": reason})
        assert response.status_code == 422 and message in text_of(response), (days, reason)
    db.session.expire_all()
    assert db.session.get(type(resident), resident.id).suspended_until is None


def test_moderators_and_administrators_cannot_be_suspended(app_ctx, make_client):
    moderator_user = make_user(roles={"moderator"})
    moderator = signed_in(make_client, moderator_user)
    for staff in (make_user(roles={"moderator"}), make_user(roles={"admin"})):
        response = moderator.post_form(f"/moderation/users/{staff.id}/suspend", {"days": "7", "reason": "abuse"})
        assert response.status_code == 422
        assert "Moderators and administrators cannot be suspended" in response.text
    own = moderator.post_form(f"/moderation/users/{moderator_user.id}/suspend", {"days": "7", "reason": "abuse"})
    assert own.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(ModerationAction)) == 0
    assert moderator.get("/moderation/users/999999/suspend").status_code == 404


def test_only_moderators_and_administrators_reach_moderation(idea, make_client):
    comment = post(make_user(), idea)
    flag(make_user(), comment, "spam")
    item = open_item_for(comment=comment)
    resident = make_user()
    department = make_department()
    routes = [
        ("GET", "/moderation", None),
        ("POST", f"/moderation/items/{item.id}", decision_form(item.id, "hide", "spam")),
        ("GET", f"/moderation/users/{resident.id}/suspend", None),
        ("POST", f"/moderation/users/{resident.id}/suspend", {"days": "7", "reason": "spam"}),
    ]
    for user in (make_user(), make_user(roles={"official"}, department=department)):
        client = signed_in(make_client, user)
        for method, url, data in routes:
            response = client.get(url) if method == "GET" else client.post_form(url, data)
            assert response.status_code == 403, (method, url)
        assert "/moderation\"" not in client.get("/").text
    anonymous = visitor(make_client)
    for method, url, data in routes:
        response = anonymous.get(url) if method == "GET" else anonymous.post_form(url, data)
        assert response.status_code == 302 and "/login" in response.location
    assert anonymous.get("/moderation/log").status_code == 200
    for role in ("moderator", "admin"):
        assert signed_in(make_client, make_user(roles={role})).get("/moderation").status_code == 200
    db.session.expire_all()
    assert db.session.get(ModerationItem, item.id).closed_at is None
    assert db.session.get(type(resident), resident.id).suspended_until is None


# --- held comments ----------------------------------------------------------------------------------------


def test_a_new_accounts_comment_with_a_link_waits_for_a_moderator(idea, make_client):
    newcomer = make_user(display_name="새계정")
    client = signed_in(make_client, newcomer)
    response = client.post_form(
        f"/threads/idea/{idea.id}/comments", {"stance": "for", "body": "싸게 사세요 https://shop.example.com"}, follow_redirects=True
    )
    assert response.status_code == 200
    assert "Comments with links from new accounts are checked by a moderator before they are shown." in response.text
    held = db.session.scalar(select(Comment))
    assert held.status == "held" and 'href="https://shop.example.com"' in held.body_html
    db.session.refresh(idea)
    assert idea.comment_count == 0

    mine = client.get(f"/ideas/{idea.id}")
    assert "싸게 사세요" in mine.text and "Only you can see this comment until a moderator checks it." in mine.text
    assert client.get(f"/comments/{held.id}").status_code == 200
    for other in (visitor(make_client), signed_in(make_client, make_user())):
        assert "싸게 사세요" not in other.get(f"/ideas/{idea.id}").text
        assert other.get(f"/comments/{held.id}").status_code == 404
    with pytest.raises(ServiceError) as refused:
        services.post_comment(make_user(), idea, "for", "답글", held, now())
    db.session.rollback()
    assert refused.value.code == "parent_not_visible"

    moderator = signed_in(make_client, make_user(roles={"moderator"}))
    item = open_item_for(comment=held)
    assert item.reason == "held"
    queue = moderator.get("/moderation")
    section = plain(section_of(queue, f"item-{item.id}"))
    assert "New account's comment with links" in section and "싸게 사세요" in section and "status: Waiting for a moderator" in section
    response = moderator.post_form(f"/moderation/items/{item.id}", decision_form(item.id, "restore", "no_violation"))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Comment, held.id).status == "visible"
    assert db.session.get(Idea, idea.id).comment_count == 1
    assert "싸게 사세요" in visitor(make_client).get(f"/ideas/{idea.id}").text
    assert "Approved by moderators" in visitor(make_client).get("/moderation/log").text


def test_which_links_wait_for_a_moderator(idea):
    link = "자세한 내용은 https://news.example.com/article 참고"
    newcomer = make_user()
    assert post(newcomer, idea, "링크 없는 첫 댓글").status == "visible"
    assert post(newcomer, idea, link).status == "held"
    veteran = make_user()
    veteran.created_at = now() - timedelta(days=8)
    db.session.commit()
    assert post(veteran, idea, link).status == "visible"
    department = make_department()
    assert post(make_user(roles={"official"}, department=department), idea, link).status == "visible"
    assert post(make_user(roles={"moderator"}), idea, link).status == "visible"
    # After three published comments a new account's links are trusted.
    regular = make_user()
    for n in range(3):
        post(regular, idea, f"평범한 댓글 {n}")
    assert post(regular, idea, link).status == "visible"


def test_editing_a_link_into_a_new_accounts_comment_holds_it(idea):
    newcomer = make_user()
    comment = post(newcomer, idea, "링크 없음")
    services.edit_comment(newcomer, comment, "for", "이제 링크 https://promo.example.com", now())
    db.session.commit()
    assert comment.status == "held"
    assert open_item_for(comment=comment).reason == "held"
    db.session.refresh(idea)
    assert idea.comment_count == 0


def test_a_held_comment_can_be_hidden_instead(idea, make_client):
    newcomer = make_user()
    held = post(newcomer, idea, "광고 https://spam.example.com")
    item = open_item_for(comment=held)
    moderator = signed_in(make_client, make_user(roles={"moderator"}))
    assert moderator.post_form(f"/moderation/items/{item.id}", decision_form(item.id, "hide", "spam", "광고입니다")).status_code == 302
    db.session.expire_all()
    # Turned down before anyone saw it: "rejected", never a public placeholder.
    assert db.session.get(Comment, held.id).status == "rejected"
    decision = services.latest_decision(db.session.get(Comment, held.id))
    assert (decision.action, english(decision.note)) == ("rejected", "광고입니다")
