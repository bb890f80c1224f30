"""Text messages: the same outbox as email, the pluggable sender, retries and dead letters, the
preference "also by SMS", EUC-KR lengths, masked numbers on pages, the phone number on the account."""
from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import select

from participation.accounts.models import User
from participation.core.db import write_transaction
from participation.core.errors import ServiceError
from participation.core.phones import masked, normalise_mobile
from participation.extensions import db
from participation.notifications import events, mail, sms
from participation.notifications import services as notes
from participation.notifications.models import Kind, OutboxMessage
from participation.scheduler.sweeps import SWEEPS
from tests.deliberation.helpers import signed_in
from tests.factories import make_user

T0 = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)
ABOUT = notes.Subject("idea", 1, "/ideas/1")
NUMBER = "01012345678"


def with_phone(user, phone: str | None = NUMBER):
    with write_transaction():
        db.session.get(User, user.id).phone = phone
    return user


def sms_rows() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.medium == "sms").order_by(OutboxMessage.id)))


def sms_files() -> list[Path]:
    return sorted(Path(current_app.config["SMS_FILE_DIR"]).glob("*.txt"))


@pytest.fixture
def sms_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_FILE_DIR", str(tmp_path / "sms"))
    monkeypatch.setitem(app.config, "SMS_BACKEND", "file")
    return tmp_path / "sms"


@pytest.fixture
def request_event(monkeypatch):
    """An event of the kind "My civil requests", as the civil-requests domain will send."""
    monkeypatch.setitem(events.EVENTS, "request_step", events.Event(Kind.REQUESTS, "Your civil request “%(title)s” moved on.", "News"))
    return "request_step"


class Refusing:
    """A gateway that refuses every message."""

    def send(self, to_number: str, body: str) -> None:
        raise sms.DeliveryError("refused: bad number")


class Recording:
    sent: list[tuple[str, str]] = []

    def send(self, to_number: str, body: str) -> None:
        Recording.sent.append((to_number, body))


def recording_gateway(config):
    return Recording()


def refusing_gateway(config):
    return Refusing()


# --- the outbox and the file backend ---------------------------------------------------------------------


def test_an_sms_is_queued_in_the_events_transaction_and_delivered_as_a_file(app_ctx, sms_dir):
    with write_transaction():
        notes.queue_sms("req:1:received", "010-1234-5678", "민원이 접수되었습니다. 접수번호 2026-0001", T0)
    [row] = sms_rows()
    assert (row.status, row.to_number, row.user_id, row.kind) == ("pending", NUMBER, None, "requests")
    assert mail.deliver_email_outbox(T0) == {"sent": 0, "failed": 0}  # email's sweep leaves SMS alone
    assert sms.deliver_sms_outbox(T0) == {"sent": 1, "failed": 0}
    [written] = sms_files()
    text = written.read_text(encoding="utf-8")
    assert f"To: {NUMBER}" in text and "민원이 접수되었습니다. 접수번호 2026-0001" in text and "Type: SMS" in text
    assert sms_rows()[0].status == "sent"
    assert sms.deliver_sms_outbox(T0 + timedelta(hours=1)) == {"sent": 0, "failed": 0}  # once


def test_the_same_key_twice_is_one_message(app_ctx, sms_dir):
    with write_transaction():
        notes.queue_sms("req:1:done", NUMBER, "처리가 끝났습니다.", T0)
        notes.queue_sms("req:1:done", NUMBER, "처리가 끝났습니다.", T0)
    with write_transaction():
        assert notes.notify_contact("req:2:done", phone=NUMBER, email="kim@example.kr", subject="민원", text="끝", now=T0) == 2
        assert notes.notify_contact("req:2:done", phone=NUMBER, email="kim@example.kr", subject="민원", text="끝", now=T0) == 0
    assert [row.key for row in sms_rows()] == ["req:1:done", "req:2:done:sms"]


