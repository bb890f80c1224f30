"""Schemathesis against the OpenAPI document, for the civil-request and reference endpoints:
whatever parameters it makes up, an answer the document describes, and never a 500."""
from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.civil_requests import public_world

PATHS = r"^/api/v1/(requests|districts|categories|request-categories)"


def test_the_document_holds_for_whatever_a_client_sends(app, app_ctx):
    public_world.city()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app).include(path_regex=PATHS)
    checked = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case):
            # A made-up category or 동 id fits the document's "integer" but names nothing: a 400 that says so.
            case.call_and_validate(excluded_checks=[positive_data_acceptance])

        run()
        checked.append(operation.path)
    assert sorted(checked) == ["/api/v1/categories", "/api/v1/districts", "/api/v1/request-categories",
                               "/api/v1/requests", "/api/v1/requests/{request_id}"]
