"""Followers hear of an idea's result at publication; a place filled later is told; a deleted
account is told nothing more."""
from __future__ import annotations

from participation.accounts import services as accounts
from participation.core.db import write_transaction
from participation.core.time import now
from participation.notifications import services as notes
from participation.outcomes import services as outcomes
from tests.factories import PASSWORD, make_user
from tests.notifications.helpers import told
from tests.outcomes.helpers import after, close, voting_round
from tests.panels.helpers import apply_many, make_admin, make_panel


def test_followers_of_an_idea_learn_its_result_at_publication_not_at_the_close(app_ctx):
    round_, ideas, voters = voting_round(votes=(6, 1))
    leader, trailer = ideas
    fan = make_user()
    with write_transaction():
        notes.follow(fan, "idea", leader.id, now())
        notes.follow(fan, "idea", trailer.id, now())
    close(round_)
    assert told(fan) == []  # the selection is not public yet
    with write_transaction():
        outcomes.publish_due_outcomes(after(round_, hours=1))
    statuses = {n.subject_id: n.params["status"] for n in told(fan, "status")}
    assert statuses == {leader.id: "selected", trailer.id: "not_selected"}
    with write_transaction():
        outcomes.publish_due_outcomes(after(round_, hours=2))
    assert len(told(fan, "status")) == 2


def test_a_place_filled_from_the_reserve_tells_the_new_member(app_ctx):
    admin = make_admin()
    panel = make_panel(admin, size=1, recruiting=False, strata=())
    people = [make_user() for _ in range(2)]
    apply_many(panel, people)
    from participation.panels import services as panels

    with write_transaction():
        panels.draw(admin, panel, now(), seed="late")
    member = panels.members(panel)[0]
    reserve = next(p for p in people if p.id != member.user_id)
    assert [n.event for n in told(reserve)] == ["panel_not_selected"]
    with write_transaction():
        panels.leave(member.user, panel, now())
    with write_transaction():
        panels.fill_place(admin, panel, now())
    assert [n.event for n in told(reserve)] == ["panel_not_selected", "panel_selected"]


def test_a_deleted_account_follows_nothing_and_is_told_nothing(app_ctx):
    round_, [idea], _voters = voting_round(votes=(1,))
    gone = make_user()
    with write_transaction():
        notes.follow(gone, "idea", idea.id, now())
    with write_transaction():
        accounts.delete_account(gone, PASSWORD, now())
    assert gone.id not in notes.followers("idea", idea.id)
    close(round_)
    with write_transaction():
        outcomes.publish_due_outcomes(after(round_, hours=1))
    assert told(gone) == []


def test_a_backlog_larger_than_a_batch_drains_in_one_sweep(app_ctx, monkeypatch):
    from participation.extensions import db
    from participation.notifications import mail
    from participation.notifications.models import OutboxMessage

    monkeypatch.setattr(mail, "BATCH", 3)
    people = [make_user() for _ in range(7)]
    with write_transaction():
        for person in people:
            notes.queue_email(person.id, "followed", f"backlog:{person.id}", [("outcome_published", {"round": "회차"}, "/rounds/1")], now())
    assert mail.deliver_email_outbox(now()) == {"sent": 7, "failed": 0}
    assert {row.status for row in db.session.scalars(db.select(OutboxMessage))} == {"sent"}


def test_telling_many_people_costs_a_fixed_number_of_statements(app_ctx, count_queries):
    """An answer to an idea with thousands of followers must not hold its transaction for long:
    notify() costs the same statements for 5 people as for 60 (rows go in chunks)."""
    counts = {}
    for size in (5, 60):
        people = [make_user().id for _ in range(size)]
        about = notes.Subject("idea", 1, "/ideas/1")
        with write_transaction():
            with count_queries() as statements:
                told = notes.notify(people, "answered", f"many:{size}", about, {"title": "그늘막", "decision": "accepted"}, now())
        assert told == size
        counts[size] = len(statements)
    assert counts[5] == counts[60], counts


def test_a_double_clicked_follow_button_still_follows(client, app_ctx):
    round_, [idea], _voters = voting_round(votes=(1,))
    person = make_user()
    client.login(person.email)
    for _click in range(2):  # the second click comes from the same, stale page
        client.post_form(f"/follow/idea/{idea.id}", {"action": "follow", "next": f"/ideas/{idea.id}"}, token_from=f"/ideas/{idea.id}")
    assert notes.is_following(person, "idea", idea.id)
    for _click in range(2):
        client.post_form(f"/follow/idea/{idea.id}", {"action": "unfollow", "next": f"/ideas/{idea.id}"}, token_from=f"/ideas/{idea.id}")
    assert not notes.is_following(person, "idea", idea.id)
