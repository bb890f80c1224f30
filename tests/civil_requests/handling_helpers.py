"""Shared by the handling view tests: a department world, and posting a step as its form does."""
from __future__ import annotations

from participation.extensions import db
from tests.deliberation.helpers import signed_in
from tests.factories import make_civil_request, make_department, make_request_category, make_user


def make_world(make_client, **request_options):
    """도로과 leads a streetlight request; 가로등관리과 and 공원과 are other departments."""
    roads = make_department("도로과", name_en="Roads")
    lights = make_department("가로등관리과", name_en="Street Lights")
    parks = make_department("공원과", name_en="Parks")
    category = make_request_category(roads, name_ko="가로등 고장", name_en="Streetlight out")
    category.answer_template_ko = "안녕하십니까. 문의하신 가로등은"
    db.session.commit()
    applicant = make_user(display_name="신청한주민")
    world = {
        "roads": roads, "lights": lights, "parks": parks, "category": category, "applicant": applicant,
        "road": make_user(roles={"official"}, department=roads, display_name="도로담당"),
        "road2": make_user(roles={"official"}, department=roads, display_name="도로담당둘"),
        "light": make_user(roles={"official"}, department=lights, display_name="가로등담당"),
        "park": make_user(roles={"official"}, department=parks, display_name="공원담당"),
        "admin": make_user(roles={"admin"}),
    }
    world["request"] = make_civil_request(category, applicant, **request_options)
    world["client"] = lambda name: signed_in(make_client, world[name])
    return world


def act(client, request, step: str, *, version: int | None = None, headers=None, **fields):
    """Post one handling step as its form on the handle page would (prefixed fields, the page's version)."""
    db.session.refresh(request)
    data = {f"{step}-{name}": value for name, value in fields.items()}
    data[f"{step}-version"] = str(request.version if version is None else version)
    return client.post_form(f"/requests/{request.id}/{step.replace('_', '-')}", data, headers=headers or {})
