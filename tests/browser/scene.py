"""One of everything, for the every-page accessibility test: a signed-in person of each role and
the objects every page's URL needs, built through the services as in the other tests.

The resident is the all-purpose participant: author of ideas and comments (one of each hidden by a
moderator, so the review pages open), a drawn panelist with an open evaluation, a civil-request
applicant. The official belongs to the department everything is routed to, so the answer, progress,
inbox and panel-response pages open for them.
"""
from __future__ import annotations

from datetime import timedelta

from participation.api import keys as api_keys
from participation.civil_requests import attributes as request_attributes
from participation.civil_requests import handling
from participation.core.db import write_transaction
from participation.core.time import now
from participation.deliberation import services as deliberation
from participation.extensions import db
from participation.notifications.services import unsubscribe_token
from participation.outcomes import services as outcomes
from participation.panels import services as panels
from participation.responses.services import due_for
from tests.deliberation.helpers import flag, open_item_for, post
from tests.factories import (
    make_category,
    make_civil_request,
    make_department,
    make_district,
    make_idea,
    make_request_category,
    make_round,
    make_user,
)
from tests.outcomes.helpers import SMALL_TIERS, after, close, vote
from tests.panels.helpers import apply_many, make_campaign, make_panel, make_service
from tests.panels.helpers import close as close_campaign
from tests.responses.helpers import answer

EMAILS = {role: f"{role}@example.kr" for role in ("resident", "official", "moderator", "admin", "field")}


def _hide(moderator, target) -> None:
    flag(make_user(), target)
    item = open_item_for(comment=target) if hasattr(target, "thread_id") else open_item_for(idea=target)
    with write_transaction():
        deliberation.decide(moderator, item, "hide", "abuse", "욕설이 있습니다.", now())
    db.session.commit()


def build_scene() -> dict:
    """Commit the objects and return the values the page table's URLs are built from."""
    moment = now()
    department = make_department("교통정책과", name_en="Transport Policy Division")
    district = make_district("한빛동", name_en="Hanbit-dong")
    category = make_category(department, "교통·보행")
    resident = make_user(email=EMAILS["resident"], display_name="한빛주민", district=district)
    official = make_user(email=EMAILS["official"], display_name="교통정책과 주무관", roles={"official"}, department=department)
    moderator = make_user(email=EMAILS["moderator"], display_name="운영자", roles={"moderator"})
    admin = make_user(email=EMAILS["admin"], display_name="관리자", roles={"admin"})
    neighbour = make_user(display_name="이웃주민")

    # A round taking ideas: the resident's idea (edit, withdraw), a comment of theirs and a neighbour's
    # comment flagged into the moderation queue; an idea and a comment of theirs hidden by moderation.
    open_round = make_round("submission", department=department, categories=[category], title="2027 주민참여예산 공모")
    idea = make_idea(open_round, resident, title="강변 산책로에 그늘 쉼터를 만들어 주세요", category=category, district=district)
    comment = post(resident, idea, "그늘이 정말 필요합니다.")
    flagged = post(neighbour, idea, "광고 글입니다.", stance="against")
    flag(make_user(), flagged)
    hidden_idea = make_idea(open_round, resident, title="숨겨진 제안", category=category)
    _hide(moderator, hidden_idea)
    hidden_comment = post(resident, idea, "숨겨질 댓글입니다.")
    _hide(moderator, hidden_comment)

    # A round whose voting closed two days ago, closed and published: one idea waits for its answer,
    # one is answered (accepted), so its progress can be reported.
    closed_round = make_round("voting", department=department, categories=[category], tiers=SMALL_TIERS, votes_per_resident=None,
                              title="2026 주민참여예산", at=moment - timedelta(days=12))
    waiting = make_idea(closed_round, title="버스정류장 그늘막 설치", category=category)
    answered = make_idea(closed_round, resident, title="횡단보도 조명 개선", category=category)
    voters = [make_user() for _ in range(4)]
    for target in (waiting, answered):
        vote(target, voters, closed_round.voting_opens_at + timedelta(hours=1))
    close(closed_round)
    with write_transaction():
        outcomes.publish_due_outcomes(after(closed_round, hours=1))
    assert due_for(waiting).department_id == department.id, "the official must be the one to answer"
    answer(official, answered, "accepted")
    db.session.commit()

    # A drawn panel with the resident in it, an open campaign and a closed one awaiting the answer,
    # and a panel still recruiting.
    panel = make_panel(admin, size=3, recruiting=False, department=department)
    apply_many(panel, [resident, make_user(), make_user()])
    with write_transaction():
        panels.draw(admin, panel, max(now(), panel.recruitment_closes_at + timedelta(seconds=1)), seed="every-page")
    service = make_service(admin, department)
    campaign = make_campaign(admin, panel, service)
    finished = make_campaign(admin, panel, service, opens=moment - timedelta(days=3), closes=moment - timedelta(hours=1), schedule=False)
    with write_transaction():
        panels.schedule_campaign(admin, finished, moment - timedelta(days=4))
    close_campaign(finished)
    recruiting = make_panel(admin, department=department)

    request_category = make_request_category(department, name_ko="가로등 고장", name_en="Broken street light")
    civil_request = make_civil_request(request_category, resident, is_public=True)
    # An answered request of the resident's, to rate (and reopen) on its page; and field staff.
    answered_request = make_civil_request(request_category, resident, title="보도블록이 깨졌어요")
    with write_transaction():
        handling.complete(official, answered_request, "resolved", "보도블록을 교체했습니다.", now())
    make_user(email=EMAILS["field"], display_name="현장 담당", roles={"field"})
    # An extra question of the category, for Open311 apps (a list, so its choices show).
    with write_transaction():
        request_attribute = request_attributes.save_attribute(
            admin, request_category, None, code="kind", datatype="singlevaluelist", required=True, order=1,
            description_ko="어떤 고장인가요?", description_en="What is wrong?",
            values=[{"key": "dark", "name_ko": "꺼짐", "name_en": "Dark"}, {"key": "flicker", "name_ko": "깜빡임", "name_en": "Flickering"}],
            now=now(),
        )
    # An API key, used once, for the key list and its revoke page.
    with write_transaction():
        api_key, secret = api_keys.issue_key(admin, "새봄 민원 앱", ["read", "open311_submit"], now())
    with write_transaction():
        api_keys.authenticate(secret, "read", now())
    db.session.commit()
    return {
        "emails": EMAILS,
        "user_id": resident.id, "department_id": department.id, "district_id": district.id, "category_id": category.id,
        "round_id": open_round.id, "closed_round_id": closed_round.id, "idea_id": idea.id, "comment_id": comment.id,
        "hidden_idea_id": hidden_idea.id, "hidden_comment_id": hidden_comment.id, "neighbour_comment_id": flagged.id,
        "waiting_idea_id": waiting.id, "answered_idea_id": answered.id,
        "item_id": open_item_for(comment=flagged).id,
        "panel_id": panel.id, "recruiting_panel_id": recruiting.id, "service_id": service.id,
        "campaign_id": campaign.id, "finished_campaign_id": finished.id,
        "request_category_id": request_category.id, "request_id": civil_request.id, "answered_request_id": answered_request.id,
        "key_id": api_key.id, "request_attribute_id": request_attribute.id,
        "token": unsubscribe_token(resident.id, "my_ideas"), "kind_name": "idea", "subject_id": idea.id,
    }
