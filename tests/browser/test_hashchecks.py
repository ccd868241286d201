"""Hash-check statistics in a real browser: the supervisor uploads EOKM's CSV (a bad one first, rejected whole),
then the hoster's owner sees checks and hits per week on its figures page — never another hoster's — and axe finds
no WCAG 2.1 A or AA violation on either page. Screenshots: tests/artifacts/screenshots/hashchecks-*.png."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from portal.models import MemberRole, Role
from scoring.measurement.hashchecks import HashCheckWeek, iso_week, monday_of
from tests import factories
from tests.browser.conftest import axe_violations, force_session, screenshot


def weeks_back(count: int) -> list:
    this_week = monday_of(timezone.localdate())
    return [this_week - timedelta(weeks=i) for i in range(count, 0, -1)]


def statistics_csv(rows: list[tuple[str, str, int, int]]) -> bytes:
    return ("hoster,week,checks,hits\n" + "".join(f"{h},{w},{c},{x}\n" for h, w, c, x in rows)).encode()


def upload(page, base_url: str, name: str, data: bytes) -> None:
    page.goto(f"{base_url}/supervision/hash-checks/")
    page.set_input_files("input[name=file]", files=[{"name": name, "mimeType": "text/csv", "buffer": data}])
    with page.expect_navigation():
        page.locator("main form[enctype='multipart/form-data'] button[type=submit]").click()


@pytest.mark.django_db(transaction=True)
def test_supervisor_uploads_and_the_hoster_sees_its_checks(page_for, live_server):
    hoster_a = factories.make_hoster("hoster-a", name="Schoon Hosting B.V.", aliases=["SCHOON HOSTING BV"])
    factories.make_hoster("hoster-b", name="Ander Hosting")
    owner_a = factories.make_member(hoster_a, MemberRole.OWNER, email="owner@a.example")
    supervisor = factories.make_role_user(Role.SUPERVISOR, email="supervisor@example.org")
    weeks = weeks_back(10)
    base = live_server.url

    page = page_for("en")
    force_session(page, base, supervisor)

    # A bad file: every bad line named, nothing stored.
    bad = statistics_csv([("hoster-a", iso_week(weeks[0]), 10, 0), ("nobody", iso_week(weeks[1]), 5, 0)])
    upload(page, base, "bad.csv", bad + b"hoster-a,2026-02-11,3,0\n")
    alert = page.locator("main section[aria-labelledby=errors-heading]")
    expect(alert).to_contain_text("line 3: hoster: No hoster has the slug, name or alias “nobody”.")
    expect(alert).to_contain_text("line 4: week: “2026-02-11” is not a Monday")
    assert not HashCheckWeek.objects.exists()
    screenshot(page, "hashchecks-01-rejected")

    # EOKM's file: hoster A by its alias, checks in most weeks; week 7 unmeasured; B in every measured week.
    rows = []
    for index, week in enumerate(weeks):
        if index == 6:
            continue
        checks = 0 if index in (2, 3) else 800 + 97 * index
        rows.append(("SCHOON HOSTING BV", iso_week(week), checks, index % 3 if checks else 0))
        rows.append(("hoster-b", week.isoformat(), 5000 + index, 0))
    upload(page, base, "eokm-hashchecks.csv", statistics_csv(rows))
    expect(page.locator("main .alert-success, main [role=alert]").first).to_contain_text("Imported 18 figures")
    assert HashCheckWeek.objects.filter(hoster=hoster_a).count() == 9
    assert axe_violations(page) == []
    screenshot(page, "hashchecks-02-imported")

    owner_page = page_for("en")
    force_session(owner_page, base, owner_a)
    owner_page.goto(f"{base}/hoster/hoster-a/metrics/")
    chart = owner_page.locator("main svg[aria-labelledby='hc-chart-title hc-chart-desc']")
    expect(chart).to_be_visible()
    assert chart.locator("rect[fill='#6a4c93']").count() == 9  # one bar per measured week
    owner_page.locator("main summary", has_text="The hash-check figures as a table").click()
    table = owner_page.locator("main table", has_text="Hash checks and hits per week")
    expect(table.locator("tr", has_text=iso_week(weeks[6]))).to_contain_text("no statistics")
    expect(table.locator("tr", has_text=iso_week(weeks[9]))).to_contain_text(str(800 + 97 * 9))
    assert "5009" not in owner_page.locator("main").inner_text()  # hoster B's figures stay B's
    assert axe_violations(owner_page) == []
    owner_page.locator("#hashchecks-heading").scroll_into_view_if_needed()
    screenshot(owner_page, "hashchecks-03-hoster-figures")

    response = owner_page.goto(f"{base}/hoster/hoster-b/metrics/")
    assert response is not None and response.status == 404
