"""Review of the notifications feature: each test names a defect found and fixed."""
from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from participation.accounts import services as accounts
from participation.accounts.models import User
from participation.core.db import write_transaction
from participation.core.time import from_local, now
from participation.deliberation import services as deliberation
from participation.extensions import db
from participation.notifications import mail
from participation.notifications import services as notes
from participation.notifications.models import OutboxMessage
from tests.deliberation.helpers import flag, open_item_for
from tests.factories import PASSWORD, make_user
from tests.notifications.helpers import events_of, told, unread_counter, unread_rows, written
from tests.responses.helpers import answer, closed_round, official_of, progress, publish_round

# --- leaks: nothing is told before it is public ------------------------------------------------------


def test_an_idea_implemented_before_publication_is_not_told_before_the_outcome(app_ctx):
    """Answers (and so progress) may come before the round's outcome is published, when only the
    administration may see them: "implemented" must not reach the author or followers then."""
    closed = closed_round(publish=False)
    idea, author = closed.selected, closed.selected.author
    followers = [user_id for user_id in notes.followers("idea", idea.id) if user_id != author.id]
    assert followers
    official = official_of(closed.answering)
    answer(official, idea, "accepted")
    progress(official, idea, 100, "설치를 마쳤습니다.")

    assert events_of(author) == ["tier_reached"]
    assert all(told(user_id) == [] for user_id in followers)

    publish_round(closed.round)
    assert "own_status" not in events_of(author)
    for user_id in followers:
        about_it = [n for n in told(user_id, "status") if n.subject_id == idea.id]
        assert [n.params["status"] for n in about_it] == ["selected"]  # its result, at the publication


# --- duplicates: one event, one notification ----------------------------------------------------------


def test_restoring_a_hidden_implemented_idea_is_told_once_as_a_moderation_decision(app_ctx):
    closed = closed_round(publish=True)
    idea, author = closed.selected, closed.selected.author
    followers = [user_id for user_id in notes.followers("idea", idea.id) if user_id != author.id]
    official = official_of(closed.answering)
    answer(official, idea, "accepted")
    progress(official, idea, 100, "설치를 마쳤습니다.")
    moderator, reporter = make_user(roles={"moderator"}), make_user()
    flag(reporter, idea, "off_topic")
    with write_transaction():
        deliberation.decide(moderator, open_item_for(idea=idea), "hide", "off_topic", None, now())
    before_author = events_of(author)
    before_followers = {user_id: len(told(user_id)) for user_id in followers}

    with write_transaction():
        item = deliberation.raise_for_decision(moderator, idea, now() + timedelta(minutes=1))
        deliberation.decide(moderator, item, "restore", "no_violation", None, now() + timedelta(minutes=1))

    assert events_of(author) == [*before_author, "own_restored"]  # not also "your idea is now: implemented"
    assert {user_id: len(told(user_id)) for user_id in followers} == before_followers


# --- the daily digest ------------------------------------------------------------------------------------

EIGHT = from_local(datetime(2031, 3, 14, 8, 0))  # Seoul time


def _tell(user, n: int, event: str = "commented") -> None:
    about = notes.Subject("idea", 2000 + n, f"/ideas/{2000 + n}")
    with write_transaction():
        assert notes.notify([user.id], event, f"review:{event}:{n}", about, {"name": "이웃", "title": f"제안 {n}"}, EIGHT - timedelta(hours=3)) == 1


def _outbox_of(user) -> list[OutboxMessage]:
    db.session.expire_all()
    return [written(row) for row in db.session.scalars(select(OutboxMessage).where(OutboxMessage.user_id == user.id).order_by(OutboxMessage.id))]


def _digest_user():
    user = make_user()
    with write_transaction():
        notes.set_preferences(user, {}, True, EIGHT - timedelta(days=1))
    return user


