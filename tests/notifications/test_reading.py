"""Reading notifications: the unread counter, the header, the list and its pages, opening one, and
the outbox page for administrators."""
from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select

from participation.core.db import write_transaction
from participation.core.errors import ServiceError
from participation.core.time import now
from participation.extensions import db
from participation.notifications import events, mail
from participation.notifications import services as notes
from participation.notifications.models import KINDS, Notification, OutboxMessage
from tests.factories import make_user
from tests.notifications.helpers import rendered, told, unread_counter, unread_rows
from tests.voting.test_concurrency import run_in_parallel

DUE = datetime(2031, 5, 20, 6, 0, tzinfo=UTC).isoformat()

# What each event's receiver stores (receivers.py); every event in EVENTS must be here.
PARAMS = {
    "tier_reached": {"title": "버스 정류장 그늘막", "threshold": 50, "due": DUE},
    "commented": {"name": "이웃주민", "title": "버스 정류장 그늘막"},
    "status": {"title": "버스 정류장 그늘막", "status": "implemented"},
    "answered": {"title": "버스 정류장 그늘막", "decision": "partially_accepted"},
    "own_status": {"title": "버스 정류장 그늘막", "status": "withdrawn"},
    "own_answered": {"title": "버스 정류장 그늘막", "decision": "accepted"},
    "own_selected": {"title": "버스 정류장 그늘막", "round": "2031 주민제안"},
    "own_not_selected": {"title": "버스 정류장 그늘막", "round": "2031 주민제안"},
    "own_hidden": {"what": "comment", "title": "버스 정류장 그늘막", "reason": "off_topic"},
    "own_restored": {"what": "idea", "title": "버스 정류장 그늘막", "reason": "no_violation"},
    "round_phase": {"round": "2031 주민제안", "phase": "voting"},
    "round_closed": {"round": "2031 주민제안", "when": DUE},
    "outcome_published": {"round": "2031 주민제안"},
    "reply": {"name": "이웃주민", "title": "버스 정류장 그늘막"},
    "panel_selected": {"panel": "버스 모니터링단"},
    "panel_not_selected": {"panel": "버스 모니터링단"},
    "campaign_opened": {"campaign": "하반기 버스 평가", "when": DUE},
    "campaign_closing": {"campaign": "하반기 버스 평가", "when": DUE},
    "campaign_closed": {"campaign": "하반기 버스 평가", "when": DUE},
    "scorecard_published": {"campaign": "하반기 버스 평가"},
    "routed_idea": {"title": "버스 정류장 그늘막", "department": "교통과"},
    "due_soon": {"title": "버스 정류장 그늘막", "department": "교통과", "due": DUE},
    "overdue": {"title": "버스 정류장 그늘막", "department": "교통과", "due": DUE},
    "admins_alert": {"title": "버스 정류장 그늘막", "department": "교통과", "due": DUE},
}
# Civil requests (receivers._request_params and _step_params): names in both languages.
_REQUEST = {"title": "가로등이 꺼졌어요", "number": "2031-1234-5678", "department": "도로과", "department_en": "Roads", "due": DUE}
_FROM = {"from_department": "교통과", "from_department_en": "Transport"}
_HELPER = {"helper": "공원녹지과", "helper_en": "Parks"}
_NOTE = {"note": "가로등은 다른 부서 소관입니다."}
PARAMS.update({
    "cr_filed": _REQUEST, "cr_started": _REQUEST, "cr_supplement_asked": {**_REQUEST, **_NOTE},
    "cr_transferred": {**_REQUEST, **_FROM, **_NOTE}, "cr_cohandling_told": {**_REQUEST, **_HELPER},
    "cr_extended": {**_REQUEST, **_NOTE, "contact": "062-120"}, "cr_completed": {**_REQUEST, "result": "partly_resolved"},
    "cr_closed_repeat": {**_REQUEST, **_NOTE}, "cr_follow_up_answered": _REQUEST, "cr_overdue_applicant": _REQUEST,
    "cr_progress": _REQUEST, "cr_progress_paused": {**_REQUEST, "due": None}, "cr_survey": {**_REQUEST, "until": DUE},
    "cr_supporter_news": {**_REQUEST, "step": "transferred"}, "cr_supporter_answered": {**_REQUEST, "result": "resolved"},
    "cr_new": _REQUEST, "cr_transferred_in": {**_REQUEST, **_FROM, **_NOTE}, "cr_supplemented": _REQUEST,
    "cr_cohandling_asked": {**_REQUEST, **_HELPER}, "cr_cohandling_answered": {**_REQUEST, **_HELPER}, "cr_consented": _REQUEST,
    "cr_reopened": _REQUEST, "cr_follow_up": _REQUEST, "cr_due_soon": _REQUEST, "cr_overdue": _REQUEST, "cr_admins": _REQUEST,
})


