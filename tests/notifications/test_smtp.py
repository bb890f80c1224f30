"""The email outbox delivered over SMTP, against a real mail server each test starts on 127.0.0.1
(aiosmtpd). Time is driven by the sweep's `now`, never by sleeping; the server answers at once or
not at all, and MAIL_TIMEOUT is short, so the slowest test waits a few seconds at most.

What is checked: every message arrives once with its headers and both parts; a server that is down
or refuses (4xx, 5xx) leaves the messages pending with backoff, nothing lost, and a request that
writes an outbox row never talks to the mail server; after recovery each message arrives once;
two sweeps at once send each message once; after MAX_ATTEMPTS a message is dead and left alone.
"""
from __future__ import annotations

import email.policy
import re
import smtplib
import socket
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from flask import current_app
from sqlalchemy import select

from participation.core.db import write_transaction
from participation.deliberation.models import Comment
from participation.extensions import db
from participation.notifications import mail
from participation.notifications import services as notes
from participation.notifications.models import OutboxMessage
from tests.deliberation.helpers import signed_in
from tests.factories import make_idea, make_round, make_user

T0 = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)
MESSAGE_ID = re.compile(r"<outbox-(\d+)@gongron\.local>$")
ABOUT = notes.Subject("idea", 1, "/ideas/1")


# --- a mail server -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Recorder:
    """aiosmtpd handler: answers DATA with `reply` and keeps what it accepted."""

    def __init__(self):
        self.reply = "250 OK"
        self.quit_reply = "221 Bye"
        self.received: list[tuple[list[str], object]] = []
        self.refused = 0
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            if self.reply.startswith("250"):
                message = message_from_bytes(envelope.original_content, policy=email.policy.default)
                self.received.append((list(envelope.rcpt_tos), message))
            else:
                self.refused += 1
        return self.reply

    async def handle_QUIT(self, server, session, envelope):
        return self.quit_reply


class MailServer:
    """A local SMTP server on a fixed free port, which can be stopped and started again."""

    def __init__(self):
        self.port = free_port()
        self.handler = Recorder()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, ready_timeout=5)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def received(self):
        return self.handler.received

    def per_message(self) -> Counter:
        """How often each outbox row arrived, by its Message-ID and its recipient."""
        counts = Counter()
        for rcpt_tos, message in self.received:
            match = MESSAGE_ID.search(message["Message-ID"])
            assert match, message["Message-ID"]
            assert rcpt_tos == [message["To"]]
            counts[(int(match.group(1)), message["To"])] += 1
        return counts


@pytest.fixture
def smtp(app_ctx, monkeypatch):
    """A running server, and the app set to deliver to it over SMTP with a short timeout."""
    server = MailServer()
    settings = {"MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": server.port, "MAIL_TIMEOUT": 2.0,
                "MAIL_USE_TLS": False, "MAIL_USERNAME": None}
    for key, value in settings.items():
        monkeypatch.setitem(current_app.config, key, value)
    server.start()
    yield server
    server.stop()


# --- helpers -----------------------------------------------------------------------------------------


def queue(users, at: datetime = T0, *, each: int = 1) -> None:
    """`each` emails for every user, written as events write them: notify() in a write transaction."""
    with write_transaction():
        for user in users:
            for n in range(each):
                told = notes.notify([user.id], "commented", f"comment:test-{n}", ABOUT, {"name": "이웃주민", "title": f"벤치 {n}"}, at)
                assert told == 1


def outbox() -> list[OutboxMessage]:
    db.session.commit()  # a fresh read: what the sweeps (other sessions, other threads) committed
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def expected(rows) -> Counter:
    return Counter({(row.id, row.to_address): 1 for row in rows})


def timed_sweep(at: datetime) -> tuple[dict, float]:
    started = time.monotonic()
    result = mail.deliver_email_outbox(at)
    return result, time.monotonic() - started


# --- tests -------------------------------------------------------------------------------------------


def test_every_queued_message_arrives_once_with_its_headers_and_both_parts(smtp):
    users = [make_user() for _ in range(3)]
    queue(users, each=2)
    rows = outbox()
    assert len(rows) == 6 and {row.status for row in rows} == {"pending"}

    assert mail.deliver_email_outbox(T0) == {"sent": 6, "failed": 0}

    assert smtp.per_message() == expected(rows)
    by_id = {row.id: row for row in rows}
    email_of = {user.id: user.email for user in users}
    for rcpt_tos, message in smtp.received:
        row = by_id[int(MESSAGE_ID.search(message["Message-ID"]).group(1))]
        assert message["To"] == row.to_address == email_of[row.user_id] and rcpt_tos == [row.to_address]
        assert message["From"] == current_app.config["MAIL_DEFAULT_SENDER"]
        assert message["Subject"] == row.subject
        assert message["List-Unsubscribe"] == f"<{row.unsubscribe_url}>"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message.get_content_type() == "multipart/alternative"
        parts = {part.get_content_type(): part.get_content() for part in message.walk() if not part.is_multipart()}
        assert set(parts) == {"text/plain", "text/html"}
        assert row.unsubscribe_url in parts["text/plain"]
        assert row.unsubscribe_url.replace("&", "&amp;") in parts["text/html"]
        assert "이웃주민" in parts["text/plain"] and "이웃주민" in parts["text/html"]

    rows = outbox()
    assert {(row.status, row.attempts, row.sent_at, row.last_error) for row in rows} == {("sent", 1, T0, None)}
    # Nothing is due any more: a later sweep sends nothing.
    assert mail.deliver_email_outbox(T0 + timedelta(days=1)) == {"sent": 0, "failed": 0}
    assert len(smtp.received) == 6


