"""A body a form endpoint does not understand (JSON, garbage, another content type) is refused, never a 500.

Every POST route of the app is posted to, with its URL filled from real objects, by every role,
with and without a valid CSRF token.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from participation.api.keys import issue_key
from participation.civil_requests.attributes import save_attribute
from participation.civil_requests.models import RequestCategory
from participation.core.db import write_transaction
from participation.core.time import now
from participation.deliberation.models import ModerationItem
from participation.extensions import db
from participation.notifications.models import Notification
from participation.notifications.services import unsubscribe_token
from participation.panels import services as panels
from participation.panels.models import PanelMember
from tests.deliberation.helpers import flag, post, signed_in, visitor
from tests.factories import make_category, make_civil_request, make_department, make_district, make_idea, make_round, make_user
from tests.panels.helpers import close, drawn_panel, make_campaign, make_service
from tests.permissions import ROLES

BAD_BODIES = [
    ("application/json", b'{"title": {"nested": [1, 2]}, "body": ["a", "b"], "csrf_token": null}'),
    ("application/json", b'[1, "two", {"three": 3}]'),
    ("application/json; charset=utf-8", b'"just a string"'),
    ("application/json", b"{not json"),
    ("application/octet-stream", bytes(range(256))),
    ("text/plain", b"title=plain text"),
    ("multipart/form-data", b"--x\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nx\r\n--x--\r\n"),
    ("application/xml", b"<?xml version=\"1.0\"?><idea><title>x</title></idea>"),
]
# A form's own content type with a body that makes no sense: answered as a form (an error, a redirect), never a 500.
GARBLED_FORMS = [
    ("application/x-www-form-urlencoded", b"\xff\xfe\x00title=%ZZ&&=&body=\xc3\x28"),
    ("multipart/form-data; boundary=x", b"\x00\x01 not multipart at all"),
]


def _objects():
    """Real objects for every URL parameter of the POST routes."""
    department = make_department()
    district = make_district()
    category = make_category(department)
    round_ = make_round("submission", department=department, categories=[category])
    author = make_user()
    idea = make_idea(round_, author)
    comment = post(make_user(), idea)
    flag(make_user(), comment)
    panel, people, admin = drawn_panel(3)
    service = make_service(admin)
    campaign = make_campaign(admin, panel, service)
    finished = make_campaign(admin, panel, service, opens=now() - timedelta(days=3), closes=now() - timedelta(hours=1), schedule=False)
    with write_transaction():
        panels.schedule_campaign(admin, finished, now() - timedelta(days=4))
    close(finished)
    with write_transaction():
        action = panels.add_action_item(admin, finished, "배차 간격 조정", now().date() + timedelta(days=30), now())
    db.session.commit()
    member = db.session.scalars(select(PanelMember).where(PanelMember.panel_id == panel.id)).first()
    moderation_item = db.session.scalars(select(ModerationItem)).first()
    notification = db.session.scalars(select(Notification)).first()
    assert moderation_item and notification and member
    request_category = RequestCategory(name_ko="가로등 고장", kind="grievance", department_id=department.id, created_at=now())
    db.session.add(request_category)
    db.session.commit()
    civil_request = make_civil_request(request_category, author, is_public=True)
    with write_transaction():
        api_key, _secret = issue_key(None, "새봄 민원 앱", ["read"], now())
    with write_transaction():
        attribute = save_attribute(None, request_category, None, code="pole", datatype="string", required=False, order=1,
                                   description_ko="전봇대 번호", description_en="", values=[], now=now())
    return {
        "attribute_id": attribute.id, ("civil_requests.admin_attribute_retire", "action"): "retire",
        "key_id": api_key.id,
        "request_id": civil_request.id,
        "category_id": request_category.id, ("civil_requests.admin_category_retire", "action"): "retire", "day": "2027-03-02",
        "round_id": round_.id, "idea_id": idea.id, "comment_id": comment.id, "user_id": author.id, "panel_id": panel.id,
        "member_id": member.id, "campaign_id": campaign.id, "criterion_id": campaign.criteria[0].id,
        "notification_id": notification.id, "token": unsubscribe_token(author.id, "my_ideas"),
        "subject_id": idea.id, "kind_name": "idea",
        # Parameters whose object depends on the route.
        ("admin.reference_edit", "item_id"): department.id, ("admin.reference_retire", "item_id"): district.id,
        ("admin.reference_edit", "kind"): "departments", ("admin.reference_retire", "kind"): "districts",
        ("admin.reference_list", "kind"): "categories", ("admin.reference_retire", "action"): "retire",
        ("deliberation.decide", "item_id"): moderation_item.id, ("notifications.follow", "kind"): "idea",
        ("panels.action_progress", "item_id"): action.id, ("panels.action_progress", "campaign_id"): finished.id,
        ("panels.add_action", "campaign_id"): finished.id, ("panels.respond", "campaign_id"): finished.id,
        ("panels.publish", "campaign_id"): finished.id,
        ("open311.post_request", "fmt"): "json",
    }


def _post_urls(app, objects) -> list[str]:
    urls = []
    with app.test_request_context():
        from flask import url_for

        for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
            if "POST" not in rule.methods:
                continue
            values = {name: objects.get((rule.endpoint, name), objects.get(name)) for name in rule.arguments}
            missing = [name for name, value in values.items() if value is None]
            assert not missing, f"give {rule.endpoint} a real object for {missing}"
            urls.append(url_for(rule.endpoint, **values))
    return urls


def test_no_post_route_answers_a_body_it_does_not_understand_with_a_server_error(app, app_ctx, make_client):
    objects = _objects()
    urls = _post_urls(app, objects)
    assert len(urls) > 50
    clients = {"visitor": visitor(make_client)}
    department = make_department()
    for role in ROLES[1:]:
        roles = set() if role == "resident" else {role}
        clients[role] = signed_in(make_client, make_user(roles=roles, department=department if role == "official" else None))

    failures = []
    for role, client in clients.items():
        token = client.csrf_token()
        for url in urls:
            for content_type, body in BAD_BODIES + GARBLED_FORMS:
                refused_as_unreadable = (content_type, body) in BAD_BODIES
                for headers in ({"X-CSRFToken": token}, {}):
                    try:
                        response = client.post(url, data=body, content_type=content_type, headers=headers)
                    except Exception as exc:  # the test app lets unexpected errors through: each is a 500
                        failures.append(f"{role} {url} {content_type} {body[:20]!r} csrf={bool(headers)}: {exc!r}")
                        continue
                    if response.status_code >= 500 or (refused_as_unreadable and response.status_code != 400):
                        failures.append(f"{role} {url} {content_type} {body[:20]!r} csrf={bool(headers)}: {response.status_code}")
    assert not failures, f"{len(failures)} bad bodies were not refused:\n" + "\n".join(failures[:40])


def test_a_json_caller_gets_the_json_error_and_a_browser_the_error_page(app, app_ctx, make_client):
    client = signed_in(make_client, make_user())
    headers = {"X-CSRFToken": client.csrf_token()}
    as_json = client.post("/account", data=b"[1]", content_type="application/json", headers={**headers, "Accept": "application/json"})
    assert as_json.status_code == 400
    assert as_json.get_json()["error"]["code"] == "unsupported_body"
    assert client.post("/account", data=b"[1]", content_type="application/json", headers=headers).get_json()["error"]["status"] == 400
    as_page = client.post("/account", data=b"<x/>", content_type="application/xml", headers=headers)
    assert as_page.status_code == 400
    assert as_page.mimetype == "text/html"
    assert "Bad request" in as_page.get_data(as_text=True)


def test_an_ordinary_form_and_an_empty_button_post_still_get_through(app, app_ctx, make_client):
    client = signed_in(make_client, make_user())
    token = client.csrf_token()
    assert client.post("/language", data={"csrf_token": token, "lang": "ko"}).status_code == 302
    assert client.post("/notifications/read", headers={"X-CSRFToken": token}).status_code in (302, 303)


def test_the_json_api_space_is_left_to_read_json_itself(app, app_ctx, make_client):
    client = visitor(make_client)
    response = client.post("/api/anything", data=b'{"a": 1}', content_type="application/json", headers={"X-CSRFToken": client.csrf_token()})
    assert response.status_code == 404