def tell(user, n: int, event: str = "commented", *, path: str | None = None) -> int:
    about = notes.Subject("idea", n, path or f"/ideas/{n}")
    with write_transaction():
        return notes.notify([user.id], event, f"test:{event}:{n}", about, PARAMS[event], now())


def in_list_only(user) -> None:
    """No emails (faster, and beside the point here)."""
    with write_transaction():
        notes.set_preferences(user, {kind: "in_app" for kind in KINDS}, False, now())


def signed_in(make_client, user):
    client = make_client()
    client.login(user.email)
    client.use_english()
    return client


def listed(page: str) -> int:
    return page.count('class="notification-open"')


# --- the unread counter ----------------------------------------------------------------------------------------


def test_the_unread_counter_follows_the_rows_through_notifying_and_reading(app_ctx):
    user, other = make_user(), make_user()

    def agree(expected: int) -> None:
        assert unread_counter(user) == unread_rows(user) == expected

    agree(0)
    assert tell(user, 1) == 1
    agree(1)
    # Two notifications in one transaction (one event told twice in a list, and another event).
    about = notes.Subject("idea", 2, "/ideas/2")
    with write_transaction():
        assert notes.notify([user.id, user.id, other.id], "reply", "test:reply:2", about, PARAMS["reply"], now()) == 2
        assert notes.notify([user.id], "status", "test:status:2", about, PARAMS["status"], now()) == 1
    agree(3)
    assert unread_counter(other) == unread_rows(other) == 1
    assert tell(user, 1) == 0  # the same event again: nothing, and no count
    agree(3)

    first = told(user)[0]
    with write_transaction():
        notes.mark_read(user, first.id, now())
    agree(2)
    with write_transaction():
        notes.mark_read(user, first.id, now())  # read twice: still one fewer
    agree(2)
    with write_transaction():
        notes.mark_all_read(user, now())
    agree(0)
    assert unread_counter(other) == 1  # someone else's stay unread
    tell(user, 4)
    agree(1)


def test_notifications_arriving_at_the_same_moment_are_all_counted(app, app_ctx):
    user = make_user()
    in_list_only(user)
    user_id = user.id  # the threads use the id, not this session's object

    def arrive(n):
        def task():
            with write_transaction():
                return notes.notify([user_id], "reply", f"test:reply:{n}", notes.Subject("idea", n, f"/ideas/{n}"), PARAMS["reply"], now())
        return task

    db.session.commit()
    assert run_in_parallel(app, [arrive(n) for n in range(1, 7)]) == [1] * 6
    assert unread_counter(user_id) == unread_rows(user_id) == 6


def test_someone_elses_notification_cannot_be_marked_read(app_ctx):
    owner, other = make_user(), make_user()
    tell(owner, 1)
    [row] = told(owner)
    with pytest.raises(ServiceError) as refusal:
        with write_transaction():
            notes.mark_read(other, row.id, now())
    assert refusal.value.code == "not_found"
    assert unread_counter(owner) == unread_rows(owner) == 1


# --- the header and the list ------------------------------------------------------------------------------------


