"""Garbage in any form field of any page gets a clear answer, never a 500."""
from __future__ import annotations

import pytest

from tests.factories import make_category, make_department, make_district, make_idea, make_round, make_user

GARBAGE = [
    "",
    " ",
    "가" * 5000,
    "'; DROP TABLE users; --",
    "<script>alert(1)</script>",
    "-1",
    "99999999999999999999999",
    "1.5",
    "\u202e\u200b",
    "😀" * 40,
]
FIELDS = ["title", "description", "body", "reason", "category_ids", "district_ids", "submission_opens_at",
          "submission_closes_at", "voting_opens_at", "voting_closes_at", "votes_per_resident", "tiers-0-threshold",
          "tiers-0-responder", "tiers-0-response_days", "selection_rule", "selection_top_n", "publish_delay_hours",
          "latitude", "longitude", "remove_photo_ids", "email", "display_name", "password", "district_id", "consent", "remember", "next", "current_password",
          "new_password", "confirm", "roles", "department_id", "parent_id", "name_ko", "name_en", "lang"]


@pytest.mark.parametrize("value", GARBAGE)
def test_no_form_answers_garbage_with_a_server_error(client, app_ctx, value):
    admin = make_user(roles={"admin"})
    department = make_department()
    category = make_category(department)
    gu = make_district()
    round_ = make_round("submission", department=department, categories=[category])
    idea = make_idea(round_, admin)
    client.login(admin.email)
    token = client.csrf_token()
    posts = ["/rounds/new", f"/rounds/{round_.id}/edit", f"/rounds/{round_.id}/ideas/new", f"/ideas/{idea.id}/edit",
             f"/ideas/{idea.id}/updates", f"/ideas/{idea.id}/withdraw","/account", "/account/password", "/language", f"/admin/users/{admin.id}", "/admin/departments/",
             f"/admin/departments/{department.id}", "/admin/districts/", f"/admin/districts/{gu.id}",
             "/admin/categories/", f"/admin/categories/{category.id}"]
    for url in posts:
        response = client.post(url, data={"csrf_token": token, **{name: value for name in FIELDS}})
        assert response.status_code < 500, (url, response.status_code)
    for url in ("/admin/users", "/admin/audit", "/ideas", f"/rounds/{round_.id}", f"/rounds/{round_.id}/similar"):
        response = client.get(url, query_string={"q": value, "role": value, "action": value, "page": value, "sort": value,
                                                 "category_id": value, "district_id": value, "status": value,
                                                 "round_id": value, "title": value, "body": value, "exclude": value})
        assert response.status_code == 200, url
    anonymous = client.application.test_client()
    for url in ("/login", "/register"):
        response = anonymous.post(url, data={"csrf_token": anonymous.csrf_token(url), **{name: value for name in FIELDS}})
        assert response.status_code < 500, (url, response.status_code)
