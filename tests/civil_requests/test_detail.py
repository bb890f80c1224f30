"""A request's page: private to its applicant and handlers, public without the applicant's name, and
readable by a browser that tracked it by number."""
from __future__ import annotations

from participation.civil_requests import tracking
from participation.extensions import db
from tests.factories import make_civil_request, make_department, make_request_category, make_user


def test_a_private_request_is_seen_by_its_applicant_and_department_only(app, app_ctx, client):
    roads = make_department("도로과")
    applicant, other = make_user(display_name="신청한사람"), make_user()
    official = make_user(roles={"official"}, department=roads)
    request = make_civil_request(make_request_category(roads), applicant)
    url = f"/requests/{request.id}"
    assert client.get(url).status_code == 404
    client.login(other.email)
    assert client.get(url).status_code == 404
    for person in (applicant, official):
        fresh = app.test_client()
        fresh.login(person.email)
        page = fresh.get(url, headers={"Accept-Language": "ko"})
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert request.tracking_number in html and "신청한사람" in html and "접수됨" in html


def test_a_public_request_never_shows_who_filed_it(app, app_ctx, client):
    applicant = make_user(display_name="숨겨야할이름")
    request = make_civil_request(applicant=applicant, is_public=True)
    page = client.get(f"/requests/{request.id}")
    assert page.status_code == 200
    assert "숨겨야할이름" not in page.get_data(as_text=True)


def test_a_browser_that_tracked_the_request_reads_it(app, app_ctx):
    request = make_civil_request()
    request_id = request.id
    db.session.commit()
    client = app.test_client()
    assert client.get(f"/requests/{request_id}").status_code == 404
    with client.session_transaction() as session:
        session[tracking.SESSION_KEY] = [request_id]
    assert client.get(f"/requests/{request_id}").status_code == 200
    assert client.get("/requests/999999").status_code == 404
