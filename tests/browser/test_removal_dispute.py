"""A removal-time dispute in a real browser (screenshots: tests/artifacts/screenshots/removal-dispute-NN-*.png).

An editor of hoster A filters the notice list to the slow notice, opens its page and disputes its removal time: a
picture is refused, a PDF accepted. The supervisor finds the dispute in the queue, downloads the PDF, accepts with
the claimed time (offered by default) and confirms. The editor sees the measured and corrected times side by side
and the figures changed. An owner of hoster B gets a 404 for A's notice and for disputing it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from portal.models import MemberRole, Role
from scoring.measurement.models import Dispute, Notice
from tests import factories
from tests.assessments.helpers import make_pdf
from tests.assessments.hostile_corpus import png
from tests.browser.conftest import axe_violations, force_session, screenshot
from tests.scoring.measurement.helpers import run_import

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOT = "removal-dispute"


def notices_of_a() -> dict[str, Notice]:
    """Three notices of the last weeks: one removed after 48 hours (over the norm), two within hours."""
    now = timezone.now().replace(second=0, microsecond=0)
    rows = []
    for notice_id, days_ago, hours in [("slow-1", 10, 48), ("fast-2", 9, 2), ("fast-3", 8, 1)]:
        reported = now - timedelta(days=days_ago)
        rows.append(
            (notice_id, reported.isoformat(), (reported + timedelta(hours=hours)).isoformat(), "192.0.2.7", "", "", "")
        )
    run_import(rows, source="meldpunt")
    return {notice.notice_id: notice for notice in Notice.objects.all()}


def within_norm_cell(page) -> str:
    return page.locator("dt:has-text('Removed within') + dd").first.inner_text()


def hoster_disputes(hoster, base: str, slow: Notice, tmp_path: Path) -> tuple[datetime, bytes]:
    """The editor filters the list, opens the slow notice and disputes its removal time: a picture, then a PDF."""
    hoster.goto(f"{base}/hoster/hoster-a/notices/")
    hoster.fill("#id_q", "slow")
    with hoster.expect_navigation():
        hoster.locator("main form[role=search] button[type=submit]").click()
    expect(hoster.locator("tbody tr")).to_have_count(1)
    assert axe_violations(hoster) == []
    screenshot(hoster, f"{SHOT}-02-notice-list-filtered")
    with hoster.expect_navigation():
        hoster.locator(f"a[href='/hoster/hoster-a/notices/{slow.pk}/']").click()
    assert axe_violations(hoster) == []
    screenshot(hoster, f"{SHOT}-03-notice-detail")
    with hoster.expect_navigation():
        hoster.locator(f"a[href='/hoster/hoster-a/notices/{slow.pk}/dispute/removal-time/']").click()
    claimed = timezone.localtime(slow.reported_at + timedelta(hours=3))
    picture, document = tmp_path / "ticket.png", tmp_path / "ticket-4711.pdf"
    picture.write_bytes(png())
    pdf = make_pdf("Ticket 4711: account suspended")
    document.write_bytes(pdf)
    hoster.fill("#id_claimed_removed_at", claimed.strftime("%Y-%m-%dT%H:%M"))
    hoster.fill("#id_reason", "Our ticket 4711 shows the account suspended three hours after the notice.")
    hoster.set_input_files("#id_evidence_file", str(picture))
    with hoster.expect_navigation():
        hoster.locator("main form[enctype] button[type=submit]").click()
    expect(hoster.locator("main .alert-danger")).to_contain_text("Images and video are never accepted")
    assert not Dispute.objects.exists()
    assert axe_violations(hoster) == []
    screenshot(hoster, f"{SHOT}-04-picture-refused")
    hoster.set_input_files("#id_evidence_file", str(document))
    with hoster.expect_navigation():
        hoster.locator("main form[enctype] button[type=submit]").click()
    screenshot(hoster, f"{SHOT}-05-dispute-sent")
    return claimed, pdf


def supervisor_accepts(boss, base: str, dispute: Dispute, claimed: datetime, pdf: bytes) -> None:
    """The supervisor opens the dispute, downloads the evidence, accepts the claimed time and confirms."""
    boss.goto(f"{base}/supervision/disputes/")
    with boss.expect_navigation():
        boss.locator(f"a[href='/supervision/disputes/{dispute.pk}/']").click()
    expect(boss.locator("#id_corrected_removed_at")).to_have_value(claimed.strftime("%Y-%m-%dT%H:%M"))
    with boss.expect_download() as download:
        boss.locator(f"a[href='/hoster/hoster-a/disputes/{dispute.pk}/evidence/']").first.click()
    assert download.value.suggested_filename == "ticket-4711.pdf"
    assert Path(download.value.path()).read_bytes() == pdf
    assert axe_violations(boss) == []
    screenshot(boss, f"{SHOT}-06-supervisor-dispute")
    boss.check("#id_decision_0")
    boss.fill("#id_reason", "The ticket matches the hotline's last check.")
    with boss.expect_navigation():
        boss.locator("main form button[type=submit]").click()
    assert axe_violations(boss) == []
    screenshot(boss, f"{SHOT}-07-confirm")
    assert Dispute.objects.get().status == "open"  # nothing changes before the confirmation
    with boss.expect_navigation():
        boss.locator("main form button[type=submit]").click()
    screenshot(boss, f"{SHOT}-08-decided")


def test_a_removal_time_dispute_from_claim_to_changed_figures(page_for, live_server, tmp_path):
    hoster_a = factories.make_hoster("hoster-a", name="Hoster A", prefixes=["192.0.2.0/24"])
    hoster_b = factories.make_hoster("hoster-b", name="Hoster B", prefixes=["198.51.100.0/24"])
    editor = factories.make_member(hoster_a, MemberRole.EDITOR, email="editor@a.example")
    owner_b = factories.make_member(hoster_b, MemberRole.OWNER, email="owner@b.example")
    supervisor = factories.make_role_user(Role.SUPERVISOR, email="supervisor@example.org")
    slow = notices_of_a()["slow-1"]
    base = live_server.url

    hoster = page_for("en")
    force_session(hoster, base, editor)
    hoster.goto(f"{base}/hoster/hoster-a/metrics/")
    assert within_norm_cell(hoster).strip().endswith("(66.67%)")
    screenshot(hoster, f"{SHOT}-01-figures-before")
    claimed, pdf = hoster_disputes(hoster, base, slow, tmp_path)
    dispute = Dispute.objects.get()
    assert (dispute.kind, dispute.claimed_removed_at, dispute.evidence_type) == ("removal_time", claimed, "pdf")

    boss = page_for("en")
    force_session(boss, base, supervisor)
    supervisor_accepts(boss, base, dispute, claimed, pdf)
    measured = slow.removed_at
    slow.refresh_from_db()
    assert (slow.corrected_removed_at, slow.removed_at) == (claimed, measured)

    hoster.goto(f"{base}/hoster/hoster-a/notices/{slow.pk}/")
    removal = hoster.locator("section[aria-labelledby=removal-heading] tbody td")
    expect(removal.nth(0)).not_to_have_text(removal.nth(1).inner_text())
    expect(removal.nth(1)).not_to_have_text("—")
    screenshot(hoster, f"{SHOT}-09-both-times")
    hoster.goto(f"{base}/hoster/hoster-a/metrics/")
    assert within_norm_cell(hoster).strip().endswith("(100.0%)")
    screenshot(hoster, f"{SHOT}-10-figures-after")

    outsider = page_for("en")
    force_session(outsider, base, owner_b)
    for path in (f"/hoster/hoster-a/notices/{slow.pk}/", f"/hoster/hoster-b/notices/{slow.pk}/dispute/removal-time/"):
        response = outsider.goto(f"{base}{path}")
        assert response is not None and response.status == 404
    screenshot(outsider, f"{SHOT}-11-other-hoster-404")
    assert Dispute.objects.count() == 1
