"""Issue 7 done end to end in the browser: a resident applies to a monitoring panel, an admin makes
the draw (re-run here from the published seed and list), the resident evaluates a campaign (an
incomplete submission first, an XSS comment and a photo), the campaign closes by itself (the real
scheduler), the department answers with an action plan, an admin publishes early ("Publish now"),
and a visitor reads the scorecard (charts with their tables, the answer, the CSV) on a phone.

Every person is a browser context of their own at 360 px wide. They sign in through the Korean
form, then press "English" (kept for the session), so the assertions read the English source
strings whatever the Korean catalogue holds. Every page is watched for dialogs (an XSS payload
that ran would open one), script errors and console errors such as CSP refusals.

Publication: the campaign keeps the default 14-day publish delay, so the admin publishes it with
"Publish now" once the department has answered (the scheduler only closes it).
"""
from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update

from participation.accounts.models import User
from participation.core.time import now
from participation.extensions import db
from participation.panels import lottery
from participation.panels import services as panel_services
from participation.panels.models import Campaign, Evaluation, Panel, PublicService
from tests.browser.conftest import open_menu, reload_until
from tests.factories import jpeg_bytes, make_department, make_district, make_user
from tests.panels.helpers import apply_many, evaluate, make_campaign, make_panel, make_service

pytestmark = pytest.mark.browser

XSS = "<img src=x onerror=alert(1)>"
COMMENT = f"배차 간격이 너무 깁니다 {XSS}"
FORMULA = "=HYPERLINK(\"http://evil.example\",\"click\")"
CAMPAIGN = "2026년 하반기 버스 평가"  # the factories' campaign title
PANEL = "버스 서비스 시민 모니터링단"  # the factories' panel name
# The campaign closes this long after it is created; the resident evaluates meanwhile.
CLOSES_IN = timedelta(seconds=8)


@pytest.fixture
def scene(app):
    with app.app_context():
        department = make_department("버스정책과", name_en="Bus Policy Division")
        make_district("강남구", name_en="Gangnam-gu")  # where the resident says they live
        elsewhere = make_district("서초구", name_en="Seocho-gu")
        admin = make_user(email="admin@example.kr", display_name="운영자", roles={"admin"})
        # Four seats. Six neighbours apply in one stratum; the resident will be alone in another
        # (Gangnam-gu, 40-49), whose largest remainder (4/7 against 24/7's 3/7) wins the fourth
        # seat: the resident is drawn whatever the seed, and three of the six are drawn by lot.
        panel = make_panel(admin, size=4, department=department)
        neighbours = [make_user() for _ in range(6)]
        apply_many(panel, neighbours, districts=[elsewhere], bands=("30-39",))
        resident = make_user(email="resident@example.kr", display_name="버스타는주민")
        official = make_user(email="official@example.kr", display_name="버스정책과 주무관", roles={"official"}, department=department)
        service = make_service(admin, department)
        db.session.commit()
        yield {"panel": panel.id, "service": service.id, "admin": admin.email, "admin_id": admin.id, "resident": resident.email,
               "resident_id": resident.id, "official": official.email}
        db.session.remove()


@pytest.fixture
def scheduler(app):
    """The real scheduler, as `make run` starts it; the test starts it once the campaign exists,
    so its catch-up plans a sweep just after the campaign's closing time."""
    from participation.scheduler.scheduling import SweepScheduler

    running = SweepScheduler.for_app(app)
    yield running
    running.shutdown()







# Words (between spaces, hyphens and dashes) of table cells and facts that a line break cuts in two.
BROKEN_WORDS = """() => {
  const broken = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node; (node = walker.nextNode());) {
    const el = node.parentElement;
    if (!el.closest(".table-wrap th, .table-wrap td, .table-wrap caption, .facts dt, .facts dd") || el.closest(".visually-hidden")) continue;
    for (const m of node.data.matchAll(/[^\\s\\-\u2013\u2014\\/·(),]+/g)) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.bottom)));
      if (lines.size > 1) broken.push(m[0]);
    }
  }
  return broken;
}"""


def download(page, link_name: str, to):
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name).click()
    info.value.save_as(to)
    return to


