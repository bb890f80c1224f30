"""Every event of issue 8: who is told (exactly once), that the person who acted is never told of
their own action, and that running the sweep, the signal or the service again tells nobody twice."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from participation.core import signals
from participation.core.db import write_transaction
from participation.core.errors import ServiceError
from participation.core.time import from_local, now, to_local
from participation.deliberation import services as deliberation
from participation.deliberation.models import Comment
from participation.extensions import db
from participation.ideas import services as ideas
from participation.notifications import services as notes
from participation.notifications.models import Follow
from participation.outcomes import services as outcomes
from participation.panels import services as panels
from participation.responses import services as responses
from participation.rounds import services as rounds
from participation.voting import services as voting
from tests.deliberation.helpers import flag, open_item_for, post, signed_in
from tests.factories import make_category, make_department, make_idea, make_round, make_user
from tests.notifications.helpers import events_of, resend, snapshot, told
from tests.outcomes.helpers import after, close, vote, voting_round
from tests.panels.helpers import apply_many, campaign_between, make_admin, make_panel, make_service
from tests.panels.helpers import close as close_campaign
from tests.responses.helpers import answer, closed_round, official_of, progress, publish_round, set_due

# --- the author of an idea ----------------------------------------------------------------------------------


def test_votes_past_a_tier_tell_the_author_once_per_tier_and_no_voter(app_ctx):
    round_, [idea], voters = voting_round(votes=(5,))  # tiers at 3 and 5 votes
    author = idea.author
    reached = told(author, "tier_reached")
    assert [n.params["threshold"] for n in reached] == [3, 5]
    assert all(n.key.startswith(f"tier:{idea.id}:") and n.path == f"/ideas/{idea.id}" for n in reached)
    assert events_of(author) == ["tier_reached", "tier_reached"]
    assert all(told(voter) == [] for voter in voters)

    before = snapshot()
    later = round_.voting_opens_at + timedelta(hours=2)
    with write_transaction():
        voting.withdraw_vote(voters[0], idea, later)
    vote(idea, voters[:1], later)  # back past both tiers: each was reached once
    resend(signals.tier_reached, idea, tier=idea.round.tiers[0], due_at=later + timedelta(days=14), now=later)
    assert snapshot() == before


def test_a_comment_tells_the_idea_author_never_the_commenter(app_ctx, make_client):
    _round, [idea], [voter] = voting_round(votes=(1,))
    author, commenter = idea.author, make_user(display_name="댓글쓴이")
    client = signed_in(make_client, commenter)
    posted = client.post_form(f"/threads/idea/{idea.id}/comments", {"stance": "for", "body": "좋은 생각입니다."})
    assert posted.status_code == 302

    [note] = told(author, "commented")
    assert note.params["name"] == "댓글쓴이" and note.params["title"] == idea.title
    assert note.path.startswith(f"/ideas/{idea.id}#comment-")
    assert told(commenter) == [] and told(voter) == []  # following an idea is not following its discussion

    post(author, idea, "제 제안에 덧붙입니다.")  # the author's own comment tells nobody
    assert told(author) == [note] and told(commenter) == []

    before = snapshot()
    comment = db.session.get(Comment, int(note.path.rsplit("#comment-", 1)[1]))
    resend(signals.comment_posted, comment, subject=idea, now=now())
    assert snapshot() == before


def test_progress_to_100_percent_tells_the_author_and_followers_that_it_is_implemented(app_ctx):
    closed = closed_round(publish=True)
    idea, author = closed.selected, closed.selected.author
    followers = [row for row in notes.followers("idea", idea.id) if row != author.id]
    assert len(followers) == 3  # the voters
    official = official_of(closed.answering)
    with write_transaction():
        notes.follow(official, "idea", idea.id, now())  # an official who also follows the idea
    answer(official, idea, "accepted")
    before_status = snapshot()
    progress(official, idea, 40, "설계를 마쳤습니다.")
    assert snapshot() == before_status  # progress below 100% is not a change of status
    progress(official, idea, 100, "설치를 마쳤습니다.")

    [own] = told(author, "own_status")
    assert own.params == {"title": idea.title, "status": "implemented"}
    assert told(author, "status") == []
    for user_id in followers:
        # Followers heard of its selection at the publication, and now of its implementation.
        about_it = [n for n in told(user_id, "status") if n.subject_id == idea.id]
        assert [n.params["status"] for n in about_it] == ["selected", "implemented"]
        assert about_it[-1].key == own.key
    assert told(official, "status") == [] and told(official, "own_status") == []

    before = snapshot()
    progress(official, idea, 100, "마무리 점검을 했습니다.")  # already implemented: no change
    resend(signals.idea_status_changed, idea, from_status="answered", to_status="implemented", actor=official, now=own.created_at)
    assert snapshot() == before


def test_a_withdrawn_idea_tells_its_followers_not_its_author(app_ctx):
    _round, [idea, other], voters = voting_round(votes=(2, 1))
    author, follower = idea.author, make_user()
    with write_transaction():
        notes.follow(follower, "idea", idea.id, now())
    with write_transaction():
        ideas.withdraw_idea(author, idea, "예산이 이미 배정되었습니다.", now())

    for person in (*voters[:2], follower):
        [note] = told(person, "status")
        assert note.params["status"] == "withdrawn" and note.path == f"/ideas/{idea.id}"
    assert told(author, "status") == [] and told(author, "own_status") == []
    assert told(other.author) == []

    before = snapshot()
    with pytest.raises(ServiceError):  # already withdrawn
        with write_transaction():
            ideas.withdraw_idea(author, idea, "다시", now())
    assert snapshot() == before


def test_an_answer_after_publication_is_told_at_once_to_the_author_and_followers_not_the_official(app_ctx):
    closed = closed_round(publish=True)
    idea, author = closed.selected, closed.selected.author
    voters = [row for row in notes.followers("idea", idea.id) if row != author.id]
    official = official_of(closed.answering)
    with write_transaction():
        notes.follow(official, "idea", idea.id, now())
    revision = answer(official, idea, "accepted")

    [own] = told(author, "own_answered")
    assert own.params == {"title": idea.title, "decision": "accepted"} and own.key == f"answer:{revision.id}"
    assert own.path == f"/ideas/{idea.id}#official-response"
    assert told(author, "answered") == []
    for user_id in voters:
        assert len(told(user_id, "answered")) == 1
    assert told(official, "answered") == [] and told(official, "own_answered") == []

    before = snapshot()
    answer(official, idea, "accepted")  # the same answer again (a double click) is no new revision
    resend(signals.response_posted, revision, idea=idea, now=now())
    assert snapshot() == before


def test_an_answer_before_publication_is_told_at_the_publication_once(app_ctx):
    closed = closed_round(publish=False)
    idea, author = closed.selected, closed.selected.author
    voters = [row for row in notes.followers("idea", idea.id) if row != author.id]
    official = official_of(closed.answering)
    answer(official, idea, "partially_accepted")
    assert events_of(author) == ["tier_reached"] and all(told(v) == [] for v in voters)  # the answer is not public yet

    publish_round(closed.round)
    assert sorted(events_of(author)) == ["own_answered", "own_selected", "tier_reached"]
    assert told(author, "own_answered")[0].params["decision"] == "partially_accepted"
    for user_id in voters:
        assert events_of(user_id).count("answered") == 1
    assert events_of(closed.not_selected.author) == ["own_not_selected"]
    assert told(official) == []

    before = snapshot()
    with write_transaction():
        assert outcomes.publish_due_outcomes(closed.round.publishes_at + timedelta(hours=2)) == 0
    answer(official, idea, "partially_accepted")  # unchanged: no new revision, nothing to tell
    assert snapshot() == before


def test_the_official_who_answered_before_publication_is_not_told_of_their_own_answer(app_ctx):
    closed = closed_round(publish=False)
    idea = closed.selected
    official = official_of(closed.answering)
    with write_transaction():
        notes.follow(official, "idea", idea.id, now())
    answer(official, idea, "accepted")
    publish_round(closed.round)
    assert told(official, "answered") == []


def test_the_admin_who_publishes_early_is_not_told_of_their_own_publication(app_ctx):
    closed = closed_round(publish=False, publish_delay_hours=72)
    answer(official_of(closed.answering), closed.selected, "accepted")
    admin, follower = make_user(roles={"admin"}), make_user()
    with write_transaction():
        notes.follow(admin, "round", closed.round.id, now())
        notes.follow(follower, "round", closed.round.id, now())
    with write_transaction():
        outcomes.publish_early(admin, closed.round, now())
    assert events_of(follower) == ["outcome_published"]
    assert told(admin) == []


def test_moderators_hiding_and_restoring_an_idea_tell_its_author_only(app_ctx):
    _round, [idea], [voter] = voting_round(votes=(1,))
    author, reporter, moderator = idea.author, make_user(), make_user(roles={"moderator"})
    flag(reporter, idea, "off_topic")
    with write_transaction():
        deliberation.decide(moderator, open_item_for(idea=idea), "hide", "off_topic", "주제와 맞지 않습니다.", now())
    [hidden] = told(author, "own_hidden")
    assert hidden.params == {"what": "idea", "title": idea.title, "reason": "off_topic"}
    with write_transaction():
        item = deliberation.raise_for_decision(moderator, idea, now())
        action = deliberation.decide(moderator, item, "restore", "no_violation", None, now())
    [restored] = told(author, "own_restored")
    assert restored.params["what"] == "idea"
    assert events_of(author) == ["own_hidden", "own_restored"]
    assert told(reporter) == [] and told(moderator) == [] and told(voter) == []  # hiding is not a status followers hear of

    before = snapshot()
    resend(signals.moderation_decided, action, now=now())
    assert snapshot() == before


def test_three_reports_hide_a_comment_and_its_author_is_told_once(app_ctx):
    _round, [idea], _voters = voting_round(votes=(0,))
    writer = make_user()
    comment = post(writer, idea, "문제가 되는 댓글")
    reporters = [make_user() for _ in range(3)]
    flag(reporters[0], comment, "spam")
    flag(reporters[1], comment, "abuse")
    assert told(writer) == []
    flag(reporters[2], comment, "spam")  # the third report hides it until a moderator looks
    [hidden] = told(writer, "own_hidden")
    assert hidden.params == {"what": "comment", "title": idea.title, "reason": "spam"}
    assert all(told(r) == [] for r in reporters)

    moderator = make_user(roles={"moderator"})
    with write_transaction():
        deliberation.decide(moderator, open_item_for(comment=comment), "restore", "no_violation", None, now())
    assert events_of(writer) == ["own_hidden", "own_restored"]
    assert told(moderator) == []
    assert events_of(idea.author) == ["commented"]  # told once, when it was posted; not again when shown again


def test_a_reply_tells_the_author_of_the_comment_replied_to(app_ctx):
    _round, [idea], _voters = voting_round(votes=(0,))
    first, second = make_user(), make_user(display_name="답글쓴이")
    parent = post(first, idea, "첫 의견입니다.")
    reply = post(second, idea, "동의합니다.", parent=parent)
    [note] = told(first, "reply")
    assert note.key == f"reply:{reply.id}" and note.params["name"] == "답글쓴이"
    assert note.path == f"/ideas/{idea.id}#comment-{reply.id}"
    assert told(second) == []

    post(first, idea, "제 의견에 덧붙입니다.", parent=parent)  # replying to oneself tells nobody of a reply
    assert told(first) == [note]
    assert events_of(idea.author) == ["commented"] * 3

    before = snapshot()
    resend(signals.comment_posted, reply, subject=idea, now=now())
    assert snapshot() == before


def test_a_reply_to_the_authors_own_comment_on_their_idea_is_told_once(app_ctx):
    _round, [idea], _voters = voting_round(votes=(0,))
    author, other = idea.author, make_user()
    own = post(author, idea, "제안자가 설명을 덧붙입니다.")
    assert told(author) == []
    post(other, idea, "질문이 있습니다.", parent=own)
    assert len(told(author)) == 1  # one comment, one notification (not "commented" and "reply" both)
    assert events_of(author) == ["reply"]


def test_a_held_comment_is_told_to_the_idea_author_when_a_moderator_publishes_it(app_ctx):
    _round, [idea], _voters = voting_round(votes=(0,))
    newcomer = make_user()  # a new account: a first comment with a link waits for a moderator
    held = post(newcomer, idea, "자세한 내용은 [여기](https://example.kr/info)를 보세요.")
    assert held.status == "held"
    assert told(idea.author) == []
    moderator = make_user(roles={"moderator"})
    with write_transaction():
        deliberation.decide(moderator, open_item_for(comment=held), "restore", "no_violation", None, now())
    [note] = told(idea.author, "commented")
    assert note.key == f"comment:{held.id}"
    assert events_of(newcomer) == ["own_restored"]
    assert told(moderator) == []


# --- followers of an idea or a round ---------------------------------------------------------------------------


def test_round_phases_are_told_to_the_rounds_followers_once_each(app_ctx):
    round_ = make_round("upcoming")
    follower, bystander = make_user(), make_user()
    with write_transaction():
        notes.follow(follower, "round", round_.id, now())

    def sweep(at):
        with write_transaction():
            return rounds.announce_phases(at)

    assert sweep(round_.submission_opens_at - timedelta(minutes=1)) == 0
    assert sweep(round_.submission_opens_at) == 1
    assert sweep(round_.submission_opens_at + timedelta(minutes=1)) == 0
    assert sweep(round_.voting_opens_at - timedelta(hours=1)) == 0  # review is not announced
    assert sweep(round_.voting_opens_at) == 1
    assert sweep(round_.voting_opens_at + timedelta(days=1)) == 0
    phases = told(follower, "round_phase")
    assert [n.params["phase"] for n in phases] == ["submission", "voting"]
    assert {n.path for n in phases} == {f"/rounds/{round_.id}"}
    assert told(bystander) == []

    before = snapshot()
    resend(signals.round_phase_changed, round_, phase="voting", now=round_.voting_opens_at)
    assert snapshot() == before


def test_a_round_found_in_voting_after_downtime_announces_only_voting(app_ctx):
    round_ = make_round("upcoming")
    follower = make_user()
    with write_transaction():
        notes.follow(follower, "round", round_.id, now())
    with write_transaction():
        assert rounds.announce_phases(round_.voting_opens_at + timedelta(hours=3)) == 1
    with write_transaction():
        assert rounds.announce_phases(round_.voting_opens_at + timedelta(hours=4)) == 0
    assert [n.params["phase"] for n in told(follower)] == ["voting"]


def test_closing_and_publishing_a_round_tell_its_followers_and_authors_once(app_ctx):
    round_, ideas_, voters = voting_round(votes=(6, 4, 3, 1, 0))
    follower = make_user()
    with write_transaction():
        notes.follow(follower, "round", round_.id, now())
    with write_transaction():
        ideas.withdraw_idea(ideas_[4].author, ideas_[4], "다른 제안과 같습니다.", now())
    withdrawn_author = ideas_[4].author
    before_close = {author.id: len(told(author)) for author in (i.author for i in ideas_)}

    close(round_)
    [closed] = told(follower, "round_closed")
    assert closed.params["round"] == round_.title and closed.path == f"/rounds/{round_.id}"
    assert all(told(v, "round_closed") == [] for v in voters)  # they follow ideas, not the round
    before = snapshot()
    with write_transaction():
        assert outcomes.close_due_rounds(after(round_, minutes=5)) == 0
    resend(signals.round_closed, round_, outcome=None, now=after(round_))
    assert snapshot() == before

    with write_transaction():
        assert outcomes.publish_due_outcomes(after(round_, hours=1)) == 1
    [published] = told(follower, "outcome_published")
    assert published.path == f"/rounds/{round_.id}/outcome"
    results = {i.id: [n.event for n in told(i.author) if n.event.startswith("own_")] for i in ideas_}
    assert results[ideas_[0].id] == ["own_selected"] and results[ideas_[2].id] == ["own_selected"]  # 3 votes: the first tier
    assert results[ideas_[3].id] == ["own_not_selected"]
    assert len(told(withdrawn_author)) == before_close[withdrawn_author.id]  # a withdrawn idea has no result to tell
    assert all(told(v, "outcome_published") == [] for v in voters)

    before = snapshot()
    with write_transaction():
        assert outcomes.publish_due_outcomes(after(round_, hours=2)) == 0
    assert snapshot() == before


# --- panel applicants and members --------------------------------------------------------------------------


def _panel_with_reserve():
    """A lottery panel of 2 drawn from 4 applicants: (panel, selected, not selected, admin)."""
    admin = make_admin()
    panel = make_panel(admin, size=2, recruiting=False)
    people = [make_user() for _ in range(4)]
    apply_many(panel, people)
    with write_transaction():
        panels.draw(admin, panel, max(now(), panel.recruitment_closes_at + timedelta(seconds=1)), seed="notify-seed")
    members = set(panels.member_ids(panel.id))
    return panel, [p for p in people if p.id in members], [p for p in people if p.id not in members], admin


def test_the_draw_tells_each_applicant_whether_they_were_selected(app_ctx):
    panel, selected, reserve, admin = _panel_with_reserve()
    assert len(selected) == 2 and len(reserve) == 2
    for person in selected:
        assert events_of(person) == ["panel_selected"]
    for person in reserve:
        assert events_of(person) == ["panel_not_selected"]
    assert told(selected[0])[0].params == {"panel": panel.name}
    assert told(admin) == []

    before = snapshot()
    resend(signals.panel_selection_made, panel, selected=[p.id for p in selected], not_selected=[p.id for p in reserve], now=now())
    assert snapshot() == before


def test_campaigns_opening_closing_soon_closed_and_published_are_told_to_members_once(app_ctx):
    panel, members, reserve, admin = _panel_with_reserve()
    opens = now() + timedelta(days=2)
    campaign = campaign_between(admin, panel, make_service(admin), opens, opens + timedelta(days=7))

    def sweep(at):
        with write_transaction():
            return panels.announce_campaigns(at)

    assert sweep(opens - timedelta(minutes=1)) == {"opened": 0, "closing": 0}
    assert sweep(opens) == {"opened": 1, "closing": 0}
    assert sweep(opens + timedelta(hours=1)) == {"opened": 0, "closing": 0}
    closing_soon = campaign.closes_at - timedelta(hours=24)
    assert sweep(closing_soon - timedelta(minutes=1)) == {"opened": 0, "closing": 0}
    assert sweep(closing_soon) == {"opened": 0, "closing": 1}
    assert sweep(closing_soon + timedelta(hours=1)) == {"opened": 0, "closing": 0}

    close_campaign(campaign)
    assert close_campaign(campaign) is None  # closed once
    assert panels.publish_due_scorecards(campaign.publishes_at - timedelta(seconds=1)) == 0
    assert panels.publish_due_scorecards(campaign.publishes_at) == 1
    assert panels.publish_due_scorecards(campaign.publishes_at + timedelta(hours=1)) == 0

    expected = ["campaign_opened", "campaign_closing", "campaign_closed", "scorecard_published"]
    for member in members:
        assert events_of(member) == ["panel_selected", *expected]
    for person in reserve:
        assert events_of(person) == ["panel_not_selected"]
    assert told(admin) == []
    note = told(members[0], "scorecard_published")[0]
    assert note.path == f"/campaigns/{campaign.id}/scorecard" and note.params == {"campaign": campaign.title}
    assert told(members[0], "campaign_opened")[0].path == f"/campaigns/{campaign.id}"

    before = snapshot()
    for signal in (signals.campaign_opened, signals.campaign_closing_soon, signals.campaign_closed, signals.scorecard_published):
        resend(signal, campaign, members=[m.id for m in members], now=now())
    assert snapshot() == before


def test_a_campaign_found_closing_within_a_day_is_told_only_as_closing(app_ctx):
    panel, members, _reserve, admin = _panel_with_reserve()
    opens = now() + timedelta(days=1)
    campaign = campaign_between(admin, panel, make_service(admin), opens, opens + timedelta(days=3))
    with write_transaction():
        assert panels.announce_campaigns(campaign.closes_at - timedelta(hours=12)) == {"opened": 0, "closing": 1}
    assert events_of(members[0]) == ["panel_selected", "campaign_closing"]


# --- officials ------------------------------------------------------------------------------------------------


def test_a_new_idea_is_told_to_the_officials_of_its_department_only(app_ctx):
    routed, elsewhere = make_department(), make_department()
    category, other_category = make_category(routed), make_category(elsewhere)
    round_ = make_round("submission", categories=[category, other_category])
    first, second = make_user(roles={"official"}, department=routed), make_user(roles={"official"}, department=routed)
    outsider, admin = make_user(roles={"official"}, department=elsewhere), make_user(roles={"admin"})

    idea = make_idea(round_, title="가로등을 늘려 주세요", category=category)
    for official in (first, second):
        [note] = told(official, "routed_idea")
        assert note.params == {"title": "가로등을 늘려 주세요", "department": routed.name_ko} and note.path == f"/ideas/{idea.id}"
    assert told(outsider) == [] and told(admin) == [] and told(idea.author) == []

    mine = make_idea(round_, author=first, title="공무원도 주민입니다", category=category)
    assert [n.params["title"] for n in told(first)] == ["가로등을 늘려 주세요"]  # not told of their own idea
    assert [n.params["title"] for n in told(second)] == ["가로등을 늘려 주세요", "공무원도 주민입니다"]

    before = snapshot()
    resend(signals.idea_submitted, mine, now=now())
    assert snapshot() == before


def test_answers_due_soon_overdue_daily_and_a_week_late_are_told_once_each(app_ctx):
    round_, [idea], _ = voting_round(votes=(3,), selection_rule="top_n", selection_top_n=1)
    close(round_)
    seoul_morning = from_local(datetime.combine(to_local(round_.voting_closes_at).date() + timedelta(days=14), datetime.min.time())
                               + timedelta(hours=10))
    due = set_due(idea, seoul_morning)  # due at 10:00 Seoul time
    officials = [official_of(due.department), official_of(due.department)]
    outsider = official_of(make_department())
    admins = [make_user(roles={"admin"})]
    round_admins = [a for a in notes.admins() if a != admins[0].id]

    def sweep(at):
        with write_transaction():
            return responses.remind_overdue_responses(at)

    assert sweep(due.due_at - timedelta(days=3))["due_soon"] == 1
    assert sweep(due.due_at - timedelta(days=2))["due_soon"] == 0
    for official in officials:
        [soon] = told(official, "due_soon")
        assert soon.params["title"] == idea.title and soon.path == "/responses/inbox"

    assert sweep(due.due_at)["overdue"] == 1
    assert sweep(due.due_at + timedelta(hours=5))["overdue"] == 0  # 15:00 the same Seoul day
    before = snapshot()
    # Even a reminder sent again that day (another job, a retry) is the day's one notification.
    resend(signals.response_reminder, due, kind="overdue", now=due.due_at + timedelta(hours=13))  # 23:00 Seoul
    assert snapshot() == before
    assert sweep(due.due_at + timedelta(days=1))["overdue"] == 1
    for official in officials:
        assert [n.key.rsplit(":", 1)[1] for n in told(official, "overdue")] == [
            to_local(due.due_at).date().isoformat(), (to_local(due.due_at).date() + timedelta(days=1)).isoformat()]
    assert all(told(official, "admins_alert") == [] for official in officials)
    assert all(told(a) == [] for a in admins)

    assert sweep(due.due_at + timedelta(days=6, hours=23))["admins"] == 0
    assert sweep(due.due_at + timedelta(days=7))["admins"] == 1
    assert sweep(due.due_at + timedelta(days=7, hours=1))["admins"] == 0
    for admin_id in [a.id for a in admins] + round_admins:
        assert events_of(admin_id) == ["admins_alert"]
    for official in officials:
        assert events_of(official) == ["due_soon", "overdue", "overdue", "overdue"]
    assert told(outsider) == []


# --- follows ---------------------------------------------------------------------------------------------------


def _follow_row(user, idea):
    db.session.expire_all()
    return db.session.scalar(select(Follow).where(Follow.user_id == user.id, Follow.subject_kind == "idea", Follow.subject_id == idea.id))


def test_authors_and_voters_follow_automatically_and_unfollowing_stops_the_news(app_ctx, make_client):
    _round, [idea], [stays, leaves] = voting_round(votes=(2,))
    assert notes.is_following(idea.author, "idea", idea.id) and _follow_row(idea.author, idea).automatic
    assert notes.is_following(stays, "idea", idea.id) and notes.is_following(leaves, "idea", idea.id)

    client = signed_in(make_client, leaves)
    assert client.post_form(f"/follow/idea/{idea.id}", {"next": f"/ideas/{idea.id}"}).status_code == 302
    assert not notes.is_following(leaves, "idea", idea.id)
    with write_transaction():
        ideas.withdraw_idea(idea.author, idea, "사정이 생겼습니다.", now())
    assert events_of(stays) == ["status"]
    assert told(leaves) == []


def test_an_automatic_follow_never_undoes_an_unfollow(app_ctx, make_client):
    round_, [idea, _other], [voter] = voting_round(votes=(1, 0))
    during = round_.voting_opens_at + timedelta(hours=2)
    with write_transaction():
        notes.unfollow(voter, "idea", idea.id, during)
    with write_transaction():
        voting.withdraw_vote(voter, idea, during)
    vote(idea, [voter], during)  # voting again follows automatically, but the person said no
    row = _follow_row(voter, idea)
    assert row is not None and row.active is False
    with write_transaction():
        ideas.withdraw_idea(idea.author, idea, "사정이 생겼습니다.", now())
    assert told(voter) == []

    # Following again on purpose works (the page's toggle).
    again = signed_in(make_client, voter)
    assert again.post_form(f"/follow/idea/{_other.id}").status_code == 302
    assert notes.is_following(voter, "idea", _other.id)
    assert again.post_form(f"/follow/idea/{idea.id}").status_code == 302
    assert _follow_row(voter, idea).active is True and _follow_row(voter, idea).automatic is False


def test_a_tier_of_one_vote_is_told_in_the_singular(app):
    from flask import session

    from participation.notifications.events import text_of

    with app.test_request_context("/"):
        session["lang"] = "en"
        one = text_of("tier_reached", {"title": "그늘막", "threshold": 1, "due": "2026-12-10T03:00:00+00:00"})
        many = text_of("tier_reached", {"title": "그늘막", "threshold": 1000, "due": "2026-12-10T03:00:00+00:00"})
    assert one.startswith("Your idea “그늘막” reached 1 vote: an official answer is now due by Dec 10, 2026")
    assert many.startswith("Your idea “그늘막” reached 1,000 votes:")
