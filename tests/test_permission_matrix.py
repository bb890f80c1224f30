"""Who may open which page, for every route of the app."""
from __future__ import annotations

from tests.permissions import EVERY_ROLE, SIGNED_IN, Route, check_matrix, people_by_role

ADMIN = frozenset({"admin"})

ROUTES = [
    Route("GET", "/", EVERY_ROLE),
    Route("GET", "/privacy", EVERY_ROLE),
    Route("GET", "/api/docs", EVERY_ROLE),
    Route("GET", "/api/docs?lang=en", EVERY_ROLE),
    Route("GET", "/healthz", EVERY_ROLE),
    Route("GET", "/favicon.ico", EVERY_ROLE),
    Route("GET", "/login", EVERY_ROLE),
    # A signed-in person is sent to their account page with a message (tests/accounts/test_registration.py).
    Route("GET", "/register", EVERY_ROLE),
    Route("POST", "/language", EVERY_ROLE, {"lang": "en"}),
    Route("GET", "/account", SIGNED_IN),
    Route("GET", "/account/password", SIGNED_IN),
    Route("GET", "/account/delete", SIGNED_IN),
    Route("POST", "/account/delete", SIGNED_IN, {"password": "wrong-password-1", "confirm": "y"}),
    Route("GET", "/admin/", ADMIN),
    Route("GET", "/admin/users", ADMIN),
    Route("GET", "/admin/audit", ADMIN),
    Route("GET", "/admin/departments/", ADMIN),
    Route("POST", "/admin/departments/", ADMIN, {"name_ko": ""}),
    Route("GET", "/admin/districts/", ADMIN),
    Route("GET", "/admin/categories/", ADMIN),
    Route("GET", "/admin/categories/999999", ADMIN),
    Route("POST", "/admin/departments/999999/retire", ADMIN),
    Route("POST", "/admin/districts/999999/restore", ADMIN),
    Route("GET", "/admin/users/999999", ADMIN),
    Route("POST", "/admin/users/999999", ADMIN),
    Route("GET", "/rounds", EVERY_ROLE),
    Route("GET", "/rounds/new", frozenset({"official", "admin"})),
    Route("POST", "/rounds/new", frozenset({"official", "admin"}), {"title": ""}),
    Route("GET", "/ideas", EVERY_ROLE),
    Route("GET", "/ideas/export?format=xlsx", EVERY_ROLE),
    Route("GET", "/me/votes", SIGNED_IN),
    Route("GET", "/moderation", frozenset({"moderator", "admin"})),
    Route("POST", "/moderation/items/999999", frozenset({"moderator", "admin"})),
    Route("GET", "/moderation/items/999999", frozenset({"moderator", "admin"})),
    Route("POST", "/moderation/comments/999999", frozenset({"moderator", "admin"})),
    Route("POST", "/moderation/ideas/999999", frozenset({"moderator", "admin"})),
    Route("GET", "/moderation/users/999999/suspend", frozenset({"moderator", "admin"})),
    Route("GET", "/moderation/log", EVERY_ROLE),
    Route("GET", "/responses/inbox", frozenset({"official", "admin"})),
    Route("GET", "/responses/departments", EVERY_ROLE),
    Route("GET", "/responses/departments/export?format=csv", EVERY_ROLE),
    Route("GET", "/requests/statistics/export?format=xlsx", EVERY_ROLE),
    Route("GET", "/panels/", EVERY_ROLE),
    Route("GET", "/panels/lottery.py", EVERY_ROLE),
    Route("GET", "/panels/new", ADMIN),
    Route("POST", "/panels/new", ADMIN, {"name": ""}),
    Route("GET", "/services/new", ADMIN),
    Route("POST", "/services/new", ADMIN, {"name": ""}),
    Route("GET", "/campaigns/new", ADMIN),
    Route("POST", "/campaigns/new", ADMIN, {"title": ""}),
    # Notifications: one's own list, settings and follows; the outbox for administrators. An unsubscribe
    # link needs no account (its signed token is the credential), so everyone reaches it (a bad token: 400).
    Route("GET", "/notifications", SIGNED_IN),
    Route("POST", "/notifications/read", SIGNED_IN),
    Route("POST", "/notifications/999999/open", SIGNED_IN),
    Route("POST", "/follow/idea/999999", SIGNED_IN),
    Route("POST", "/follow/round/999999", SIGNED_IN),
    Route("GET", "/account/notifications", SIGNED_IN),
    Route("POST", "/account/notifications", SIGNED_IN, {"channel-my_ideas": "loud"}),
    Route("GET", "/unsubscribe/not-a-token", EVERY_ROLE),
    Route("POST", "/unsubscribe/not-a-token", EVERY_ROLE),
    Route("GET", "/admin/outbox", ADMIN),
    Route("GET", "/admin/outbox/files/missing-000000.eml", ADMIN),
    # API keys for client apps (issue 15 item 4): administrators only; more in tests/api/test_key_screens.py.
    Route("GET", "/admin/api-keys/", ADMIN),
    Route("GET", "/admin/api-keys/new", ADMIN),
    Route("POST", "/admin/api-keys/new", ADMIN, {"name": ""}),
    Route("GET", "/admin/api-keys/999999/revoke", ADMIN),
    Route("POST", "/admin/api-keys/999999/revoke", ADMIN, {"confirm": "y"}),
]

