"""The issue's end-to-end story: discuss with a stance, reply, three reports hide a comment, a moderator restores it."""
from __future__ import annotations

from sqlalchemy import select

from participation.deliberation.models import Comment, ModerationAction
from participation.extensions import db
from tests.factories import make_idea, make_round, make_user


def test_discuss_flag_hide_and_restore(client, make_client, app_ctx):
    round_ = make_round("voting")
    idea = make_idea(round_)
    alice = make_user(display_name="앨리스")
    client.login(alice.email)
    client.use_english()
    response = client.post_form(f"/threads/idea/{idea.id}/comments", {"stance": "for", "body": "좋은 생각입니다. 벤치가 꼭 필요해요."})
    assert response.status_code == 302, response.text
    first = db.session.scalar(select(Comment))
    bob = make_user(display_name="밥")
    bob_client = make_client()
    bob_client.login(bob.email)
    response = bob_client.post_form(f"/threads/idea/{idea.id}/comments", {"stance": "against", "body": "예산이 걱정됩니다.", "parent_id": str(first.id)})
    assert response.status_code == 302, response.text
    page = client.get(f"/ideas/{idea.id}")
    assert "좋은 생각입니다" in page.text and "예산이 걱정됩니다" in page.text

    for _n in range(3):
        flagger = make_user()
        c = make_client()
        c.login(flagger.email)
        response = c.post_form(f"/comments/{first.id}/flag", {"reason": "abuse"})
        assert response.status_code == 302, response.text
    db.session.expire_all()
    assert db.session.get(Comment, first.id).status == "hidden"
    assert "좋은 생각입니다" not in make_client().get(f"/ideas/{idea.id}").text

    moderator = make_user(roles={"moderator"})
    mod = make_client()
    mod.login(moderator.email)
    mod.use_english()
    queue = mod.get("/moderation")
    assert "좋은 생각입니다" in queue.text
    item_id = db.session.scalar(select(ModerationAction.comment_id))
    assert item_id == first.id
    from participation.deliberation.models import ModerationItem

    item = db.session.scalar(select(ModerationItem))
    response = mod.post_form(f"/moderation/items/{item.id}", {f"item-{item.id}-decision": "restore", f"item-{item.id}-reason": "no_violation", f"item-{item.id}-note": "괜찮습니다"})
    assert response.status_code == 302, response.text
    db.session.expire_all()
    assert db.session.get(Comment, first.id).status == "visible"
    log = make_client()
    log.use_english()
    text = log.get("/moderation/log").text
    assert "Restored by moderators" in text and "No rule was broken" in text
    assert moderator.display_name not in text
