"""A thread page costs a fixed number of SQL statements, however long the thread."""
from __future__ import annotations

import pytest

from participation.core.time import now
from participation.deliberation import services
from participation.deliberation.models import PER_PAGE, REPLIES_SHOWN, CommentVote, Flag, ModerationAction
from participation.extensions import db
from tests.deliberation.helpers import bulk_thread, comment_ids, signed_in, visitor
from tests.factories import make_department, make_idea, make_round, make_user

# Statements for the whole idea page (the session's user, the idea and its round, the page's
# other sections and the thread), measured on both databases with some room to spare.
MAX_STATEMENTS = 30


def discussed_idea(round_, people, *, tops: int, replies_per_top: int):
    """An idea whose thread holds tops x (1 + replies_per_top) comments, with some of every kind:
    hidden, deleted, held, an official's, the viewer's own (one hidden with a moderator's note),
    and the viewer's votes and reports."""
    idea = make_idea(round_, people["author"])
    threads = bulk_thread(idea, [people["a"], people["b"]], tops=tops, replies_per_top=replies_per_top)
    viewer, official, moderator = people["viewer"], people["official"], people["moderator"]
    for n, top in enumerate(threads):
        kind = n % 10
        if kind == 0:
            top.status = "hidden"
        elif kind == 1:
            top.status, top.body, top.body_html = "deleted", "", ""
        elif kind == 2:
            top.author_id, top.official_department_id = official.id, official.department_id
        elif kind == 3:
            top.author_id = viewer.id
        elif kind == 4:
            top.author_id, top.status = viewer.id, "hidden"
            db.session.add(
                ModerationAction(comment_id=top.id, action="hidden", reason="abuse", note="다시 써 주세요", moderator_id=moderator.id, occurred_at=now())
            )
        elif kind == 5:
            top.status, top.reply_count = "held", 0
        if n % 5 == 1:
            top.up_count, top.best_score = 2, services.wilson_lower_bound(2, 0)
            db.session.add(CommentVote(comment_id=top.id, user_id=viewer.id, value=1, created_at=now()))
        if n % 7 == 6 and top.status == "visible":
            db.session.add(Flag(comment_id=top.id, user_id=viewer.id, reason="spam", created_at=now()))
    services._recount(services.find_thread(idea), idea)
    db.session.commit()
    return idea


@pytest.fixture
def people(app_ctx):
    department = make_department(name_en="Parks Department")
    return {
        "author": make_user(),
        "a": make_user(),
        "b": make_user(),
        "viewer": make_user(display_name="읽는주민"),
        "official": make_user(roles={"official"}, department=department),
        "moderator": make_user(roles={"moderator"}),
    }


def statements_for(client, url: str, count_queries) -> int:
    client.get(url)  # warm up: caches that fill once per process are not the thread's cost
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements)


def test_a_thread_page_needs_the_same_statements_for_60_or_500_comments(people, make_client, count_queries):
    round_ = make_round("voting")
    small = discussed_idea(round_, people, tops=20, replies_per_top=2)  # 60 comments
    large = discussed_idea(round_, people, tops=100, replies_per_top=4)  # 500 comments
    clients = {"visitor": visitor(make_client), "resident": signed_in(make_client, people["viewer"])}

    large_page = clients["resident"].get(f"/ideas/{large.id}")
    assert len(comment_ids(large_page, depth=0)) == PER_PAGE and len(comment_ids(large_page)) > PER_PAGE + 100
    assert "Official · Parks Department" in large_page.text and "다시 써 주세요" in large_page.text
    assert '<span class="muted">Reported</span>' in large_page.text and "vote-up chosen" in large_page.text
    assert REPLIES_SHOWN > 4  # every reply of the large thread is on its page

    for sort in ("oldest", "best"):
        for who, client in clients.items():
            counts = [statements_for(client, f"/ideas/{idea.id}?sort={sort}", count_queries) for idea in (small, large)]
            assert counts[0] == counts[1], f"{who}, {sort}: {counts[0]} statements for 60 comments, {counts[1]} for 500"
            assert counts[1] <= MAX_STATEMENTS, f"{who}, {sort}: {counts[1]} statements"

    # A comment's own page, with all its replies, costs the same in either thread.
    top_ids = [comment_ids(clients["resident"].get(f"/ideas/{idea.id}"), depth=0)[2] for idea in (small, large)]
    own = [statements_for(clients["resident"], f"/comments/{top_id}", count_queries) for top_id in top_ids]
    assert own[0] == own[1] <= MAX_STATEMENTS


def test_a_later_page_costs_no_more(people, make_client, count_queries):
    round_ = make_round("voting")
    # Page 2 of either holds one of the viewer's own hidden comments.
    small = discussed_idea(round_, people, tops=70, replies_per_top=0)
    large = discussed_idea(round_, people, tops=160, replies_per_top=0)
    client = signed_in(make_client, people["viewer"])
    pages = [statements_for(client, f"/ideas/{idea.id}?page=2", count_queries) for idea in (small, large)]
    assert pages[0] == pages[1] <= MAX_STATEMENTS
