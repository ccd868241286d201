"""The right of reply in a real browser (screenshots: tests/artifacts/screenshots/monitor-review-NN-*.png).

The supervisor drafts last month's monitor period and opens its review; the editor of hoster A sees it on the
dashboard, follows the link of the e-mail, sees only A's draft figures and notices and disputes a notice's
attribution; the owner of hoster B gets a 404 for A's draft. The review's fourteen days pass; publishing is refused
while the dispute is open; the supervisor upholds it and publishes; the public page says per hoster whether it
reviewed and its corrections.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from portal.models import MemberRole, Role
from scoring.measurement.models import Dispute
from scoring.publication.models import MonitorPeriod, MonitorReview
from tests import factories
from tests.browser.conftest import axe_violations, force_session, screenshot
from tests.scoring.measurement.helpers import run_import

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOT = "monitor-review"


def last_month() -> tuple[date, date]:
    first_of_this = timezone.localdate().replace(day=1)
    last = first_of_this - timedelta(days=1)
    return last.replace(day=1), last


def notices_in(start: date) -> None:
    """Four notices of A and two of B on the fifth of the month, each removed after a few hours."""
    day = timezone.make_aware(datetime.combine(start.replace(day=5), datetime.min.time().replace(hour=9)))
    rows = []
    for index, ip in enumerate(["192.0.2.7"] * 4 + ["198.51.100.7"] * 2):
        reported = day + timedelta(hours=index)
        notice_id = f"{'alpha' if ip.startswith('192') else 'beta'}-{index}"
        rows.append((notice_id, reported.isoformat(), (reported + timedelta(hours=3)).isoformat(), ip, "", "", ""))
    assert run_import(rows, source="meldpunt").ok


def supervisor_drafts_and_opens(boss, base: str, start: date, end: date) -> None:
    boss.goto(f"{base}/supervision/monitor-periods/")
    boss.fill("#id_code", "review-journey")
    boss.fill("#id_title", "Monitor review journey")
    boss.fill("#id_date_from", start.isoformat())
    boss.fill("#id_date_to", end.isoformat())
    assert axe_violations(boss) == []
    screenshot(boss, f"{SHOT}-01-draft-form")
    with boss.expect_navigation():
        boss.get_by_role("button", name="Preview the ranking").click()
    screenshot(boss, f"{SHOT}-02-preview")
    with boss.expect_navigation():
        boss.get_by_role("button", name="Store the draft").click()
    expect(boss.locator("#review-state")).to_have_text("Draft")
    assert axe_violations(boss) == []
    screenshot(boss, f"{SHOT}-03-draft")
    with boss.expect_navigation():
        boss.get_by_role("button", name="Open the review and tell the hosters").click()
    expect(boss.locator("#review-state")).to_have_text("In review")
    screenshot(boss, f"{SHOT}-04-in-review")


def test_review_journey_from_draft_to_published(page_for, live_server):
    hoster_a = factories.make_hoster("hoster-a", name="Hoster A", prefixes=["192.0.2.0/24"])
    hoster_b = factories.make_hoster("hoster-b", name="Hoster B", prefixes=["198.51.100.0/24"])
    editor = factories.make_member(hoster_a, MemberRole.EDITOR, email="editor@a.example")
    owner_b = factories.make_member(hoster_b, MemberRole.OWNER, email="owner@b.example")
    supervisor = factories.make_role_user(Role.SUPERVISOR, email="supervisor@example.org")
    start, end = last_month()
    notices_in(start)
    base = live_server.url

    boss = page_for("en")
    force_session(boss, base, supervisor)
    supervisor_drafts_and_opens(boss, base, start, end)
    told = {message.to[0]: message.body for message in mail.outbox}
    assert set(told) == {"editor@a.example", "owner@b.example"}
    link = next(line for line in told["editor@a.example"].splitlines() if "/monitor/review-journey/" in line)
    assert link.endswith("/hoster/hoster-a/monitor/review-journey/")

    hoster = page_for("en")
    force_session(hoster, base, editor)
    hoster.goto(f"{base}/dashboard/")
    panel = hoster.locator("#monitor-review")
    expect(panel).to_contain_text("Your figures for Monitor review journey are open for review until")
    expect(panel.get_by_role("link", name="Check your figures for Monitor review journey")).to_have_attribute(
        "href", "/hoster/hoster-a/monitor/review-journey/"
    )
    assert axe_violations(hoster) == []
    screenshot(hoster, f"{SHOT}-05a-hoster-dashboard")
    hoster.goto(base + link[link.index("/hoster/") :])
    expect(hoster.locator("#review-open")).to_be_visible()
    expect(hoster.locator("#draft-notices tbody tr")).to_have_count(4)
    assert "Hoster B" not in hoster.content() and "beta-4" not in hoster.content()
    assert axe_violations(hoster) == []
    screenshot(hoster, f"{SHOT}-05-hoster-draft")
    with hoster.expect_navigation():
        hoster.get_by_role("link", name="attribution alpha-0").click()
    hoster.fill("#id_reason", "This address moved to Hoster B before the notice; see RIPE.")
    with hoster.expect_navigation():
        hoster.get_by_role("button", name="Send the dispute").click()
    hoster.goto(f"{base}/hoster/hoster-a/monitor/review-journey/")
    expect(hoster.locator("#review-disputes")).to_contain_text("Open")
    screenshot(hoster, f"{SHOT}-06-hoster-disputed")

    outsider = page_for("en")
    force_session(outsider, base, owner_b)
    assert outsider.goto(f"{base}/hoster/hoster-a/monitor/review-journey/").status == 404
    assert outsider.goto(f"{base}/hoster/hoster-b/monitor/review-journey/").status == 200

    # The fourteen days pass.
    MonitorReview.objects.filter(code="review-journey").update(closes_at=timezone.now() - timedelta(minutes=1))
    boss.goto(f"{base}/supervision/monitor-periods/review-journey/")
    row_a = boss.locator("#replies tbody tr").filter(has_text="Hoster A")
    expect(row_a.locator("td").nth(1)).to_contain_text("yes")
    expect(row_a.locator("td").nth(2)).to_have_text("1")
    expect(boss.locator("#publish-blockers")).to_contain_text("still open")
    expect(boss.get_by_role("button", name="Publish the period")).to_have_count(0)
    assert axe_violations(boss) == []
    screenshot(boss, f"{SHOT}-07-publish-blocked")
    refused = boss.request.post(
        f"{base}/supervision/monitor-periods/review-journey/",
        form={
            "action": "publish",
            "csrfmiddlewaretoken": boss.locator("input[name=csrfmiddlewaretoken]").first.input_value(),
        },
        headers={"Referer": f"{base}/supervision/monitor-periods/review-journey/"},
    )
    assert refused.status == 200 and not MonitorPeriod.objects.exists()

    dispute = Dispute.objects.get()
    boss.goto(f"{base}/supervision/disputes/{dispute.pk}/")
    boss.check("#id_decision_0")
    boss.select_option("#id_new_hoster", label="Hoster B")
    boss.fill("#id_reason", "RIPE confirms the move.")
    with boss.expect_navigation():
        boss.get_by_role("button", name="Decide").click()
    boss.goto(f"{base}/supervision/monitor-periods/review-journey/")
    expect(row_a.locator("td").nth(4)).to_have_text("1")
    screenshot(boss, f"{SHOT}-08-ready")
    with boss.expect_navigation():
        boss.get_by_role("button", name="Publish the period").click()
    assert boss.url == f"{base}/monitor/review-journey/"
    period = MonitorPeriod.objects.get()
    rows = {row["hoster"]: row for row in period.ranking}
    assert (rows["hoster-a"]["notices"], rows["hoster-a"]["reviewed"], rows["hoster-a"]["corrections"]) == (3, True, 1)
    assert (rows["hoster-b"]["notices"], rows["hoster-b"]["reviewed"], rows["hoster-b"]["corrections"]) == (3, True, 0)
    public_a = boss.locator("tbody tr").filter(has_text="Hoster A")
    expect(public_a).to_contain_text("yes")
    assert axe_violations(boss) == []
    screenshot(boss, f"{SHOT}-09-published")