def test_apply_draw_evaluate_close_answer_publish_and_read_the_scorecard(people, scene, scheduler, app, live_server, tmp_path):
    started = time.monotonic()
    panel_path = f"/panels/{scene['panel']}"

    # 1. The resident finds the panel from the main menu (모니터링단) and applies.
    resident = people().sign_in(scene["resident"])
    page = resident.page
    open_menu(page)
    expect(page.get_by_role("navigation", name="주 메뉴").get_by_role("link", name="모니터링단")).to_be_visible()
    resident.in_english().menu("Monitoring panels")
    expect(page.get_by_role("heading", level=1)).to_have_text("Citizen monitoring panels")
    page.get_by_role("link", name=PANEL).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(PANEL)
    page.get_by_role("link", name="Apply to join").click()
    page.get_by_label("District you live in").select_option(label="Gangnam-gu")
    page.get_by_label("Age band", exact=True).select_option(label="40-49 years")
    page.get_by_label("I agree that my district and age band are used for the draw", exact=False).check()
    page.get_by_role("button", name="Apply", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text("Your application is in.")
    taking_part = page.get_by_role("region", name="Taking part")
    expect(taking_part).to_contain_text("You have applied, as P-")
    pseudonym = re.search(r"as (P-[A-Z0-9]{6})", taking_part.inner_text()).group(1)
    applicants = page.get_by_role("table").filter(has_text="applicants, by pseudonym")
    expect(applicants.locator("tbody tr")).to_have_count(7)
    mine = applicants.get_by_role("row").filter(has=page.get_by_role("rowheader", name=pseudonym, exact=True))
    expect(mine).to_contain_text("Gangnam-gu")
    expect(mine).to_contain_text("40-49 years")
    expect(mine).to_contain_text("Applied")
    expect(applicants).not_to_contain_text("버스타는주민")  # the name is never published

    # 2. Recruitment closes; an admin makes the draw.
    with app.app_context():
        db.session.execute(update(Panel).where(Panel.id == scene["panel"]).values(recruitment_closes_at=now() - timedelta(seconds=1)))
        db.session.commit()
        db.session.remove()
    admin = people().sign_in(scene["admin"]).in_english()
    admin.menu("Monitoring panels")
    admin.page.get_by_role("link", name=PANEL).click()
    admin.page.get_by_role("button", name="Make the draw").click()
    expect(admin.page.locator(".flash-success")).to_contain_text("The draw is made and its seed is published.")
    expect(admin.page.get_by_role("button", name="Make the draw")).to_have_count(0)

    page.reload()
    seed = page.locator("#draw code").inner_text().strip()
    assert re.fullmatch(r"[0-9a-f]{32}", seed), seed
    expect(taking_part).to_contain_text(f"You are a member of this panel, as {pseudonym}.")
    expect(mine).to_contain_text("Member (by lot)")
    rows = page.locator("#draw tbody tr").evaluate_all("rows => rows.map(r => [r.cells[0].innerText.trim(), r.cells[3].innerText.trim()])")
    members_shown = {name for name, status in rows if status.startswith("Member")}
    assert len(members_shown) == 4 and pseudonym in members_shown
    assert sum(status.startswith("Reserve") for _, status in rows) == 3
    # Anyone can re-run the draw from the published seed, list and program.
    target = int(re.search(r"python lottery\.py SEED (\d+) applicants\.csv", page.locator("#draw").inner_text()).group(1))
    listing = download(page, "Download the applicant list (CSV)", tmp_path / "applicants.csv")
    program = download(page, "Download the draw program (lottery.py)", tmp_path / "lottery.py")
    assert set(lottery.draw(seed, lottery.read_applicants_csv(listing), target).selected) == members_shown
    rerun = subprocess.run([sys.executable, str(program), seed, str(target), str(listing)], capture_output=True, check=True,
                           encoding="utf-8", timeout=30)
    assert {line.split(",")[0] for line in rerun.stdout.splitlines()[1:]} == members_shown

    # 3. A campaign with a two-criterion rubric opens for the panel and closes in a few seconds;
    #    two other members have already evaluated (one comment would be a spreadsheet formula).
    with app.app_context():
        admin_user = db.session.get(User, scene["admin_id"])
        panel = db.session.get(Panel, scene["panel"])
        closes = (now() + CLOSES_IN).replace(microsecond=0) + timedelta(seconds=1)
        campaign = make_campaign(admin_user, panel, db.session.get(PublicService, scene["service"]),
                                 opens=now() - timedelta(minutes=5), closes=closes, photo_allowed=True)
        others = [m.user for m in panel_services.members(panel) if m.user_id != scene["resident_id"]]
        evaluate(others[0], campaign, [3, 4], comment=FORMULA)
        evaluate(others[1], campaign, [2, 5])
        campaign_id = campaign.id
        db.session.commit()
        db.session.remove()
    scheduler.start()
    campaign_path = f"/campaigns/{campaign_id}"
    scorecard_path = f"{campaign_path}/scorecard"

    page.reload()
    page.get_by_role("link", name=CAMPAIGN).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(CAMPAIGN)
    expect(page.locator(".phase-badge")).to_have_text("Open for evaluation")
    page.get_by_role("link", name="Evaluate the service").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Evaluate: {CAMPAIGN}")
    punctuality, kindness = page.get_by_role("group", name="정시성", exact=True), page.get_by_role("group", name="친절도", exact=True)
    punctuality.get_by_label("4 · 좋음").check()
    page.get_by_role("button", name="Submit the evaluation").click()
    # Refused: one criterion is not scored. The summary says so and links to that criterion.
    summary = page.get_by_role("alert").filter(has_text="Please correct the following")
    expect(summary).to_be_visible()
    link = summary.get_by_role("link", name=re.compile("^친절도: Score every criterion before submitting: 친절도"))
    expect(link).to_be_visible()
    expect(kindness).to_contain_text("Score every criterion before submitting")
    expect(punctuality.get_by_label("4 · 좋음")).to_be_checked()  # what was scored is kept
    link.click()
    assert page.evaluate("document.querySelector(':target').closest('fieldset').querySelector('legend').textContent.trim()") == "친절도"
    kindness.get_by_label("5 · 매우 좋음").check()
    page.get_by_label("Comment (optional)").fill(COMMENT)
    photo = tmp_path / "bus-stop.jpg"
    photo.write_bytes(jpeg_bytes())
    page.get_by_label("Evidence photo (optional)").set_input_files(photo)
    page.get_by_role("button", name="Submit the evaluation").click()
    expect(page.locator(".flash-success")).to_contain_text("Your evaluation is submitted.")
    yours = page.get_by_role("region", name="Your evaluation")
    expect(yours).to_contain_text("Submitted")
    expect(yours).to_contain_text("4 · 좋음")
    expect(yours).to_contain_text("5 · 매우 좋음")
    expect(yours.get_by_text(COMMENT)).to_be_visible()  # shown as text, not markup
    assert page.locator('img[src="x"]').count() == 0
    assert not [p for p in resident.problems if p.startswith("dialog")], resident.problems
    thumbnail = yours.get_by_role("img", name="Your evidence photo")
    expect(thumbnail).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle())
    evaluated_in = time.monotonic() - started
    with app.app_context():
        evaluation = db.session.scalar(select(Evaluation).where(Evaluation.user_id == scene["resident_id"]))
        assert evaluation.status == "submitted" and evaluation.submitted_at <= closes, "the resident was too slow for the campaign"
        photo_token = evaluation.photo_token
        margin = (closes - evaluation.submitted_at).total_seconds()
        db.session.remove()

    # A visitor cannot read the scorecard (nor the photo) before it is published.
    visitor = people()
    visitor.goto("/").get_by_role("button", name="English").click()
    early = visitor.page.request.get(live_server + scorecard_path, max_redirects=0)
    assert early.status == 302 and "/login" in early.headers["location"], early.status  # sign in: only officials and admins may
    assert visitor.page.request.get(f"{live_server}/evaluations/photos/{photo_token}-thumb.jpg", max_redirects=0).status == 404

    # 4. Nobody presses anything: the scheduler closes the campaign at its closing time.
    official = people().sign_in(scene["official"]).in_english()
    reload_until(official.page, live_server + campaign_path, "Computed; public on")
    closed_after = time.monotonic() - started
    expect(official.page.locator(".phase-badge")).to_have_text("Closed; scorecard awaiting publication")
    resident.goto(campaign_path)
    expect(page.locator(".phase-badge")).to_have_text("Closed; scorecard awaiting publication")
    expect(page.get_by_role("link", name="Edit your evaluation")).to_have_count(0)

    # 5. The official answers from the response inbox and plans an action.
    o = official.page
    official.menu("Response inbox")
    row = o.get_by_role("row").filter(has_text=f"Scorecard: {CAMPAIGN}")
    expect(row).to_contain_text("A monitoring panel's scorecard")
    row.get_by_role("link", name=f"Answer: Scorecard: {CAMPAIGN}").click()
    expect(o.get_by_role("heading", level=1)).to_have_text("Answer the scorecard")
    o.get_by_label("Partially accepted", exact=True).check()
    o.get_by_label("Explanation to residents").fill("출퇴근 시간 배차 간격을 **10분 이내**로 줄이겠습니다.")
    o.get_by_role("button", name="Save the response").click()
    expect(o.locator(".flash-success")).to_contain_text("The department's response is saved.")
    expect(o.locator("#response strong").filter(has_text="10분 이내")).to_be_visible()
    plan = o.get_by_role("region", name="Action plan")
    plan.get_by_label("Action", exact=True).fill("7번 노선 출퇴근 증차 2대")
    plan.get_by_label("Due date").fill("2027-03-31")
    plan.get_by_role("button", name="Add to the plan").click()
    expect(o.locator(".flash-success")).to_contain_text("The action is added to the plan.")
    expect(o.get_by_role("region", name="Action plan").get_by_role("table")).to_contain_text("7번 노선 출퇴근 증차 2대")

    # The admin publishes now rather than in 14 days.
    admin.goto(scorecard_path)
    expect(admin.page.get_by_role("note")).to_contain_text("Not public yet")
    admin.page.get_by_role("button", name="Publish now").click()
    expect(admin.page.locator(".flash-success")).to_contain_text("The scorecard is published with the department's response.")

    # 6. The visitor reads the published scorecard, reached from the campaign page.
    v = visitor.page
    visitor.goto(campaign_path)
    expect(v.locator(".phase-badge")).to_have_text("Scorecard published")
    v.get_by_role("link", name=re.compile("^Published ")).click()
    expect(v.get_by_role("heading", level=1)).to_have_text(f"Scorecard: {CAMPAIGN}")
    expect(v.get_by_role("note")).to_have_count(0)
    # Means 3.00 (weight 2) and 4.67 (weight 1): (2 × 3 + 4.67) / 3 = 3.56.
    expect(v.locator(".big-number")).to_have_text("3.56")
    expect(v.locator(".facts")).to_contain_text("3 of 4 members (75%)")
    charts = v.get_by_role("img").and_(v.locator("svg"))
    expect(charts).to_have_count(2)
    expect(v.get_by_role("img", name=re.compile("^Score by criterion"))).to_be_visible()
    expect(v.get_by_role("img", name=re.compile("^Distribution of scores"))).to_be_visible()
    # Each chart is followed by a table of the same figures.
    follows = charts.evaluate_all("svgs => svgs.map(s => { const n = s.nextElementSibling;"
                                  " return n && n.matches('.table-wrap') && n.querySelector('table caption') ? n.querySelector('caption').textContent.trim() : null; })")
    assert follows == ["Statistics per criterion", "Number of panelists giving each score"], follows
    statistics = v.get_by_role("table").filter(has_text="Statistics per criterion")
    expect(statistics.get_by_role("row").filter(has_text="정시성")).to_contain_text("3.00")
    expect(statistics.get_by_role("row").filter(has_text="친절도")).to_contain_text("4.67")
    counts = v.get_by_role("table").filter(has_text="Number of panelists giving each score")
    assert counts.get_by_role("row").filter(has_text="친절도").locator("td").all_inner_texts() == ["0", "0", "0", "1", "2"]
    response = v.get_by_role("region", name="The department's response")
    expect(response).to_contain_text("Partially accepted")
    expect(response).to_contain_text("출퇴근 시간 배차 간격을 10분 이내로 줄이겠습니다.")
    expect(response.get_by_role("link", name=re.compile("Answer the scorecard|Revise the response"))).to_have_count(0)
    action = v.get_by_role("region", name="Action plan").get_by_role("row").filter(has_text="7번 노선 출퇴근 증차 2대")
    expect(action).to_contain_text("Mar 31, 2027")  # typed as ISO, shown in the locale format
    expect(action).to_contain_text("0%")
    expect(v.get_by_role("button", name="Publish now")).to_have_count(0)
    # Comments are not on the scorecard page at all; the payload never becomes an element.
    assert "onerror" not in v.content() and "배차 간격이 너무 깁니다" not in v.content()
    assert v.locator('img[src="x"]').count() == 0
    # The anonymised CSV carries the comment as inert text, and a formula neutralised.
    scores = download(v, "Download the anonymised scores (CSV)", tmp_path / "scores.csv")
    table = list(csv.reader(io.StringIO(scores.read_text(encoding="utf-8-sig"))))
    assert table[0] == ["respondent", "정시성", "친절도", "comment"]
    assert sorted(r[1:3] for r in table[1:]) == [["2", "5"], ["3", "4"], ["4", "5"]]
    assert COMMENT in [r[3] for r in table[1:]]
    assert "'" + FORMULA in [r[3] for r in table[1:]]
    served = v.request.get(live_server + f"{campaign_path}/scores.csv")
    assert served.headers["content-type"].startswith("text/csv")
    assert served.headers["x-content-type-options"] == "nosniff"
    assert "attachment" in served.headers["content-disposition"]
    # Published or not, the evidence photo stays with the panelist, the department and admins.
    assert v.request.get(f"{live_server}/evaluations/photos/{photo_token}-thumb.jpg").status == 404

    # 7. At 360 px the page does not scroll sideways; wide tables scroll inside their .table-wrap,
    #    and no word of a table or of the facts is cut across lines to make it fit.
    for path in (scorecard_path, panel_path, campaign_path):
        visitor.goto(path)
        width = v.evaluate("document.documentElement.scrollWidth")
        assert width <= 361, f"{path} is {width}px wide at a 360px viewport"
        assert v.evaluate(BROKEN_WORDS) == [], f"{path}: words cut across lines"

    with app.app_context():
        assert db.session.get(Campaign, campaign_id).published_at is not None
        db.session.remove()
    print(f"\nsubmitted {margin:.1f}s before the close; evaluated {evaluated_in:.1f}s, closed by the scheduler {closed_after:.1f}s,"
          f" total {time.monotonic() - started:.1f}s after the start")
