"""Each kind's channel (email, in the list only, off), the daily digest, and the settings page."""
from __future__ import annotations

import html
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from participation.core.db import write_transaction
from participation.core.errors import ServiceError
from participation.core.time import from_local
from participation.extensions import db
from participation.notifications import mail
from participation.notifications import services as notes
from participation.notifications.models import KINDS, DigestSetting, Notification, OutboxMessage
from tests.factories import make_user
from tests.notifications.helpers import rendered, told, unread_counter, written

SEVEN_FIFTY_NINE = from_local(datetime(2031, 3, 14, 7, 59))  # Seoul time
EIGHT = from_local(datetime(2031, 3, 14, 8, 0))


def tell(user, n: int = 1, *, event: str = "commented", at: datetime | None = None) -> int:
    """`event` about an idea, told to `user` (a new key each time)."""
    about = notes.Subject("idea", 1000 + n, f"/ideas/{1000 + n}")
    params = {"commented": {"name": "이웃", "title": f"제안 {n}"}, "round_closed": {"round": f"회차 {n}", "when": None},
              "reply": {"name": "이웃", "title": f"제안 {n}"}}[event]
    with write_transaction():
        return notes.notify([user.id], event, f"test:{event}:{n}", about, params, at or EIGHT - timedelta(hours=12))


def outbox_of(user) -> list[OutboxMessage]:
    """The person's outbox rows, with their words written (as their delivery writes them)."""
    db.session.expire_all()
    rows = list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.user_id == user.id).order_by(OutboxMessage.id)))
    return [written(row) for row in rows]


def choose(user, kind: str, channel: str) -> None:
    with write_transaction():
        notes.set_channel(user.id, kind, channel, EIGHT)


def test_a_kind_turned_off_makes_no_notification_and_no_count(app_ctx):
    user = make_user()
    choose(user, "my_ideas", "off")
    assert tell(user) == 0
    assert told(user) == [] and outbox_of(user) == [] and unread_counter(user) == 0
    # Other kinds are unaffected.
    assert tell(user, 2, event="round_closed") == 1
    assert [n.event for n in told(user)] == ["round_closed"] and len(outbox_of(user)) == 1


def test_in_the_list_only_makes_a_row_and_no_email(app_ctx):
    user = make_user()
    choose(user, "my_ideas", "in_app")
    assert tell(user) == 1
    [row] = told(user)
    assert row.kind == "my_ideas" and row.digest_pending is False
    assert outbox_of(user) == [] and unread_counter(user) == 1


def test_email_makes_a_row_and_an_email_written_in_the_outbox(app_ctx):
    user = make_user()
    assert notes.channels_for(user.id) == {kind: "email" for kind in KINDS}  # the default
    assert tell(user) == 1
    [row] = told(user)
    [message] = outbox_of(user)
    assert message.key == f"n:{row.id}" and message.to_address == user.email and message.status == "pending"
    assert message.kind == "my_ideas"
    assert "/ideas/1001" in message.text_body and html.escape(rendered(row, user.locale or "ko")) in message.html_body
    assert not row.digest_pending


def test_the_daily_digest_holds_emails_until_eight_in_seoul_and_writes_one_a_day(app_ctx):
    user, other = make_user(), make_user()
    with write_transaction():
        notes.set_preferences(user, {"followed": "in_app"}, True, EIGHT)
    tell(user, 1)
    tell(user, 2, event="reply")
    tell(user, 3, event="round_closed")  # in the list only: never in a digest
    tell(other, 4)
    rows = told(user)
    assert [r.digest_pending for r in rows] == [True, True, False]
    assert outbox_of(user) == [] and len(outbox_of(other)) == 1  # the digest is a person's choice

    assert mail.send_daily_digests(SEVEN_FIFTY_NINE) == 0
    assert outbox_of(user) == []
    assert mail.send_daily_digests(EIGHT) == 1
    [digest] = outbox_of(user)
    assert digest.key == f"digest:{user.id}:2031-03-14" and digest.kind == "digest"
    assert "/ideas/1001" in digest.text_body and "/ideas/1002" in digest.text_body and "/ideas/1003" not in digest.text_body
    assert "(2" in digest.subject  # the count of items (Korean: "(2건)")
    token = digest.unsubscribe_url.rsplit("/unsubscribe/", 1)[1]
    assert notes.read_unsubscribe_token(token).kind == "all"  # a digest mixes kinds: its link stops all email
    db.session.expire_all()
    assert not any(r.digest_pending for r in told(user))

    # Again the same day: nothing, even with news waiting.
    assert mail.send_daily_digests(EIGHT + timedelta(hours=1)) == 0
    tell(user, 5, at=EIGHT + timedelta(hours=2))
    assert mail.send_daily_digests(EIGHT + timedelta(hours=15)) == 0  # 23:00 Seoul
    assert len(outbox_of(user)) == 1
    # The next morning, what waited since.
    assert mail.send_daily_digests(EIGHT + timedelta(days=1) - timedelta(minutes=1)) == 0
    assert mail.send_daily_digests(EIGHT + timedelta(days=1)) == 1
    latest = outbox_of(user)[-1]
    assert latest.key == f"digest:{user.id}:2031-03-15" and "/ideas/1005" in latest.text_body and "/ideas/1001" not in latest.text_body
    assert mail.send_daily_digests(EIGHT + timedelta(days=1, hours=3)) == 0


