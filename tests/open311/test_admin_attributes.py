"""The admin screens for a category's extra questions (Open311's service attributes): add, edit,
retire and restore, admins only, with the service's checks shown on the form."""
from __future__ import annotations

from sqlalchemy import select

from participation.civil_requests import attributes
from participation.civil_requests.models import RequestAttribute
from participation.core.audit import AuditEvent
from participation.core.errors import ServiceError
from participation.core.time import now
from participation.extensions import db
from tests.factories import make_department, make_request_category
from tests.permissions import Route, check_matrix, people_by_role

ADMIN = frozenset({"admin"})


def _question(**overrides):
    data = {"code": "kind", "description_ko": "어떤 고장인가요?", "description_en": "What is wrong?", "datatype": "singlevaluelist",
            "required": "y", "order": "2", "values": "dark | 꺼짐 | Dark\nflicker | 깜빡임"}
    data.update(overrides)
    return data


def _url(category, *rest):
    return "/".join([f"/requests/admin/categories/{category.id}/questions", *map(str, rest)])


def test_admin_adds_edits_retires_and_restores_a_question(admin_client):
    category = make_request_category(make_department("도로과"), name_ko="가로등 고장")
    base = _url(category) + "/"
    assert admin_client.post_form(base, _question(), token_from=base).status_code == 302
    question = db.session.scalar(select(RequestAttribute))
    assert (question.code, question.datatype, question.required, question.position) == ("kind", "singlevaluelist", True, 2)
    assert question.values == [{"key": "dark", "name_ko": "꺼짐", "name_en": "Dark"}, {"key": "flicker", "name_ko": "깜빡임", "name_en": ""}]
    page = admin_client.get(base).get_data(as_text=True)
    assert "어떤 고장인가요?" in page and "One choice from a list" in page and "Flickering" not in page and "깜빡임" in page

    edit = _url(category, question.id)
    form = admin_client.get(edit).get_data(as_text=True)
    assert "dark | 꺼짐 | Dark" in form and 'value="2"' in form
    assert admin_client.post_form(edit, _question(datatype="string", values="", required="", order="1"), token_from=edit).status_code == 302
    db.session.expire_all()
    question = db.session.get(RequestAttribute, question.id)
    assert (question.datatype, question.values, question.required, question.position) == ("string", [], False, 1)

    assert admin_client.post_form(_url(category, question.id, "retire"), token_from=base).status_code == 302
    db.session.expire_all()
    assert db.session.get(RequestAttribute, question.id).is_retired
    assert attributes.attributes_of(category) == []
    assert admin_client.post_form(_url(category, question.id, "restore"), token_from=base).status_code == 302
    db.session.expire_all()
    assert not db.session.get(RequestAttribute, question.id).is_retired
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"request_attributes.created", "request_attributes.updated", "request_attributes.retired", "request_attributes.restored"} <= actions


def test_the_form_shows_what_is_wrong(admin_client):
    category = make_request_category(make_department())
    base = _url(category) + "/"
    cases = [
        (_question(code="no spaces"), "letters, digits"),
        (_question(values=""), "at least one choice"),
        (_question(datatype="number"), "Only list questions have choices"),
        (_question(values="dark | 꺼짐\ndark | 또 꺼짐"), "already used above"),
        (_question(values="just-a-key"), "key | Korean name | English name"),
        (_question(order="0"), "order"),
        (_question(description_ko=""), "Write the question in Korean"),
        (_question(datatype="colour"), "Choose one of the options"),
    ]
    for data, words in cases:
        response = admin_client.post_form(base, data, token_from=base)
        assert response.status_code == 422, data
        assert words in response.get_data(as_text=True), words
    assert admin_client.post_form(base, _question(), token_from=base).status_code == 302
    again = admin_client.post_form(base, _question(), token_from=base)
    assert again.status_code == 422 and "already uses this code" in again.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count()).select_from(RequestAttribute)) == 1


def test_a_question_of_another_category_is_404(admin_client):
    one, two = make_request_category(make_department()), make_request_category(make_department())
    base = _url(one) + "/"
    admin_client.post_form(base, _question(), token_from=base)
    question = db.session.scalar(select(RequestAttribute))
    assert admin_client.get(_url(two, question.id)).status_code == 404
    assert admin_client.get(_url(one, 999999)).status_code == 404
    assert admin_client.get("/requests/admin/categories/999999/questions/").status_code == 404


def test_only_admins_reach_the_question_screens(make_client, app_ctx):
    category = make_request_category(make_department())
    question = attributes.save_attribute(None, category, None, code="pole", datatype="string", required=False, order=1,
                                         description_ko="번호", description_en="", values=[], now=now())
    db.session.commit()
    check_matrix(people_by_role(make_client), [
        Route("GET", _url(category) + "/", ADMIN),
        Route("POST", _url(category) + "/", ADMIN, {"code": ""}),
        Route("GET", _url(category, question.id), ADMIN),
        Route("POST", _url(category, question.id), ADMIN, {"code": ""}),
        Route("POST", _url(category, question.id, "retire"), ADMIN),
    ])


def test_parse_values_round_trips():
    values = attributes.parse_values("a | 가 | A\n\nb | 나")
    assert values == [{"key": "a", "name_ko": "가", "name_en": "A"}, {"key": "b", "name_ko": "나", "name_en": ""}]
    assert attributes.parse_values(attributes.values_text(values)) == values
    for bad in ("a | 가 | A | extra", "| 가", "a b | 가"):
        try:
            attributes.parse_values(bad)
        except ServiceError:
            continue
        raise AssertionError(bad)
