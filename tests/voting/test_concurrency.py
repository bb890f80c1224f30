"""No vote lost or counted twice under truly parallel requests (threads, each with its own connection)."""
from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from participation.core.db import write_transaction
from participation.core.errors import ServiceError
from participation.extensions import db
from participation.ideas.models import Idea
from participation.voting import services
from participation.voting.models import Vote
from tests.conftest import PARALLEL_CONNECTIONS
from tests.factories import make_idea, make_round, make_user


def run_in_parallel(app, tasks):
    """Run every task on its own thread and connection, all released at once; returns their results."""
    # Each thread holds a connection of the app's pool while it works: more threads than the pool
    # holds would wait for one instead of racing, and could time out on a slow machine.
    assert len(tasks) <= PARALLEL_CONNECTIONS, "more parallel tasks than the test app's connection pool holds"
    barrier = threading.Barrier(len(tasks))

    def run(task):
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                return task()
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=len(tasks)) as pool:
        return list(pool.map(run, tasks))


def signed_in_clients(app, user, count):
    """`count` clients sharing one signed-in session: the same person pressing again and again."""
    first = app.test_client()
    first.login(user.email)
    token = first.csrf_token("/")  # before reading the cookie: it stores the token's secret
    cookie = first.get_cookie("gongron_session").value
    clients = []
    for _ in range(count):
        client = app.test_client()
        client.set_cookie("gongron_session", cookie)
        clients.append(client)
    return clients, token


def test_fifty_parallel_identical_votes_make_one_row_and_a_count_of_one(app, app_ctx):
    round_ = make_round("voting", votes_per_resident=3)
    idea, user = make_idea(round_), make_user()
    clients, token = signed_in_clients(app, user, 50)
    url = f"/ideas/{idea.id}/vote"  # plain values only: the test's session must not be touched from threads
    db.session.commit()
    statuses = run_in_parallel(
        app,
        [lambda c=c: c.post(url, data={"csrf_token": token}, headers={"Accept": "application/json"}).status_code for c in clients],
    )
    assert sorted(set(statuses)) == [200, 409] and statuses.count(200) == 1
    db.session.commit()  # end the test's read transaction: on SQLite it would still see the old snapshot
    assert db.session.scalar(select(func.count()).select_from(Vote)) == 1
    assert db.session.get(Idea, idea.id).vote_count == 1


def test_twenty_parallel_votes_within_an_allowance_of_three_make_exactly_three_rows(app, app_ctx):
    round_ = make_round("voting", votes_per_resident=3)
    ideas = [make_idea(round_) for _ in range(20)]
    user = make_user()
    clients, token = signed_in_clients(app, user, 20)
    urls = [f"/ideas/{i.id}/vote" for i in ideas]
    db.session.commit()
    statuses = run_in_parallel(
        app,
        [lambda c=c, url=url: c.post(url, data={"csrf_token": token}, headers={"Accept": "application/json"}).status_code
         for c, url in zip(clients, urls, strict=True)],
    )
    assert statuses.count(200) == 3 and statuses.count(409) == 17
    db.session.commit()  # end the test's read transaction: on SQLite it would still see the old snapshot
    assert db.session.scalar(select(func.count()).select_from(Vote).where(Vote.user_id == user.id)) == 3
    assert sum(db.session.get(Idea, i.id).vote_count for i in ideas) == 3


def test_two_thousand_votes_from_two_hundred_people_leave_every_counter_equal_to_its_rows(app, app_ctx):
    round_ = make_round("voting", votes_per_resident=None)
    author = make_user()
    ideas = [make_idea(round_, author).id for _ in range(40)]
    users = [make_user().id for _ in range(200)]
    moment = round_.voting_opens_at
    db.session.commit()
    rng = random.Random(7)
    plan = [(user_id, idea_id) for user_id in users for idea_id in rng.sample(ideas, 10)]
    assert len(plan) == 2000
    lock = threading.Lock()
    queue = list(plan)

    def worker():
        cast = 0
        while True:
            with lock:
                if not queue:
                    return cast
                user_id, idea_id = queue.pop()
            try:
                with write_transaction():
                    from participation.accounts.models import User

                    services.cast_vote(db.session.get(User, user_id), db.session.get(Idea, idea_id), moment)
                cast += 1
            except ServiceError:
                pass

    results = run_in_parallel(app, [worker] * 32)
    assert sum(results) == 2000
    db.session.commit()  # end the test's read transaction: on SQLite it would still see the old snapshot
    rows = dict(db.session.execute(select(Vote.idea_id, func.count()).group_by(Vote.idea_id)).all())
    counters = dict(db.session.execute(select(Idea.id, Idea.vote_count).where(Idea.id.in_(ideas))).all())
    assert sum(rows.values()) == 2000
    assert counters == {idea_id: rows.get(idea_id, 0) for idea_id in ideas}
    assert services.recount_votes(moment) == []


def test_parallel_votes_and_withdrawals_keep_the_counter_true(app, app_ctx):
    round_ = make_round("voting", votes_per_resident=None)
    idea_id = make_idea(round_).id
    users = [make_user().id for _ in range(30)]
    moment = round_.voting_opens_at
    db.session.commit()

    def flip(user_id):
        def task():
            from participation.accounts.models import User

            for action in (services.cast_vote, services.withdraw_vote, services.cast_vote):
                with write_transaction():
                    action(db.session.get(User, user_id), db.session.get(Idea, idea_id), moment)
        return task

    run_in_parallel(app, [flip(u) for u in users])
    db.session.commit()  # end the test's read transaction: on SQLite it would still see the old snapshot
    assert db.session.scalar(select(func.count()).select_from(Vote)) == 30
    assert db.session.get(Idea, idea_id).vote_count == 30


def test_a_withdrawal_clicked_ten_times_at_once_leaves_one_timeline_row(app, app_ctx):
    round_ = make_round("voting")
    author = make_user()
    idea_id = make_idea(round_, author).id
    clients, token = signed_in_clients(app, author, 10)
    db.session.commit()
    url = f"/ideas/{idea_id}/withdraw"
    statuses = run_in_parallel(app, [lambda c=c: c.post(url, data={"csrf_token": token, "reason": "중복 제안"}).status_code for c in clients])
    assert statuses.count(302) >= 1
    db.session.commit()
    idea = db.session.get(Idea, idea_id)
    assert idea.status == "withdrawn"
    assert [c.event for c in idea.timeline].count("withdrawn") == 1
