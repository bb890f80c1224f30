"""Issue 8's 'done when', through HTTP: a resident follows an idea, an official answers it, the
resident sees the count in the header and gets the email (a file in development), and
unsubscribes from that kind with the email's link."""
from __future__ import annotations

import email.policy
import re
from email import message_from_bytes
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app

from participation.core.db import write_transaction
from participation.core.origin import public_url
from participation.extensions import db
from participation.notifications import mail
from participation.notifications.models import Notification, OutboxMessage
from participation.outcomes import services as outcomes
from participation.responses.services import due_for
from tests.factories import make_user
from tests.outcomes.helpers import after, close, voting_round


def test_follow_answer_notify_email_unsubscribe(client, make_client, app_ctx):
    round_, ideas, _voters = voting_round(votes=(6, 4, 3, 1, 0))
    idea = ideas[0]
    follower = make_user(display_name="따라가는주민")
    client.login(follower.email)
    client.use_english()
    page = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert ">Follow<" in page
    followed = client.post_form(f"/follow/idea/{idea.id}", {"next": f"/ideas/{idea.id}"}, token_from=f"/ideas/{idea.id}")
    assert followed.status_code == 302
    assert ">Following<" in client.get(f"/ideas/{idea.id}").get_data(as_text=True)

    close(round_)
    with write_transaction():
        outcomes.publish_due_outcomes(after(round_, hours=1))
    official = make_user(roles={"official"}, department=due_for(idea).department)
    staff = make_client()
    staff.login(official.email)
    answered = staff.post_form(f"/ideas/{idea.id}/response", {"decision": "accepted", "explanation": "내년 예산에 반영하겠습니다."},
                               token_from=f"/ideas/{idea.id}/response")
    assert answered.status_code == 302

    # In the header, and in the list.
    header = client.get("/").get_data(as_text=True)
    count = re.search(r'class="unread-count">(\d+)', header)
    assert count and int(count.group(1)) >= 1
    listed = client.get("/notifications").get_data(as_text=True)
    assert "has an official response: Accepted" in listed
    note = db.session.scalar(db.select(Notification).where(Notification.user_id == follower.id, Notification.event == "answered"))
    assert note is not None and note.read_at is None

    # The email, written as a file by the delivery sweep.
    row = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.user_id == follower.id, OutboxMessage.key == f"n:{note.id}"))
    assert row is not None and row.status == "pending"
    mail.deliver_email_outbox(after(round_, hours=2))
    db.session.expire_all()
    assert db.session.get(OutboxMessage, row.id).status == "sent"
    files = sorted(Path(current_app.config["MAIL_OUTBOX_DIR"]).glob(f"*-{row.id:06d}.eml"))
    assert len(files) == 1
    message = message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert message["To"] == follower.email
    unsubscribe_url = message["List-Unsubscribe"].strip("<>")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    parts = {part.get_content_type(): part.get_content() for part in message.walk() if not part.is_multipart()}
    assert unsubscribe_url in parts["text/plain"] and unsubscribe_url.replace("&", "&amp;") in parts["text/html"]

    # Opening the notification marks it read and leads to the idea's answer.
    opened = client.post_form(f"/notifications/{note.id}/open", {}, token_from="/notifications")
    assert opened.status_code == 302 and f"/ideas/{idea.id}" in opened.headers["Location"]

    # One click (a POST, as a mail program sends it, or the page's button) unsubscribes from this kind.
    assert unsubscribe_url.startswith(public_url() + "/unsubscribe/")
    path = urlsplit(unsubscribe_url).path
    anonymous = make_client()
    anonymous.use_english()
    shown = anonymous.get(path)
    assert shown.status_code == 200 and "ideas and rounds I follow" in shown.get_data(as_text=True)
    done = anonymous.post(path)
    assert done.status_code == 200 and "no longer receive emails" in done.get_data(as_text=True)
    again = anonymous.post(path)
    assert again.status_code == 400 and "already been used" in again.get_data(as_text=True)
    settings = client.get("/account/notifications").get_data(as_text=True)
    assert 'id="channel-followed-in_app" name="channel-followed" value="in_app" checked' in settings