def test_server_down_leaves_messages_pending_then_recovery_sends_each_once(smtp):
    smtp.stop()  # nothing listens on the port: connections are refused
    users = [make_user() for _ in range(4)]
    queue(users)

    result, took = timed_sweep(T0)
    # The first refusal says the server is unreachable: the sweep stops there, and the other
    # messages wait unclaimed (no attempt spent) rather than each costing a timeout.
    assert result == {"sent": 0, "failed": 1}
    assert took < 2, took  # a refused connection fails at once; the sweep raises nothing
    rows = outbox()
    assert len(rows) == 4  # nothing lost
    tried, waiting = rows[0], rows[1:]
    assert (tried.status, tried.attempts, tried.sent_at) == ("pending", 1, None)
    assert tried.next_attempt_at == T0 + mail.backoff(1) == T0 + timedelta(minutes=1)
    assert tried.last_error  # e.g. "[Errno 111] Connection refused"
    assert {(row.status, row.attempts, row.next_attempt_at, row.last_error) for row in waiting} == {("pending", 0, T0, None)}

    # Before its backoff has passed, the tried message is left alone; the next sweep tries the next one.
    assert mail.deliver_email_outbox(T0 + timedelta(seconds=59)) == {"sent": 0, "failed": 1}
    assert [row.attempts for row in outbox()] == [1, 1, 0, 0]

    # The server is back; once the backoffs have passed, every message arrives exactly once.
    smtp.start()
    later = T0 + timedelta(minutes=2)
    assert mail.deliver_email_outbox(later) == {"sent": 4, "failed": 0}
    rows = outbox()
    assert smtp.per_message() == expected(rows)
    assert {(row.status, row.sent_at, row.last_error) for row in rows} == {("sent", later, None)}
    assert [row.attempts for row in rows] == [2, 2, 1, 1]
    assert {row.to_address for row in rows} == {user.email for user in users}

    # Again, and much later: nothing is sent twice.
    assert mail.deliver_email_outbox(later) == {"sent": 0, "failed": 0}
    assert mail.deliver_email_outbox(later + timedelta(days=3)) == {"sent": 0, "failed": 0}
    assert len(smtp.received) == 4


def test_a_request_that_notifies_never_talks_to_the_mail_server(smtp, make_client, monkeypatch):
    """A resident comments on an idea whose author takes email: the request answers normally with
    the server down, and the email waits in the outbox for the sweep."""
    smtp.stop()
    idea = make_idea(make_round("voting"))
    commenter = make_user()
    client = signed_in(make_client, commenter)
    calls = []
    with monkeypatch.context() as patch:
        patch.setattr(smtplib, "SMTP", lambda *args, **kwargs: calls.append(args) or pytest.fail("a request opened SMTP"))
        started = time.monotonic()
        response = client.post_form(f"/threads/idea/{idea.id}/comments", {"stance": "for", "body": "좋은 생각입니다."})
        took = time.monotonic() - started
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert calls == [] and took < 5
    comment = db.session.scalar(select(Comment).where(Comment.author_id == commenter.id))
    assert comment is not None and comment.status == "visible"
    (row,) = outbox()
    # Queued: the words are written when it is delivered.
    assert (row.user_id, row.to_address, row.status, row.attempts) == (idea.author_id, None, "pending", 0)

    # The sweep is where the server being down shows, and where it is recovered from.
    now = row.next_attempt_at
    assert mail.deliver_email_outbox(now) == {"sent": 0, "failed": 1}
    smtp.start()
    assert mail.deliver_email_outbox(now + mail.backoff(1)) == {"sent": 1, "failed": 0}
    (row,) = outbox()
    assert row.status == "sent" and smtp.per_message() == expected([row])