def test_turning_the_digest_off_sends_what_waited_at_once(app_ctx):
    user = make_user()
    with write_transaction():
        notes.set_preferences(user, {}, True, EIGHT)
    tell(user, 1)
    tell(user, 2, event="reply")
    tell(user, 3, event="round_closed")
    assert outbox_of(user) == [] and all(r.digest_pending for r in told(user))
    # Off with the digest, and replies no longer emailed: what waited goes now (bar the replies), once.
    with write_transaction():
        notes.set_preferences(user, {"replies": "in_app"}, False, EIGHT + timedelta(hours=1))
    [released] = outbox_of(user)
    assert "/ideas/1001" in released.text_body and "/ideas/1003" in released.text_body and "/ideas/1002" not in released.text_body
    db.session.expire_all()
    assert not any(r.digest_pending for r in told(user))
    assert mail.send_daily_digests(EIGHT + timedelta(days=1)) == 0
    tell(user, 4)  # from now on, one email per event
    assert len(outbox_of(user)) == 2 and outbox_of(user)[-1].key.startswith("n:")


def test_a_day_without_news_writes_no_digest(app_ctx):
    user = make_user()
    with write_transaction():
        notes.set_preferences(user, {}, True, EIGHT)
    assert mail.send_daily_digests(EIGHT) == 0
    assert outbox_of(user) == []


# --- the settings page -------------------------------------------------------------------------------------------


def _form(**channels) -> dict:
    return {f"channel-{kind}": channels.get(kind, "email") for kind in KINDS}


def test_the_settings_page_saves_each_choice_and_the_digest(resident_client):
    client, user = resident_client, resident_client.user
    page = client.get("/account/notifications")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for kind in KINDS:
        assert f'id="channel-{kind}-email" name="channel-{kind}" value="email" checked' in text
    assert 'name="digest" value="y" aria' in text and 'value="y" checked' not in text

    saved = client.post_form("/account/notifications", {**_form(my_ideas="off", followed="in_app"), "digest": "y"},
                             token_from="/account/notifications")
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/account/notifications")
    assert notes.channels_for(user.id) == {**{k: "email" for k in KINDS}, "my_ideas": "off", "followed": "in_app"}
    assert notes.wants_digest(user.id) is True
    again = client.get("/account/notifications").get_data(as_text=True)
    assert "Your notification settings are saved." in again
    assert 'id="channel-my_ideas-off" name="channel-my_ideas" value="off" checked' in again
    assert 'id="channel-followed-in_app" name="channel-followed" value="in_app" checked' in again
    assert 'value="y" checked' in again

    # Unticking the digest and turning a kind back on.
    assert client.post_form("/account/notifications", _form(followed="in_app"), token_from="/account/notifications").status_code == 302
    assert notes.channels_for(user.id)["my_ideas"] == "email" and notes.wants_digest(user.id) is False


def test_the_settings_page_refuses_bad_values_and_keeps_what_was_stored(resident_client):
    client, user = resident_client, resident_client.user
    assert client.post_form("/account/notifications", {**_form(panels="in_app"), "digest": "y"},
                            token_from="/account/notifications").status_code == 302
    stored = notes.channels_for(user.id)

    for data in (
        {**_form(my_ideas="off"), "channel-replies": "loud"},  # not an option
        {k: v for k, v in _form(my_ideas="off").items() if k != "channel-official"},  # a kind left out
        {**_form(my_ideas="off"), "channel-panels": ""},
    ):
        refused = client.post_form("/account/notifications", data, token_from="/account/notifications")
        assert refused.status_code == 422
        assert "Choose one of the options for each kind." in refused.get_data(as_text=True)
        db.session.expire_all()
        assert notes.channels_for(user.id) == stored and notes.wants_digest(user.id) is True

    # Without the CSRF token nothing is stored either.
    forged = client.post("/account/notifications", data=_form(my_ideas="off"))
    assert forged.status_code == 400
    assert notes.channels_for(user.id) == stored and notes.wants_digest(user.id) is True
    assert db.session.scalar(select(func.count()).select_from(DigestSetting)) == 1


def test_set_preferences_refuses_an_unknown_kind_or_channel(app_ctx):
    user = make_user()
    for channels in ({"my_ideas": "sms"}, {"everything": "off"}):
        with pytest.raises(ServiceError) as refusal:
            with write_transaction():
                notes.set_preferences(user, channels, True, EIGHT)
        assert refusal.value.code == "bad_choice"
    assert notes.channels_for(user.id) == {k: "email" for k in KINDS} and not notes.wants_digest(user.id)
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0
