"""axe-core finds no serious or critical WCAG 2.1 AA violation on any page type, for every role, in Dutch and English.

The demo data (`seed_demo`) holds every state a page can show: a draft, a submitted, an in-review and an approved
assessment, valid, suspended and revoked certificates, a published monitor period, imports, unattributed notices and
an open dispute. The pages are named by URL (`reverse` with objects from that data), per person: the public, a
hoster's owner, an auditor and a supervisor, plus the error pages. One test per language checks every page and lists
all pages with problems at once; each page's screenshot is kept as a11y-<lang>-<page>.png.
"""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from assessments.models import Assessment
from portal.models import MemberRole, Membership, User
from scoring.certification.models import Certificate, CertificateStatus
from scoring.measurement.models import Dispute, ImportBatch, Notice
from scoring.publication.models import MonitorPeriod
from tests.browser.conftest import axe_violations, force_session, screenshot

# Page → the status it answers with, when not 200.
STATUS = {"not-found": 404, "forbidden": 403}


def public_pages() -> list[tuple[str, str]]:
    valid = next(c for c in Certificate.objects.order_by("pk") if c.status == CertificateStatus.VALID)
    suspended = next(c for c in Certificate.objects.order_by("pk") if c.status == CertificateStatus.SUSPENDED)
    period = MonitorPeriod.objects.order_by("pk").first()
    assert period is not None, "the demo publishes a monitor period"
    return [
        ("home", reverse("home")),
        ("registry", reverse("registry")),
        ("hoster-profile", reverse("registry_hoster", args=[valid.hoster.slug])),
        ("hoster-profile-suspended", reverse("registry_hoster", args=[suspended.hoster.slug])),
        ("verify", reverse("verify", args=[valid.serial])),
        ("verify-suspended", reverse("verify", args=[suspended.serial])),
        ("monitor", reverse("monitor")),
        ("monitor-period", reverse("monitor_period", args=[period.code])),
        ("audit-heads", reverse("audit_heads")),
        ("privacy", reverse("privacy")),
        ("accessibility", reverse("accessibility")),
        ("login", reverse("account_login")),
        ("signup", reverse("account_signup")),
        ("password-reset", reverse("account_reset_password")),
        ("not-found", "/no-such-page/"),
    ]


def hoster_pages(owner: User, slug: str) -> list[tuple[str, str]]:
    draft = Assessment.objects.filter(hoster__slug=slug).order_by("-pk").first()
    assert draft is not None
    notice = Notice.objects.filter(hoster__slug=slug).order_by("pk").first()
    assert notice is not None
    return [
        ("dashboard-owner", reverse("dashboard")),
        ("company", reverse("hoster_detail", args=[slug])),
        ("company-settings", reverse("hoster_settings", args=[slug])),
        ("members", reverse("hoster_members", args=[slug])),
        ("api-keys", reverse("hoster_api_keys", args=[slug])),
        ("register-hoster", reverse("hoster_register")),
        ("assessments", reverse("assessments:list")),
        ("assessment-overview", reverse("assessments:detail", args=[draft.pk])),
        ("assessment-section", reverse("assessments:section", args=[draft.pk, "KYC"])),
        ("assessment-timeline", reverse("assessments:timeline", args=[draft.pk])),
        ("scorecard", reverse("scorecard_detail", args=[draft.pk])),
        ("takedown-figures", reverse("scoring:hoster_metrics", args=[slug])),
        ("notices", reverse("scoring:hoster_notices", args=[slug])),
        ("dispute-raise", reverse("scoring:dispute_raise", args=[slug, notice.pk])),
        ("forbidden", reverse("scoring:monitor")),
    ]


def auditor_pages(in_review: Assessment) -> list[tuple[str, str]]:
    return [
        ("dashboard-auditor", reverse("dashboard")),
        ("review-queue", reverse("assessments:queue")),
        ("review", reverse("assessments:review", args=[in_review.pk])),
    ]


