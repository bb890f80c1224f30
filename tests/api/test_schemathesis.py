"""Schemathesis against /api/v1/openapi.json, as the app serves it (WSGI, no server), on whichever
engine the suite runs on (SQLite, or PostgreSQL with TEST_DATABASE_URL).

Every operation the document lists is called with generated requests (its examples, the coverage
cases schemathesis derives from each parameter's schema, and fuzzed ones) and every answer must
conform to the document: a documented status, its content type, its headers, its body schema, and
never a 5xx. The database is full (tests/browser/scene.py's scene, and a round in every phase), so
lists return real rows; each path parameter is given the ids of real items (found by reading the
API itself, see tests/api/crawl.py) as examples besides the generated ones, and
`test_every_real_item_conforms` reads each real item once more, explicitly.

Bounded so the suite stays quick: at most MAX_EXAMPLES generated requests per operation,
derandomized (the same requests every run), no example database.
"""
from __future__ import annotations

import itertools
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode, checks

from participation.extensions import db, limiter
from tests.api.crawl import PARAM, real_path_values
from tests.api.scenes import build_panels_scene
from tests.browser.scene import build_scene
from tests.conftest import empty_database
from tests.factories import make_round

MAX_EXAMPLES = 20
REAL_EXAMPLES = 5  # real values offered per path parameter
CALLS: Counter = Counter()  # generated requests per path, and twins aimed at real items ("real " + path)


@pytest.fixture(autouse=True)
def _clean_database():
    """Overrides the suite's: this module's database is filled once and emptied when the module is
    done (see `scene`); only the rate-limit state is put back after each test."""
    state = vars(limiter).copy()
    yield
    vars(limiter).update(state)


@pytest.fixture(scope="module")
def scene(app):
    """One of everything (tests/browser/scene.py) and a round in each phase, drafts included."""
    saved = {name: app.config[name] for name in ("API_RATE_LIMIT", "API_KEY_RATE_LIMIT")}
    # Thousands of requests from one address in a few seconds: the limits are tested in test_v1_basics.
    app.config.update(API_RATE_LIMIT="1000000 per minute", API_KEY_RATE_LIMIT="1000000 per minute")
    with app.app_context():
        built = build_scene()
        build_panels_scene(" 2")  # a published scorecard, and campaigns in every state
        for phase in ("draft", "upcoming", "submission", "review", "voting", "closed"):
            make_round(phase, title=f"{phase} 회차")
        db.session.commit()
        db.session.remove()
    yield built
    app.config.update(saved)
    empty_database(app)


@pytest.fixture(scope="module")
def document(app, scene) -> dict:
    response = app.test_client().get("/api/v1/openapi.json", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    found = response.get_json()
    operations = [(path, method) for path, item in found["paths"].items() for method in item]
    assert operations, "the document lists no operations: schemathesis would test nothing"
    return found


@pytest.fixture(scope="module")
def real_values(app, document) -> dict[str, list[dict]]:
    values = real_path_values(app.test_client(), document)
    with_params = [path for path in document["paths"] if PARAM.search(path)]
    missing = [path for path in with_params if not values.get(path)]
    assert not missing, f"no real item found for {missing}: make the scene build one (or link to it from a list)"
    return values


def _document_without_a_database() -> dict:
    """The document as the app serves it, built at collection time: it depends on the routes and
    their schemas only, never on rows, so an app without a database builds the same one."""
    from participation import create_app

    bare = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with bare.test_request_context("/", headers={"Accept-Language": "en"}):
        from participation.api import spec

        return spec.build("en")


schema = schemathesis.openapi.from_dict(_document_without_a_database())


@pytest.fixture(scope="module")
def api_schema(app, scene):
    """The schema, now calling the suite's app (WSGI) with its full database."""
    schema.app = app
    schema.location = "/api/v1/openapi.json"
    yield schema
    schema.app = None


def test_the_collected_document_is_the_served_one(document):
    assert schema.raw_schema == document
    assert schema.raw_schema["paths"], "the document lists no operations: schemathesis would test nothing"


def _is_positive(case) -> bool:
    meta = getattr(case, "meta", None)
    return meta is not None and meta.generation.mode == GenerationMode.POSITIVE


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much, HealthCheck.data_too_large])
def test_every_answer_conforms_to_the_document(case, api_schema, real_values):
    """A generated request, and when it is a valid one with path parameters, its twin aimed at a
    real item (the generated ids mostly miss): both answers must conform."""
    # A cursor is opaque: any string fits its schema, but only one a list gave out is accepted (a
    # forged one is the documented 400). Everything else still has to be accepted when valid.
    opaque = bool(case.query) and bool(case.query.get("cursor"))
    response = case.call_and_validate(app=api_schema.app, excluded_checks=[checks.positive_data_acceptance] if opaque else None)
    assert response.status_code < 500
    CALLS[case.operation.path] += 1
    reals = real_values.get(case.operation.path)
    if reals and case.path_parameters and _is_positive(case):
        real = reals[len(str(case.path_parameters)) % len(reals)]  # deterministic, varied across cases
        twin = case.operation.Case(path_parameters={k: int(v) if v.isdigit() else v for k, v in real.items()},
                                   query=case.query, headers=case.headers)
        twin_response = twin.call_and_validate(app=api_schema.app)
        assert twin_response.status_code in (200, 400), twin_response.text[:500]
        CALLS["real " + case.operation.path] += twin_response.status_code == 200


def test_generated_requests_reached_real_items(document, real_values):
    """Runs after the generated requests (file order): each path with parameters whose generated
    requests ran in this process also reached real items through their twins."""
    ran = [path for path in document["paths"] if CALLS[path]]
    if not ran:
        pytest.skip("the generated requests were not run here (deselected, or on another worker)")
    assert all(CALLS["real " + path] > 0 for path in ran if path in real_values), CALLS


def test_every_real_item_conforms(api_schema, real_values):
    """Each path with parameters, read for real items (the generated requests may mostly miss)."""
    checked = 0
    for path, values_list in real_values.items():
        operation = api_schema[path]["GET"]
        for values in itertools.islice(values_list, REAL_EXAMPLES):
            case = operation.Case(path_parameters={name: int(v) if v.isdigit() else v for name, v in values.items()},
                                  headers={"Accept-Language": "ko"})
            response = case.call_and_validate()
            assert response.status_code == 200, (path, values, response.text[:500])
            checked += 1
    assert checked >= len(real_values) > 0


def test_every_list_returns_rows(app, document, scene):
    """The scene fills every list the document has, so the schema checks above see real rows."""
    client = app.test_client()
    lists = [path for path, item in document["paths"].items()
             if "get" in item and not PARAM.search(path) and "data" in _properties(document, item["get"])]
    assert lists
    empty = [path for path in lists if not client.get(path).get_json()["data"]]
    assert not empty, f"these lists are empty with the scene: {empty}"


def _properties(document: dict, operation: dict) -> dict:
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema.get("properties", {})