def test_the_digest_sends_nothing_after_its_unsubscribe_link_was_used(app_ctx):
    """The digest's own link moves every kind to the list only; what waited for the digest must not
    be emailed the next morning regardless."""
    user = _digest_user()
    _tell(user, 1)
    _tell(user, 2, "reply")
    with write_transaction():
        notes.unsubscribe(notes.unsubscribe_token(user.id, "all"), EIGHT - timedelta(hours=1))
    mail.send_daily_digests(EIGHT)
    assert _outbox_of(user) == []
    assert len(told(user)) == 2  # still in the list


def test_the_digest_leaves_out_a_kind_moved_to_the_list_only(app_ctx):
    user = _digest_user()
    _tell(user, 1)  # my_ideas
    _tell(user, 2, "reply")  # replies
    with write_transaction():
        notes.set_preferences(user, {"my_ideas": "in_app"}, True, EIGHT - timedelta(hours=1))
    assert mail.send_daily_digests(EIGHT) == 1
    [digest] = _outbox_of(user)
    assert "/ideas/2002" in digest.text_body and "/ideas/2001" not in digest.text_body
    assert "(1" in digest.subject


@pytest.mark.parametrize("first", ["sweep", "switch_off"])
def test_turning_the_digest_off_while_it_is_written_sends_each_item_once(app, first):
    """The digest sweep and a person turning the digest off at the same moment (PostgreSQL runs
    them side by side) must not both email what waited, nor deadlock (which failed the request)."""
    with app.app_context():
        user = _digest_user()
        _tell(user, 1)
        _tell(user, 2)
        user_id = user.id
    writing = threading.Event()
    original = notes.queue_email

    def slow_queue_email(*args, **kwargs):
        if threading.current_thread().name == first:
            writing.set()
            time.sleep(1)  # holding its locks while the other one starts
        return original(*args, **kwargs)

    errors = []

    def sweep():
        try:
            with app.app_context():
                mail.send_daily_digests(EIGHT)
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    def switch_off():
        try:
            with app.app_context():
                with write_transaction():
                    notes.set_preferences(db.session.get(User, user_id), {}, False, EIGHT + timedelta(seconds=1))
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    notes.queue_email = slow_queue_email
    try:
        threads = {"sweep": threading.Thread(target=sweep, name="sweep"),
                   "switch_off": threading.Thread(target=switch_off, name="switch_off")}
        threads[first].start()
        assert writing.wait(timeout=10)
        second = next(thread for name, thread in threads.items() if name != first)
        second.start()
        for thread in threads.values():
            thread.join(timeout=30)
    finally:
        notes.queue_email = original
    assert errors == []
    with app.app_context():
        rows = [written(row) for row in db.session.scalars(select(OutboxMessage).where(OutboxMessage.user_id == user_id))]
        assert len(rows) == 1, [row.key for row in rows]
        assert "/ideas/2001" in rows[0].text_body and "/ideas/2002" in rows[0].text_body


# --- deleted accounts ----------------------------------------------------------------------------------


def test_a_deleted_account_is_sent_no_email_already_waiting_and_the_outbox_forgets_its_address(app_ctx):
    """An email written just before the account was deleted (or waiting out a mail server's outage)
    must not go to the address the person took away; the outbox keeps nothing of them."""
    gone, stays = make_user(), make_user()
    address = gone.email
    about = notes.Subject("idea", 1, "/ideas/1")
    with write_transaction():
        notes.notify([gone.id, stays.id], "commented", "review:deleted", about, {"name": "이웃", "title": "제안"}, now())
        notes.notify([gone.id], "reply", "review:deleted-sent", about, {"name": "이웃", "title": "제안"}, now())
    sent_first = db.session.scalar(select(OutboxMessage).where(OutboxMessage.user_id == gone.id, OutboxMessage.kind == "replies"))
    with write_transaction():
        db.session.execute(db.update(OutboxMessage).where(OutboxMessage.id == sent_first.id).values(status="sent"))
    with write_transaction():
        accounts.delete_account(gone, PASSWORD, now())

    assert mail.deliver_email_outbox(now() + timedelta(seconds=1)) == {"sent": 1, "failed": 0}
    db.session.expire_all()
    rows = list(db.session.scalars(select(OutboxMessage)))
    assert [row.to_address for row in rows] == [stays.email]
    assert all(address not in row.text_body for row in rows)