def test_the_header_shows_the_count_without_an_extra_query(app_ctx, make_client, count_queries):
    user = make_user()
    in_list_only(user)
    client = signed_in(make_client, user)
    client.get("/account")  # warm up whatever a first request loads once
    with count_queries() as without:
        page = client.get("/account").get_data(as_text=True)
    assert 'class="unread-count"' not in page
    tell(user, 1)
    tell(user, 2, "reply")
    with count_queries() as with_two:
        page = client.get("/account").get_data(as_text=True)
    assert re.search(r'class="unread-count">2<span class="visually-hidden"> unread</span>', page)
    assert len(with_two) == len(without), (without, with_two)
    assert not any(re.search(r"\bnotifications\b", statement) for statement in with_two)  # the count comes with the person
    # ...read from its own table (unread_counts), not from the users row that votes and sign-ins lock.
    assert any("unread_counts" in statement for statement in with_two)


def test_the_list_shows_thirty_a_page_newest_first(app_ctx, make_client):
    user = make_user()
    in_list_only(user)
    for n in range(1, 32):
        tell(user, n)
    client = signed_in(make_client, user)
    first = client.get("/notifications").get_data(as_text=True)
    assert listed(first) == 30
    ids = [int(i) for i in re.findall(r'action="/notifications/(\d+)/open"', first)]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 30
    assert 'href="/notifications?page=2"' in first and "Newer" not in first
    second = client.get("/notifications?page=2").get_data(as_text=True)
    assert listed(second) == 1
    assert 'href="/notifications?page=1"' in second and "?page=3" not in second
    [last] = re.findall(r'action="/notifications/(\d+)/open"', second)
    assert int(last) < min(ids)
    assert listed(client.get("/notifications?page=3").get_data(as_text=True)) == 0
    assert client.get("/notifications?page=banana").status_code == 200


def test_opening_a_notification_marks_it_read_and_leads_to_its_subject(app_ctx, make_client):
    user, other = make_user(), make_user()
    in_list_only(user)
    tell(user, 1, path="/ideas/1#comment-9")
    tell(user, 2)
    tell(other, 3)
    opened, kept = told(user)
    [theirs] = told(other)
    client = signed_in(make_client, user)
    response = client.post_form(f"/notifications/{opened.id}/open", token_from="/notifications")
    assert response.status_code == 302 and response.headers["Location"].endswith("/ideas/1#comment-9")
    db.session.expire_all()
    assert db.session.get(Notification, opened.id).read_at is not None
    assert db.session.get(Notification, kept.id).read_at is None
    assert unread_counter(user) == unread_rows(user) == 1
    assert 'class="unread-count">1<' in client.get("/notifications").get_data(as_text=True)

    # Someone else's, or none at all: not found, and nothing changes.
    assert client.post_form(f"/notifications/{theirs.id}/open", token_from="/notifications").status_code == 404
    assert client.post_form("/notifications/99999999/open", token_from="/notifications").status_code == 404
    assert client.get(f"/notifications/{kept.id}/open").status_code == 405  # reading changes state only by a POST
    assert unread_counter(other) == unread_rows(other) == 1

    marked = client.post_form("/notifications/read", token_from="/notifications")
    assert marked.status_code == 302
    assert unread_counter(user) == unread_rows(user) == 0
    assert unread_counter(other) == 1
    assert 'class="unread-count"' not in client.get("/notifications").get_data(as_text=True)


