"""The supervisor's unattributed queue in a real browser (screenshots unattributed-NN-*.png).

A supervisor opens the queue, groups it by AS number, opens the largest group, finds the hoster through the
picker by one of its aliases, chooses to add the AS number to its network, reviews what will happen, confirms, and
sees the group gone from the queue and the notices attributed, each with the change in its history.
Selectors use names and ids, not visible text.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from portal.models import Hoster, Role
from scoring.measurement.changes import AttributionChange
from scoring.measurement.models import Attribution, Notice
from tests import factories
from tests.browser.conftest import axe_violations, force_session, screenshot
from tests.scoring.measurement.aliases_helpers import import_owned


@pytest.mark.django_db(transaction=True)
def test_a_supervisor_gives_a_group_to_a_hoster_by_its_as_number(page_for, live_server):
    supervisor = factories.make_role_user(Role.SUPERVISOR, email="toezicht@example.org")
    target = factories.make_hoster("blue-cloud", name="Blue Cloud", aliases=["BLUE CLOUD NETWORKS"], asns=[64510])
    factories.make_hoster("green-host", name="Green Host", prefixes=["192.0.2.0/24"])
    import_owned(
        [
            *((f"ntd-{i}", f"100.64.{i % 3}.{i + 1}", "AS65010", "BC Networks Ltd") for i in range(6)),
            ("ntd-other-1", "100.70.0.1", "AS65020", "Orange Hosting"),
            ("ntd-other-2", "2001:db8:7::1", "", ""),
            ("ntd-green", "192.0.2.10", "", ""),
        ]
    )
    page = page_for("en")
    force_session(page, live_server.url, supervisor)
    page.goto(live_server.url + reverse("scoring:unattributed"))
    expect(page.locator("#queue-summary")).to_contain_text("8")
    screenshot(page, "unattributed-01-queue")

    page.select_option("#by", "asn")  # the page submits itself on change
    page.wait_for_url("**by=asn**")
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("AS65010")
    screenshot(page, "unattributed-02-grouped-by-asn")

    with page.expect_navigation():
        rows.first.locator("a.btn").click()
    expect(page.locator("#group-count")).to_have_text("6")
    page.fill("#hoster_q", "blue cloud net")  # an alias: htmx swaps the options in as one types
    expect(page.locator(f"#hoster-{target.pk}")).to_be_visible()
    expect(page.locator("#hoster-options input[name=hoster]")).to_have_count(1)
    page.check(f"#hoster-{target.pk}")
    page.check("input[name=method][value=asn]")
    expect(page.locator("input[name=as_number]")).to_have_value("AS65010")
    assert axe_violations(page) == []
    screenshot(page, "unattributed-03-choose-hoster")

    with page.expect_navigation():
        page.locator("main form[method=post] button[type=submit]").click()
    expect(page.locator("#confirm-summary")).to_contain_text("AS65010")
    expect(page.locator("#confirm-summary")).to_contain_text("6")
    assert Notice.objects.filter(hoster=target).count() == 0  # nothing yet: this is the review
    screenshot(page, "unattributed-04-confirm")

    with page.expect_navigation():
        page.locator("main form[method=post] button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("Blue Cloud")
    expect(page.locator("main table tbody tr")).to_have_count(2)
    expect(page.locator("main table")).not_to_contain_text("AS65010")
    screenshot(page, "unattributed-05-queue-shrunk")

    assert Hoster.objects.get(pk=target.pk).asns == [64510, 65010]
    attributed = Notice.objects.filter(hoster=target)
    assert attributed.count() == 6 and set(attributed.values_list("attribution", flat=True)) == {Attribution.ASN}
    assert AttributionChange.objects.filter(notice__in=attributed, actor=supervisor).count() == 6
