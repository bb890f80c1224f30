"""One-click unsubscribe links: what a token may change, for how long, how often, and the email headers."""
from __future__ import annotations

import time
from email import message_from_bytes
from email.policy import default as default_policy
from urllib.parse import urlsplit

import pytest
from flask import current_app
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select

from participation.core.db import write_transaction
from participation.core.origin import public_url
from participation.core.time import now
from participation.extensions import db
from participation.notifications import mail
from participation.notifications import services as notes
from participation.notifications.models import KINDS, OutboxMessage, UsedUnsubscribeToken
from tests.factories import make_user
from tests.notifications.helpers import written

EVERY_EMAIL = {kind: "email" for kind in KINDS}


@pytest.fixture
def anonymous(make_client):
    client = make_client()
    client.use_english()
    return client


def path_of(token: str) -> str:
    return f"/unsubscribe/{token}"


def channels(user) -> dict:
    db.session.expire_all()
    return notes.channels_for(user.id)


def used_tokens() -> int:
    return db.session.scalar(select(func.count()).select_from(UsedUnsubscribeToken))


def test_a_token_turns_off_email_for_its_own_kind_and_person_only(app_ctx, anonymous):
    owner, bystander = make_user(), make_user()
    token = notes.unsubscribe_token(owner.id, "followed")
    done = anonymous.post(path_of(token))
    assert done.status_code == 200
    assert "You will no longer receive emails about ideas and rounds I follow" in done.get_data(as_text=True)
    assert channels(owner) == {**EVERY_EMAIL, "followed": "in_app"}  # still in the list, no email
    assert channels(bystander) == EVERY_EMAIL


def test_someone_signed_in_using_another_persons_link_changes_only_that_person(app_ctx, make_client):
    owner, other = make_user(), make_user()
    client = make_client()
    client.login(other.email)
    client.use_english()
    assert client.post(path_of(notes.unsubscribe_token(owner.id, "replies"))).status_code == 200
    assert channels(owner) == {**EVERY_EMAIL, "replies": "in_app"}
    assert channels(other) == EVERY_EMAIL


def _tampered(token: str) -> list[str]:
    payload, stamp, signature = token.rsplit(".", 2)
    other_payload = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="notifications.unsubscribe").dumps(
        {"u": 999, "k": "followed", "n": "0" * 16}).split(".")[0]
    # The first character: the last one of a base64 signature also holds unused bits, so
    # changing it can decode to the very same signature.
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    return [
        f"{payload}.{stamp}.{flipped}",  # the signature altered
        f"{other_payload}.{stamp}.{signature}",  # someone else's payload under this signature
        URLSafeTimedSerializer("not-the-secret-key", salt="notifications.unsubscribe").dumps({"u": 1, "k": "followed", "n": "a" * 16}),
        URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="another-purpose").dumps({"u": 1, "k": "followed", "n": "b" * 16}),
        notes._serializer().dumps({"u": 1, "k": "everything", "n": "c" * 16}),  # signed, but no such kind
        notes._serializer().dumps(["not", "a", "dict"]),
        "garbage",
    ]


def test_a_tampered_or_forged_token_is_refused_and_changes_nothing(app_ctx, anonymous):
    owner, victim = make_user(), make_user()
    token = notes.unsubscribe_token(owner.id, "followed")
    for bad in _tampered(token):
        for method in (anonymous.get, anonymous.post):
            refused = method(path_of(bad))
            assert refused.status_code == 400, bad
            assert "This unsubscribe link is not valid." in refused.get_data(as_text=True)
    assert channels(owner) == EVERY_EMAIL and channels(victim) == EVERY_EMAIL
    assert used_tokens() == 0
    assert anonymous.post(path_of(token)).status_code == 200  # the real one still works


def _made_seconds_ago(monkeypatch, user_id: int, kind: str, seconds: int) -> str:
    with monkeypatch.context() as patched:
        patched.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - seconds)
        return notes.unsubscribe_token(user_id, kind)