# --- the outbox and its scheduler ------------------------------------------------------------------------

T0 = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)


def _queue_two():
    people = [make_user(), make_user()]
    about = notes.Subject("idea", 1, "/ideas/1")
    with write_transaction():
        for person in people:
            notes.notify([person.id], "commented", "review:outbox", about, {"name": "이웃", "title": "제안"}, T0)
    return people


def test_a_second_scheduler_never_sends_a_message_the_first_is_still_sending(app_ctx, monkeypatch):
    """The outbox sweep runs outside the lease's transaction (own_transactions): if its holder lost
    the lease while a slow mail server kept it sending, another scheduler sweeps meanwhile. The
    message in flight must not look due to it (it did after backoff(1) counted from the first
    sweep's start)."""
    _queue_two()
    sent = []
    original = mail.send

    def slow_send(message, name):
        sent.append(message["Message-ID"])
        if len(sent) == 1:
            # While the first message is on the wire (two minutes, say), a second scheduler sweeps.
            mail.deliver_email_outbox(T0 + timedelta(minutes=2))
        original(message, name)

    monkeypatch.setattr(mail, "send", slow_send)
    mail.deliver_email_outbox(T0)
    assert sorted(sent) == sorted(set(sent)) and len(sent) == 2
    db.session.expire_all()
    assert {(row.status, row.attempts) for row in db.session.scalars(select(OutboxMessage))} == {("sent", 1)}


def test_a_mail_server_down_for_days_loses_no_message(app_ctx, monkeypatch):
    """Unreachable is not the message's fault: a long outage must not make it "dead" (never sent)."""
    _queue_two()

    def unreachable(message, name):
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(mail, "send", unreachable)
    moment = T0
    for _ in range(3 * mail.MAX_ATTEMPTS):
        mail.deliver_email_outbox(moment)
        moment += mail.BACKOFF_CAP
    db.session.expire_all()
    assert {row.status for row in db.session.scalars(select(OutboxMessage))} == {"pending"}

    monkeypatch.undo()
    assert mail.deliver_email_outbox(moment) == {"sent": 2, "failed": 0}


# --- the header's count -----------------------------------------------------------------------------------


def test_marking_all_read_while_a_notification_arrives_keeps_the_count_true(app):
    """On PostgreSQL the recount waited for the arriving notification's lock on the person's row,
    then wrote a count taken before it committed: the header showed 0 with one unread."""
    about = notes.Subject("idea", 1, "/ideas/1")
    params = {"name": "이웃", "title": "제안"}
    with app.app_context():
        user = make_user()
        user_id = user.id
        with write_transaction():
            notes.notify([user_id], "commented", "review:count:1", about, params, now())
    arrived, release = threading.Event(), threading.Event()
    errors = []

    def arrive():
        try:
            with app.app_context():
                with write_transaction():
                    notes.notify([user_id], "commented", "review:count:2", about, params, now())
                    arrived.set()
                    release.wait(timeout=10)
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
            arrived.set()

    def read_all():
        try:
            with app.app_context():
                with write_transaction():
                    notes.mark_all_read(db.session.get(User, user_id), now())
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    first = threading.Thread(target=arrive)
    first.start()
    assert arrived.wait(timeout=10)
    second = threading.Thread(target=read_all)
    second.start()
    second.join(timeout=0.5)  # it waits for the first (the row lock, or SQLite's one writer)
    release.set()
    first.join(timeout=10)
    second.join(timeout=10)
    assert errors == []
    with app.app_context():
        assert unread_counter(user_id) == unread_rows(user_id)
