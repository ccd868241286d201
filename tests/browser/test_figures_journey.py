"""Takedown figures as their readers meet them in a real browser (screenshots figures-NN-*.png): a hoster sees its
figures follow an import at once, a refused file changes nothing, and the supervisor pages through a monitor of
more than a hundred hosters."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from portal.models import MemberRole, Role
from scoring.measurement import tasks
from scoring.measurement.uploads import create_upload_batch
from tests import factories
from tests.browser.conftest import axe_violations, force_session, screenshot
from tests.scoring.measurement.helpers import csv_bytes, run_import


def recent(days: float) -> str:
    return (timezone.now() - timedelta(days=days)).isoformat()


def notices_stat(page) -> str:
    return page.locator("dt:has-text('Notices') + dd").first.inner_text()


@pytest.mark.django_db(transaction=True)
def test_a_hoster_sees_its_figures_follow_an_import_and_not_a_refused_file(page_for, live_server):
    hoster = factories.make_hoster("hoster-a", name="Hoster A", prefixes=["192.0.2.0/24"])
    owner = factories.make_member(hoster, MemberRole.OWNER, email="owner@a.example")
    supervisor = factories.make_role_user(Role.SUPERVISOR, email="toezicht@example.org")
    assert run_import([(f"a{i}", recent(3 + i), recent(2.9 + i), "192.0.2.1", "", "", "") for i in range(3)]).ok
    page = page_for("en")
    force_session(page, live_server.url, owner)
    figures = live_server.url + reverse("scoring:hoster_metrics", args=["hoster-a"])
    page.goto(figures)
    expect(page.locator("h1")).to_have_text("Takedown figures of Hoster A")
    assert notices_stat(page) == "3"
    screenshot(page, "figures-01-before-the-import")

    bad = SimpleUploadedFile("bad.csv", csv_bytes([("b1", "not a time", "", "192.0.2.2", "", "", "")]))
    tasks.run_notice_import.call(create_upload_batch(supervisor, bad, "meldpunt").pk, "en")
    page.reload()
    assert notices_stat(page) == "3"  # a refused file stores nothing, so the figures stay

    good = SimpleUploadedFile("good.csv", csv_bytes([("b2", recent(1), "", "192.0.2.2", "", "", "")]))
    tasks.run_notice_import.call(create_upload_batch(supervisor, good, "meldpunt").pk, "en")
    page.reload()
    assert notices_stat(page) == "4"  # the figures seen a moment ago are not shown again
    assert axe_violations(page) == []
    screenshot(page, "figures-02-after-the-import")

    page.goto(live_server.url + reverse("dashboard"))
    expect(page.locator("#panel-takedown")).to_be_visible()
    screenshot(page, "figures-03-dashboard")


@pytest.mark.django_db(transaction=True)
def test_a_supervisor_pages_through_a_monitor_of_more_than_a_hundred_hosters(page_for, live_server):
    supervisor = factories.make_role_user(Role.SUPERVISOR, email="toezicht@example.org")
    rows = []
    for index in range(105):
        factories.make_hoster(f"host-{index:03d}", name=f"Host {index:03d}", prefixes=[f"100.64.{index}.0/24"])
        rows += [
            (f"n{index}-{k}", recent(2 + k), recent(1.5 + k), f"100.64.{index}.9", "", "", "")
            for k in range(1 + index % 3)
        ]
    assert run_import(rows).ok
    page = page_for("nl")
    force_session(page, live_server.url, supervisor)
    page.goto(live_server.url + reverse("scoring:monitor"))
    expect(page.get_by_role("navigation", name="Pagina's").locator(".active")).to_have_text("Pagina 1 van 2")
    expect(page.locator("tbody tr")).to_have_count(100)
    assert axe_violations(page) == []
    screenshot(page, "figures-04-monitor-page-one")
    page.get_by_role("link", name="Volgende").press("Enter")
    page.wait_for_url("**page=2**")
    expect(page.locator("tbody tr")).to_have_count(5)
    expect(page.locator("tbody tr td").first).to_have_text("101")
    hoster_link = page.locator("tbody th a").first.get_attribute("href")
    assert "page=" not in hoster_link
    screenshot(page, "figures-05-monitor-page-two")