@pytest.mark.parametrize("page", range(-(-len(PARAMS) // notes.PAGE_SIZE)))
def test_the_list_words_every_event_in_both_languages(app_ctx, make_client, page):
    """Each page's worth of events told to one person, whose list then shows them all on one page."""
    assert set(PARAMS) == set(events.EVENTS), "give the new event's parameters here, as its receiver stores them"
    user = make_user()
    in_list_only(user)
    shown = list(events.EVENTS)[page * notes.PAGE_SIZE:(page + 1) * notes.PAGE_SIZE]
    for n, event in enumerate(shown, start=1):
        tell(user, n, event)
    rows = told(user)
    assert len(rows) == len(shown) <= notes.PAGE_SIZE
    client = signed_in(make_client, user)
    page = html.unescape(client.get("/notifications").get_data(as_text=True))
    assert "%(" not in page
    for row in rows:
        text = rendered(row, "en")
        assert text in page, text
        assert rendered(row, "ko")  # the Korean catalogue (or its fallback) fills every parameter too
    english = {row.event: rendered(row, "en") for row in rows}
    with force_locale("ko"):
        korean_words = {row.event: events.text_of(row.event, row.params) for row in rows}
    if page == 0:
        assert "Accepted" in english["own_answered"] and "accepted" not in english["own_answered"]  # codes as words
        assert "Voting" in english["round_phase"] and "off_topic" not in english["own_hidden"]
        assert "2031" in english["tier_reached"] and "T06:00" not in english["tier_reached"]  # a date, not an ISO string
    # A department's name in the reader's language, a result and a step in words, the contact, a date.
    expected = {"cr_transferred": ("from Transport to Roads", "교통과에서 도로과(으)로"), "cr_completed": ("Partly resolved", "일부 해결"),
                "cr_supporter_news": ("Transferred", "이송"), "cr_extended": ("062-120", "062-120"), "cr_survey": ("2031", "2031")}
    for event, (in_english, in_korean) in expected.items():
        if event in english:
            assert in_english in english[event] and in_korean in korean_words[event], (english[event], korean_words[event])
            assert "T06:00" not in english[event] and ("Roads" not in korean_words[event]) and ("도로과" not in english[event])

    korean = make_client()
    korean.login(user.email)
    with korean.session_transaction() as session:
        session["lang"] = "ko"
    page_ko = html.unescape(korean.get("/notifications").get_data(as_text=True))
    assert "%(" not in page_ko and listed(page_ko) == len(rows)
    with force_locale("ko"):
        for row in rows:
            assert events.text_of(row.event, row.params) in page_ko


# --- the outbox, for administrators ------------------------------------------------------------------------------


def test_the_outbox_page_lists_emails_and_files_for_administrators_only(app_ctx, make_client):
    resident = make_user()
    tell(resident, 1, "answered")
    tell(resident, 2, "reply")
    rows = list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.user_id == resident.id).order_by(OutboxMessage.id)))
    assert len(rows) == 2
    assert mail.deliver_email_outbox(now()) == {"sent": 2, "failed": 0}
    names = [mail.file_name(row) for row in rows]
    assert all((Path(current_app.config["MAIL_OUTBOX_DIR"]) / name).is_file() for name in names)

    admin = signed_in(make_client, make_user(roles={"admin"}))
    page = admin.get("/admin/outbox")
    assert page.status_code == 200
    text = html.unescape(page.get_data(as_text=True))
    for row in rows:
        assert row.subject in text and f"/admin/outbox?id={row.id}" in text
    assert resident.email in text
    for name in names:
        assert f'href="/admin/outbox/files/{name}"' in text
    shown = html.unescape(admin.get(f"/admin/outbox?id={rows[0].id}").get_data(as_text=True))
    assert rows[0].text_body.strip().splitlines()[0] in shown
    assert admin.get("/admin/outbox?status=pending").status_code == 200
    assert rows[0].subject not in html.unescape(admin.get("/admin/outbox?status=pending").get_data(as_text=True)).split("</caption>", 1)[1]

    eml = admin.get(f"/admin/outbox/files/{names[0]}")
    assert eml.status_code == 200 and eml.mimetype == "text/plain"
    assert eml.headers["X-Content-Type-Options"] == "nosniff"
    assert b"List-Unsubscribe-Post: List-Unsubscribe=One-Click" in eml.data
    for bad in ("..%2Fsecret.eml", ".hidden.eml", "notes.txt", "missing-000000.eml"):
        assert admin.get(f"/admin/outbox/files/{bad}").status_code == 404, bad

    resident_client = signed_in(make_client, resident)
    assert resident_client.get("/admin/outbox").status_code == 403
    assert resident_client.get(f"/admin/outbox/files/{names[0]}").status_code == 403
    visitor = make_client()
    for path in ("/admin/outbox", f"/admin/outbox/files/{names[0]}"):
        refused = visitor.get(path)
        assert refused.status_code == 302 and "/login" in refused.headers["Location"]