# Routes whose answer depends on a round or idea; covered by the role x phase
# matrix in tests/ideas/test_permissions.py and by the tests named here.
ROUND_AND_IDEA_ROUTES = {
    "rounds.edit": "tests/rounds/test_rounds.py",
    "rounds.schedule": "tests/rounds/test_rounds.py",
    "ideas.round_detail": "tests/rounds/test_rounds.py",
    "ideas.submit": "tests/ideas/test_submit.py",
    "ideas.similar": "tests/ideas/test_similar.py",
    "ideas.detail": "tests/ideas/test_submit.py",
    "ideas.edit": "tests/ideas/test_submit.py; a suspended author: tests/ideas/test_permissions.py",
    "ideas.withdraw": "tests/ideas/test_submit.py; a suspended author: tests/ideas/test_permissions.py",
    "ideas.post_update": "tests/ideas/test_submit.py; a suspended author: tests/ideas/test_permissions.py",
    "ideas.photo": "tests/ideas/test_submit.py",
    "voting.vote": "tests/voting/test_voting.py",
    "voting.unvote": "tests/voting/test_voting.py",
    # The outcome page shows more to the administration before publication; publishing early is for admins.
    "outcomes.outcome": "tests/outcomes/test_outcome_page.py",
    "outcomes.export": "tests/outcomes/test_outcome_page.py",
    "outcomes.publish": "tests/outcomes/test_outcome_page.py",
    # Answering and progress depend on the idea's response clock and department: the role x phase
    # matrix in tests/responses/test_permissions.py covers them.
    "responses.answer": "tests/responses/test_permissions.py",
    "responses.progress": "tests/responses/test_permissions.py",
    # Deliberation routes depend on the subject's phase and the comment's author:
    # the role x phase matrix and these tests cover them.
    "deliberation.new_comment": "tests/deliberation/test_permissions.py",
    "deliberation.comment": "tests/deliberation/test_threads.py",
    "deliberation.edit_comment": "tests/deliberation/test_threads.py",
    "deliberation.delete_comment": "tests/deliberation/test_threads.py",
    "deliberation.vote_comment": "tests/deliberation/test_threads.py",
    "deliberation.flag_comment": "tests/deliberation/test_flags_and_moderation.py",
    "deliberation.flag_idea": "tests/deliberation/test_flags_and_moderation.py",
    "deliberation.request_comment_review": "tests/deliberation/test_flags_and_moderation.py",
    "deliberation.request_idea_review": "tests/deliberation/test_flags_and_moderation.py",
}