def test_a_refused_message_is_retried_with_backoff_then_given_up(app, app_ctx, sms_dir, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_BACKEND", "tests.notifications.test_sms:refusing_gateway")
    with write_transaction():
        notes.queue_sms("req:3:received", NUMBER, "접수", T0)
    moment = T0
    for attempt in range(1, mail.MAX_ATTEMPTS + 1):
        assert sms.deliver_sms_outbox(moment) == {"sent": 0, "failed": 1}
        row = sms_rows()[0]
        assert row.attempts == attempt and row.last_error == "refused: bad number"
        if attempt < mail.MAX_ATTEMPTS:
            assert row.status == "pending" and row.next_attempt_at == moment + mail.backoff(attempt)
            assert sms.deliver_sms_outbox(moment + mail.backoff(attempt) - timedelta(seconds=1)) == {"sent": 0, "failed": 0}
            moment += mail.backoff(attempt)
    assert sms_rows()[0].status == "dead"
    assert sms.deliver_sms_outbox(moment + timedelta(days=30)) == {"sent": 0, "failed": 0}


def test_an_unreachable_gateway_never_kills_a_message(app, app_ctx, sms_dir, monkeypatch):
    def down(config):
        class Down:
            def send(self, to_number, body):
                raise ConnectionError("gateway down")
        return Down()

    monkeypatch.setattr(sms, "sender", lambda config=None: down(config))
    with write_transaction():
        notes.queue_sms("req:4:a", NUMBER, "a", T0)
        notes.queue_sms("req:4:b", NUMBER, "b", T0)
    for n in range(mail.MAX_ATTEMPTS + 2):
        assert sms.deliver_sms_outbox(T0 + timedelta(days=n)) == {"sent": 0, "failed": 1}  # the first failure ends the run
    assert {row.status for row in sms_rows()} == {"pending"}


def test_a_city_plugs_its_gateway_in_by_dotted_path(app, app_ctx, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_BACKEND", "tests.notifications.test_sms:recording_gateway")
    Recording.sent = []
    with write_transaction():
        notes.queue_sms("req:5:received", "011 234 5678", "접수되었습니다", T0)
    assert sms.deliver_sms_outbox(T0) == {"sent": 1, "failed": 0}
    assert Recording.sent == [("0112345678", "접수되었습니다")]
    for bad in ("nowhere", "tests.notifications.test_sms:"):
        monkeypatch.setitem(app.config, "SMS_BACKEND", bad)
        with pytest.raises(ValueError):
            sms.sender()
    monkeypatch.setitem(app.config, "SMS_BACKEND", "log")
    assert isinstance(sms.sender(), sms.LogSender)


def test_the_sms_sweep_is_registered_like_the_email_one():
    names = [sweep.name for sweep in SWEEPS]
    assert names.index("deliver_sms_outbox") == names.index("deliver_email_outbox") + 1
    sweep = next(s for s in SWEEPS if s.name == "deliver_sms_outbox")
    assert sweep.own_transactions and not sweep.on_time and sweep.deadlines is sms.upcoming_deliveries


def test_a_bad_number_is_refused_by_the_services(app_ctx):
    with pytest.raises(ServiceError), write_transaction():
        notes.queue_sms("x", "02-123-4567", "landline", T0)
    with pytest.raises(ServiceError), write_transaction():
        notes.notify_contact("y", phone="12345", subject="s", text="t", now=T0)
    assert sms_rows() == []


def test_a_contact_email_goes_out_plain_without_an_unsubscribe_link(app_ctx, tmp_path, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_OUTBOX_DIR", str(tmp_path / "mail"))
    with write_transaction():
        notes.notify_contact("req:6:received", email="park@example.kr", subject="민원 접수", text="접수번호 2026-0006", now=T0)
    assert mail.deliver_email_outbox(T0) == {"sent": 1, "failed": 0}
    [eml] = list((tmp_path / "mail").glob("*.eml"))
    data = eml.read_bytes()
    assert b"To: park@example.kr" in data and b"List-Unsubscribe" not in data and b"text/html" not in data


# --- preferences --------------------------------------------------------------------------------------


def test_sms_follows_the_preference_and_needs_a_phone(app_ctx, request_event):
    no_phone, default, turned_off, chose_ideas = make_user(), with_phone(make_user()), with_phone(make_user()), with_phone(make_user())
    with write_transaction():
        notes.set_preferences(turned_off, {}, False, T0, by_sms={"requests": False})
        notes.set_preferences(chose_ideas, {}, False, T0, by_sms={"my_ideas": True})
    assert notes.sms_choices_for(default.id) == {"requests": True, "my_ideas": False, "panels": False}
    people = [no_phone.id, default.id, turned_off.id, chose_ideas.id]
    with write_transaction():
        notes.notify(people, request_event, "req:7:step", ABOUT, {"title": "가로등 고장"}, T0)
        notes.notify(people, "own_status", "idea:7", ABOUT, {"title": "t", "status": "implemented"}, T0)
    told = {(row.user_id, row.kind) for row in sms_rows()}
    assert told == {(default.id, "requests"), (chose_ideas.id, "my_ideas"), (chose_ideas.id, "requests")}
    # Told again (a signal sent twice): no second SMS.
    with write_transaction():
        notes.notify(people, request_event, "req:7:step", ABOUT, {"title": "가로등 고장"}, T0)
    assert len(sms_rows()) == 3


def test_a_kind_turned_off_sends_no_sms_and_a_deleted_account_keeps_none(app_ctx, request_event):
    off, gone = with_phone(make_user()), with_phone(make_user())
    with write_transaction():
        notes.set_preferences(off, {"requests": "off"}, False, T0)
        notes.notify([off.id, gone.id], request_event, "req:8:step", ABOUT, {"title": "t"}, T0)
    assert [row.user_id for row in sms_rows()] == [gone.id]
    with write_transaction():
        notes.forget_emails(gone.id)
    assert sms_rows() == []


def test_the_unsubscribe_link_keeps_the_sms_default(app_ctx):
    user = with_phone(make_user())
    with write_transaction():
        notes.set_channel(user.id, "requests", "in_app", T0)
    assert notes.sms_choices_for(user.id)["requests"] is True


def test_the_sms_text_is_short_in_the_persons_language(app_ctx, request_event):
    user = with_phone(make_user())
    with write_transaction():
        db.session.get(User, user.id).locale = "ko"
        notes.notify([user.id], request_event, "req:9:step", ABOUT, {"title": "아주 긴 제목" * 20}, T0)
    [row] = sms_rows()
    assert row.text_body.startswith("[공론] ") and "…" in row.text_body and row.text_body.endswith("/ideas/1")
    assert sms.euc_kr_length(row.text_body) <= sms.LMS_BYTES


# --- lengths --------------------------------------------------------------------------------------------


def test_lengths_are_counted_in_euc_kr_bytes():
    assert sms.euc_kr_length("abc") == 3
    assert sms.euc_kr_length("가나다") == 6
    assert sms.euc_kr_length("😀") == 2  # not in EUC-KR: counted as its replacement at most
    assert sms.is_short("가" * 45) and not sms.is_short("가" * 46)
    cut = sms.fit("가" * 50, sms.SMS_BYTES)
    assert cut.endswith("…") and sms.euc_kr_length(cut) <= sms.SMS_BYTES
    assert sms.fit("짧은 글", sms.SMS_BYTES) == "짧은 글"
    long = sms.body("가" * 1500, "https://example.kr/r/1")
    assert sms.euc_kr_length(long) <= sms.LMS_BYTES and "https://" not in long
    assert sms.body("짧다", "https://example.kr/r/1") == "짧다\nhttps://example.kr/r/1"


def test_a_queued_body_never_exceeds_an_lms(app_ctx):
    with write_transaction():
        notes.queue_sms("req:10", NUMBER, "글" * 3000, T0)
    assert sms.euc_kr_length(sms_rows()[0].text_body) <= sms.LMS_BYTES


# --- pages ----------------------------------------------------------------------------------------------


def test_the_outbox_page_shows_the_medium_and_masks_numbers(app_ctx, make_client):
    with write_transaction():
        notes.queue_sms("req:11", "010-9876-5678", "접수되었습니다", T0)
    admin = signed_in(make_client, make_user(roles={"admin"}))
    [row] = sms_rows()
    for path in ("/admin/outbox", f"/admin/outbox?id={row.id}"):
        page = html.unescape(admin.get(path).get_data(as_text=True))
        assert "010-****-5678" in page and "SMS" in page
        assert "01098765678" not in page and "9876" not in page


def test_the_preferences_page_offers_sms_only_with_a_phone(app_ctx, make_client):
    user = make_user()
    client = signed_in(make_client, user)
    page = client.get("/account/notifications").get_data(as_text=True)
    assert 'name="sms-requests"' not in page and "add a mobile number" in page
    assert "My civil requests" in page
    with_phone(user)
    page = client.get("/account/notifications").get_data(as_text=True)
    assert 'name="sms-requests"' in page and 'name="sms-my_ideas"' in page and 'name="sms-followed"' not in page
    assert "010-****-5678" in page and NUMBER not in page
    form = {f"channel-{kind}": "email" for kind in notes.KINDS} | {"sms-my_ideas": "y"}
    assert client.post_form("/account/notifications", form, token_from="/account/notifications").status_code == 302
    assert notes.sms_choices_for(user.id) == {"requests": False, "my_ideas": True, "panels": False}


@pytest.mark.parametrize("typed, stored", [("010-1234-5678", NUMBER), ("010 1234 5678", NUMBER), ("0161234567", "0161234567"), ("", None)])
def test_the_account_page_takes_a_mobile_number(app_ctx, make_client, typed, stored):
    user = with_phone(make_user(display_name="이웃"), "01099998888")
    client = signed_in(make_client, user)
    response = client.post_form("/account", {"display_name": "이웃", "district_id": "", "phone": typed}, token_from="/account")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).phone == stored


@pytest.mark.parametrize("typed", ["02-123-4567", "010-123", "010-1234-56789", "abc", "012-1234-5678", "010１２３４５６７８"])
def test_a_bad_mobile_number_is_a_form_error(app_ctx, make_client, typed):
    user = make_user(display_name="이웃")
    client = signed_in(make_client, user)
    response = client.post_form("/account", {"display_name": "이웃", "district_id": "", "phone": typed}, token_from="/account")
    assert response.status_code == 422
    assert "Enter a mobile number like 010-1234-5678" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).phone is None


def test_phone_helpers():
    assert normalise_mobile("010-1234-5678") == NUMBER
    assert masked(NUMBER) == "010-****-5678" and masked("0111234567") == "011-***-4567" and masked(None) == ""
    with pytest.raises(ValueError):
        normalise_mobile("+82 10 1234 5678")


def test_deleting_the_account_removes_the_number(app_ctx):
    from participation.accounts import services as accounts
    from tests.factories import PASSWORD

    user = with_phone(make_user())
    with write_transaction():
        accounts.delete_account(db.session.get(User, user.id), PASSWORD, T0)
    assert db.session.get(User, user.id).phone is None