def supervisor_pages() -> list[tuple[str, str]]:
    hoster = Membership.objects.order_by("hoster__slug").first().hoster
    dispute = Dispute.objects.order_by("pk").first()
    batch = ImportBatch.objects.order_by("pk").first()
    valid = next(c for c in Certificate.objects.order_by("pk") if c.status == CertificateStatus.VALID)
    assert dispute is not None and batch is not None
    return [
        ("dashboard-supervisor", reverse("dashboard")),
        ("supervision-hosters", reverse("supervision_hosters")),
        ("verify-hoster", reverse("supervision_hoster_verify", args=[hoster.slug])),
        ("hoster-network", reverse("hoster_network", args=[hoster.slug])),
        ("identity-changes", reverse("supervision_identity_changes")),
        ("roles", reverse("supervision_roles")),
        ("supervision-api-keys", reverse("supervision_api_keys")),
        ("assign-auditors", reverse("assessments:assignments")),
        ("all-assessments", reverse("assessments:list")),
        ("what-if", reverse("scorecard_whatif")),
        ("model-impact", reverse("scorecard_impact")),
        ("imports", reverse("scoring:imports")),
        ("import-detail", reverse("scoring:import_detail", args=[batch.pk])),
        ("unattributed", reverse("scoring:unattributed")),
        ("disputes", reverse("scoring:dispute_queue")),
        ("dispute-detail", reverse("scoring:dispute_detail", args=[dispute.pk])),
        ("ranking", reverse("scoring:monitor")),
        ("hash-checks", reverse("scoring:hashchecks")),
        ("certificates", reverse("supervision_certificates")),
        ("certificate-suspend", reverse("supervision_certificate_action", args=[valid.serial, "suspend"])),
        ("monitor-periods", reverse("supervision_monitor_periods")),
    ]


def build_pages() -> list[tuple[str, User | None, str]]:
    """(name, who, path) of every page type, from the demo data."""
    call_command("seed_demo", stdout=io.StringIO())
    draft = Assessment.objects.filter(status=Assessment.Status.DRAFT).order_by("pk").first()
    in_review = Assessment.objects.filter(status=Assessment.Status.IN_REVIEW).order_by("pk").first()
    assert draft is not None and in_review is not None, "the demo has a draft and an assessment in review"
    owner = Membership.objects.filter(hoster=draft.hoster, role=MemberRole.OWNER).first().user
    auditor = in_review.assignments.order_by("-pk").first().auditor
    supervisor = next(user for user in User.objects.order_by("pk") if user.is_supervisor)
    return [
        *((name, None, path) for name, path in public_pages()),
        *((name, owner, path) for name, path in hoster_pages(owner, draft.hoster.slug)),
        *((name, auditor, path) for name, path in auditor_pages(in_review)),
        *((name, supervisor, path) for name, path in supervisor_pages()),
    ]


def open_as(page_for, live_server, language: str, user: User | None):
    page = page_for(language)
    page.set_viewport_size({"width": 1280, "height": 900})
    if user is not None:
        force_session(page, live_server.url, user)
        # The review page frames each PDF in Chromium's viewer, which axe cannot enter; leave them empty.
        page.route(
            re.compile(r"/evidence/\d+/inline/$"),
            lambda route: route.fulfill(status=200, content_type="text/plain", body="PDF"),
        )
    return page


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["nl", "en"])
def test_every_page_type_has_no_serious_violations(page_for, live_server, language):
    pages: dict = {}  # one browser context per person
    problems = {}
    for name, user, path in build_pages():
        if user not in pages:
            pages[user] = open_as(page_for, live_server, language, user)
        page = pages[user]
        response = page.goto(live_server.url + path)
        if response.status != STATUS.get(name, 200) or (user is not None and "/accounts/login/" in page.url):
            problems[name] = f"{path} answered {response.status} at {page.url}"
            continue
        assert page.locator("html").get_attribute("lang") == language, name
        page.wait_for_load_state("networkidle")  # htmx panels, the score-card preview
        screenshot(page, f"a11y-{language}-{name}")
        violations = axe_violations(page)
        if violations:
            problems[name] = violations
    assert problems == {}