# Monitoring panel routes whose answer depends on a panel's recruitment and draw or a campaign's
# phase: the role x phase matrices of tests/panels/test_permissions.py cover every one of them
# (functions and pages), and the tests named next to some cover them further.
PANEL_AND_CAMPAIGN_ROUTES = {
    "panels.panel": "tests/panels/test_permissions.py",
    "panels.applicants_csv": "tests/panels/test_permissions.py; tests/panels/test_panels.py",
    "panels.apply": "tests/panels/test_permissions.py; tests/panels/test_panels.py",
    "panels.withdraw": "tests/panels/test_permissions.py; tests/panels/test_panels.py",
    "panels.leave": "tests/panels/test_permissions.py; tests/panels/test_panels.py",
    "panels.draw": "tests/panels/test_permissions.py; tests/panels/test_panels.py",
    "panels.fill": "tests/panels/test_permissions.py; tests/panels/test_panels.py",
    "panels.appoint": "tests/panels/test_permissions.py; tests/panels/test_panels.py",
    "panels.edit_panel": "tests/panels/test_permissions.py; tests/panels/test_panels.py",
    "panels.service": "tests/panels/test_permissions.py",
    "panels.campaign": "tests/panels/test_permissions.py",
    "panels.edit_campaign": "tests/panels/test_permissions.py",
    "panels.add_criterion": "tests/panels/test_permissions.py; tests/panels/test_journey.py",
    "panels.remove_criterion": "tests/panels/test_permissions.py",
    "panels.schedule": "tests/panels/test_permissions.py; tests/panels/test_journey.py",
    "panels.evaluate": "tests/panels/test_permissions.py; tests/panels/test_campaigns.py",
    "panels.evaluation_photo": "tests/panels/test_campaigns.py",
    "panels.scorecard": "tests/panels/test_permissions.py; tests/panels/test_scorecard.py",
    "panels.scores_csv": "tests/panels/test_permissions.py; tests/panels/test_scorecard.py",
    "panels.scores_export": "tests/panels/test_permissions.py; tests/panels/test_scorecard.py",
    "panels.respond": "tests/panels/test_permissions.py; tests/panels/test_scorecard.py",
    "panels.add_action": "tests/panels/test_permissions.py; tests/panels/test_scorecard.py",
    "panels.action_progress": "tests/panels/test_permissions.py; tests/panels/test_scorecard.py",
    "panels.publish": "tests/panels/test_permissions.py; tests/panels/test_scorecard.py",
}

# Routes exercised elsewhere because they need particular state (a profile to
# view, a session to end), with the test that covers each.
COVERED_ELSEWHERE = {
    "accounts.profile": "tests/accounts/test_account.py",
    "accounts.logout": "tests/accounts/test_login.py",
    "static": "served files",
    # Civil requests' reference screens (admins only) and the map's 동 lookup (everyone).
    "civil_requests.admin_categories": "tests/civil_requests/test_admin_reference.py",
    "civil_requests.admin_category_edit": "tests/civil_requests/test_admin_reference.py",
    "civil_requests.admin_category_retire": "tests/civil_requests/test_admin_reference.py",
    "civil_requests.admin_holidays": "tests/civil_requests/test_admin_reference.py",
    "civil_requests.admin_attributes": "tests/open311/test_admin_attributes.py",
    "civil_requests.admin_attribute_edit": "tests/open311/test_admin_attributes.py",
    "civil_requests.admin_attribute_retire": "tests/open311/test_admin_attributes.py",
    # Open311 GeoReport v2: public reads, and filing with a key (never a signed-in person's cookie).
    "open311.discovery": "tests/open311/test_spec_formats.py",
    "open311.services": "tests/open311/test_spec_formats.py",
    "open311.service_definition": "tests/open311/test_spec_formats.py",
    "open311.list_requests": "tests/open311/test_get_requests.py",
    "open311.request_detail": "tests/open311/test_get_requests.py",
    "open311.token": "tests/open311/test_get_requests.py",
    "open311.service_request_updates": "tests/open311/test_journey.py",
    "open311.post_request": "tests/open311/test_post_requests.py",
    "civil_requests.admin_holiday_delete": "tests/civil_requests/test_admin_reference.py",
    "civil_requests.admin_boundaries": "tests/civil_requests/test_admin_reference.py",
    "civil_requests.location": "tests/civil_requests/test_admin_reference.py",
    "civil_requests.detail": "tests/civil_requests/test_detail.py; tests/civil_requests/test_permission_matrix.py",
    "civil_requests.supplement": "tests/civil_requests/test_applicant_views.py",
    "civil_requests.consent_extension": "tests/civil_requests/test_applicant_views.py",
    "civil_requests.reopen": "tests/civil_requests/test_applicant_views.py",
    "civil_requests.rate": "tests/civil_requests/test_applicant_views.py",
    "civil_requests.mine": "tests/civil_requests/test_applicant_views.py",
    "civil_requests.index": "tests/civil_requests/test_public_list.py",
    "civil_requests.map_data": "tests/civil_requests/test_public_list.py",
    "civil_requests.feed": "tests/civil_requests/test_public_feed.py",
    "civil_requests.new": "tests/civil_requests/test_filing.py",
    "civil_requests.nearby": "tests/civil_requests/test_filing.py",
    "civil_requests.support": "tests/civil_requests/test_filing.py",
    "civil_requests.field": "tests/civil_requests/test_filing_staff.py",
    "civil_requests.counter": "tests/civil_requests/test_filing_staff.py",
    "civil_requests.receipt": "tests/civil_requests/test_filing_staff.py",
    "civil_requests.track": "tests/civil_requests/test_filing_staff.py",
    "civil_requests.photo": "tests/civil_requests/test_filing.py",
    "civil_requests.record_supplement": "tests/civil_requests/test_record_for_resident.py",
    "civil_requests.record_consent": "tests/civil_requests/test_record_for_resident.py",
    "civil_requests.queue": "tests/civil_requests/test_queue.py",
    "civil_requests.handle": "tests/civil_requests/test_handling_views.py; tests/civil_requests/test_permission_matrix.py",
    "civil_requests.assign": "tests/civil_requests/test_handling_views.py",
    "civil_requests.start": "tests/civil_requests/test_handling_views.py",
    "civil_requests.ask_supplement": "tests/civil_requests/test_handling_views.py",
    "civil_requests.transfer": "tests/civil_requests/test_handling_views.py",
    "civil_requests.ask_cohandling": "tests/civil_requests/test_handling_views.py",
    "civil_requests.answer_cohandling": "tests/civil_requests/test_handling_views.py",
    "civil_requests.extend": "tests/civil_requests/test_handling_views.py",
    "civil_requests.complete": "tests/civil_requests/test_handling_views.py",
    "civil_requests.link": "tests/civil_requests/test_handling_views.py",
    "civil_requests.close_repeat": "tests/civil_requests/test_handling_views.py",
    "civil_requests.answer_follow_up": "tests/civil_requests/test_handling_views.py",
}