def test_an_expired_token_is_refused_with_the_expired_message(app_ctx, anonymous, monkeypatch):
    user = make_user()
    old = _made_seconds_ago(monkeypatch, user.id, "panels", notes.UNSUBSCRIBE_MAX_AGE + 60)
    for method in (anonymous.get, anonymous.post):
        refused = method(path_of(old))
        assert refused.status_code == 400
        assert "This unsubscribe link has expired." in refused.get_data(as_text=True)
    assert channels(user) == EVERY_EMAIL and used_tokens() == 0
    # Within its 60 days a link still works.
    recent = _made_seconds_ago(monkeypatch, user.id, "panels", notes.UNSUBSCRIBE_MAX_AGE - 3600)
    assert anonymous.post(path_of(recent)).status_code == 200
    assert channels(user)["panels"] == "in_app"


def test_a_token_works_once(app_ctx, anonymous):
    user = make_user()
    token = notes.unsubscribe_token(user.id, "my_ideas")
    assert anonymous.post(path_of(token)).status_code == 200
    assert channels(user)["my_ideas"] == "in_app"
    with write_transaction():
        notes.set_channel(user.id, "my_ideas", "email", now())  # the person wants email again
    for method in (anonymous.post, anonymous.get):
        again = method(path_of(token))
        assert again.status_code == 400
        assert "This unsubscribe link has already been used." in again.get_data(as_text=True)
    assert channels(user) == EVERY_EMAIL and used_tokens() == 1


def test_opening_the_link_changes_nothing_until_the_button_is_pressed(app_ctx, anonymous):
    user = make_user()
    token = notes.unsubscribe_token(user.id, "official")
    for _ in range(2):
        shown = anonymous.get(path_of(token))
        assert shown.status_code == 200
        page = shown.get_data(as_text=True)
        assert "Stop emails about my department&#39;s work?" in page or "Stop emails about my department's work?" in page
        assert f'<form method="post" action="/unsubscribe/{token}">' in page
    assert channels(user) == EVERY_EMAIL and used_tokens() == 0
    # The page's button posts without a CSRF token (the signed link is the credential), as mail programs do.
    assert anonymous.post(path_of(token), data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert channels(user)["official"] == "in_app"


def test_the_digest_link_moves_every_emailed_kind_to_the_list_and_leaves_the_rest(app_ctx, anonymous):
    user, other = make_user(), make_user()
    with write_transaction():
        notes.set_preferences(user, {"replies": "off", "panels": "in_app"}, True, now())
    token = notes.unsubscribe_token(user.id, "all")
    assert "every kind of notification" in anonymous.get(path_of(token)).get_data(as_text=True)
    done = anonymous.post(path_of(token))
    assert done.status_code == 200 and "every kind of notification" in done.get_data(as_text=True)
    assert channels(user) == {"my_ideas": "in_app", "followed": "in_app", "replies": "off", "panels": "in_app", "official": "in_app",
                              "requests": "in_app"}
    assert channels(other) == EVERY_EMAIL


def test_the_email_carries_one_click_unsubscribe_headers_and_the_link_in_both_parts(app_ctx, anonymous):
    user = make_user()
    about = notes.Subject("idea", 7, "/ideas/7")
    with write_transaction():
        notes.notify([user.id], "answered", "test:answered", about, {"title": "그늘막", "decision": "accepted"}, now())
    row = written(db.session.scalar(select(OutboxMessage).where(OutboxMessage.user_id == user.id)))
    message = mail.build_message(row)
    url = row.unsubscribe_url
    assert url.startswith(public_url() + "/unsubscribe/")
    assert message["List-Unsubscribe"] == f"<{url}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["To"] == user.email

    # As delivered (and parsed back, as a mail program reads it): the header stays whole, the link is in both parts.
    parsed = message_from_bytes(bytes(message), policy=default_policy)
    assert parsed["List-Unsubscribe"] == f"<{url}>"
    parts = {part.get_content_type(): part.get_content() for part in parsed.walk() if not part.is_multipart()}
    assert set(parts) == {"text/plain", "text/html"}
    assert url in parts["text/plain"] and f'href="{url}"' in parts["text/html"]
    assert "/ideas/7" in parts["text/plain"] and "/ideas/7" in parts["text/html"]

    found = notes.read_unsubscribe_token(url.rsplit("/", 1)[1])
    assert (found.user_id, found.kind) == (user.id, "followed")  # the link of this email's kind
    assert anonymous.post(urlsplit(url).path).status_code == 200
    assert channels(user) == {**EVERY_EMAIL, "followed": "in_app"}