@pytest.mark.parametrize("reply", ["451 4.3.0 Try again later", "554 5.7.1 Rejected for now"])
def test_a_server_that_refuses_the_message_is_tried_again_later(smtp, reply):
    smtp.handler.reply = reply
    queue([make_user() for _ in range(3)])

    assert mail.deliver_email_outbox(T0) == {"sent": 0, "failed": 3}
    assert smtp.handler.refused == 3 and smtp.received == []
    for row in outbox():
        assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 1, T0 + mail.backoff(1))
        assert reply.split()[0] in row.last_error

    # Still refusing at the next try: the backoff doubles.
    second = T0 + mail.backoff(1)
    assert mail.deliver_email_outbox(second) == {"sent": 0, "failed": 3}
    assert {(row.status, row.attempts, row.next_attempt_at) for row in outbox()} == {("pending", 2, second + mail.backoff(2))}

    smtp.handler.reply = "250 OK"
    third = second + mail.backoff(2)
    assert mail.deliver_email_outbox(third) == {"sent": 3, "failed": 0}
    rows = outbox()
    assert smtp.per_message() == expected(rows)
    assert {(row.status, row.attempts, row.last_error) for row in rows} == {("sent", 3, None)}
    assert mail.deliver_email_outbox(third + timedelta(days=1)) == {"sent": 0, "failed": 0}
    assert len(smtp.received) == 3


def test_an_accepted_message_is_not_sent_again_when_the_goodbye_fails(smtp):
    """The server took the message (250 after DATA); an odd answer to QUIT must not make it a failure,
    or the next sweep would send it a second time."""
    smtp.handler.quit_reply = "421 4.3.2 Service shutting down"
    queue([make_user() for _ in range(2)])

    assert mail.deliver_email_outbox(T0) == {"sent": 2, "failed": 0}
    assert mail.deliver_email_outbox(T0 + timedelta(hours=1)) == {"sent": 0, "failed": 0}
    rows = outbox()
    assert {row.status for row in rows} == {"sent"}
    assert smtp.per_message() == expected(rows)


def test_two_sweeps_at_once_send_each_message_once(smtp, monkeypatch):
    app = current_app._get_current_object()
    queue([make_user() for _ in range(8)], each=3)
    rows = outbox()
    assert len(rows) == 24

    # Both sweeps read the same due list before either claims anything.
    both_read = threading.Barrier(2)
    first_step = threading.local()
    original = mail.write_transaction

    def together():
        if not getattr(first_step, "done", False):
            first_step.done = True
            both_read.wait(timeout=10)
        return original()

    monkeypatch.setattr(mail, "write_transaction", together)
    results, errors = [], []

    def sweep():
        try:
            with app.app_context():
                results.append(mail.deliver_email_outbox(T0))
        except BaseException as error:  # noqa: BLE001 - reported by the test below
            errors.append(error)

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert sum(result["sent"] for result in results) == 24 and sum(result["failed"] for result in results) == 0
    rows = outbox()
    assert smtp.per_message() == expected(rows)
    assert {(row.status, row.attempts) for row in rows} == {("sent", 1)}


def test_after_max_attempts_a_message_is_dead_and_left_alone(smtp):
    smtp.handler.reply = "451 4.3.0 Try again later"
    queue([make_user()])
    (row,) = outbox()
    moment = T0
    for attempt in range(1, mail.MAX_ATTEMPTS):
        assert mail.deliver_email_outbox(moment) == {"sent": 0, "failed": 1}
        (row,) = outbox()
        assert (row.status, row.attempts, row.next_attempt_at) == ("pending", attempt, moment + mail.backoff(attempt))
        moment = row.next_attempt_at
    assert mail.backoff(mail.MAX_ATTEMPTS) == mail.BACKOFF_CAP

    assert mail.deliver_email_outbox(moment) == {"sent": 0, "failed": 1}
    (row,) = outbox()
    assert (row.status, row.attempts, row.sent_at) == ("dead", mail.MAX_ATTEMPTS, None)
    assert "451" in row.last_error
    assert smtp.handler.refused == mail.MAX_ATTEMPTS

    # The server accepts again; a dead message is not retried, however late.
    smtp.handler.reply = "250 OK"
    assert mail.deliver_email_outbox(moment + timedelta(days=30)) == {"sent": 0, "failed": 0}
    assert mail.upcoming_deliveries(moment, timedelta(days=30)) == []
    (row,) = outbox()
    assert row.status == "dead" and smtp.received == [] and smtp.handler.refused == mail.MAX_ATTEMPTS


def test_a_server_that_never_answers_costs_one_timeout_per_sweep(smtp, monkeypatch):
    """Connected but silent (no greeting): the try gives up after MAIL_TIMEOUT, the sweep stops
    there (the server is unreachable), and every message waits."""
    smtp.stop()
    monkeypatch.setitem(current_app.config, "MAIL_TIMEOUT", 0.5)
    silent = socket.create_server(("127.0.0.1", smtp.port))  # listens, never accepts, never greets
    try:
        queue([make_user() for _ in range(2)])
        result, took = timed_sweep(T0)
    finally:
        silent.close()
    assert result == {"sent": 0, "failed": 1}
    assert 0.4 < took < 3, took
    assert [(row.status, row.attempts) for row in outbox()] == [("pending", 1), ("pending", 0)]
    smtp.start()
    assert mail.deliver_email_outbox(T0 + mail.backoff(1)) == {"sent": 2, "failed": 0}
    assert smtp.per_message() == expected(outbox())