def test_role_by_route_matrix(app, make_client, app_ctx):
    check_matrix(people_by_role(make_client), ROUTES)


# Blueprints whose every endpoint answers as a signed-out visitor whoever asks (or by API key):
# their visitor's view and keys are tested there.
COVERED_BLUEPRINTS = {
    "api.": "tests/api/ (test_v1_basics.py: a cookie changes nothing; the parity tests: what a visitor sees)",
    "open311.": "tests/open311/",
}


def test_every_route_is_in_the_matrix(app):
    """A new view must be added to a permission matrix (here or in its domain's tests)."""
    from werkzeug.routing import MapAdapter

    adapter: MapAdapter = app.url_map.bind("localhost")
    in_matrix = set()
    for route in ROUTES:
        endpoint, _ = adapter.match(route.path.split("?")[0], method=route.method)
        in_matrix.add(endpoint)
    missing = ({rule.endpoint for rule in app.url_map.iter_rules()} - in_matrix - set(COVERED_ELSEWHERE) - set(ROUND_AND_IDEA_ROUTES)
               - set(PANEL_AND_CAMPAIGN_ROUTES))
    missing = {endpoint for endpoint in missing if not endpoint.startswith(tuple(COVERED_BLUEPRINTS))}
    assert not missing, f"add these endpoints to a permission matrix: {sorted(missing)}"


def test_the_panel_routes_named_exist_and_so_do_their_tests(app):
    """The panels mapping names real endpoints and real test files, so it cannot go stale unnoticed."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert set(PANEL_AND_CAMPAIGN_ROUTES) <= endpoints
    # The rest of the blueprint depends on no panel or campaign and is in ROUTES.
    assert {e for e in endpoints if e.startswith("panels.")} - set(PANEL_AND_CAMPAIGN_ROUTES) == {
        "panels.index", "panels.lottery_source", "panels.new_panel", "panels.new_service", "panels.new_campaign"}
    for where in PANEL_AND_CAMPAIGN_ROUTES.values():
        for path in where.split("; "):
            assert (root / path).is_file(), path
