"""Every page type, named by URL from the demo data (`seed_demo`), per person: the public, a hoster's owner, an
invitee, an auditor and a supervisor, plus the error pages. The accessibility checks (`tests/browser`) and the check
that pages speak in words (`tests/portal/test_pages_in_words.py`) walk the same list."""

from __future__ import annotations

import io

from django.core.management import call_command
from django.urls import reverse

from assessments.models import Assessment
from portal.identity import request_identity_change
from portal.models import MemberRole, Membership, User
from portal.services import invite_member
from scoring.certification.models import Certificate, CertificateStatus
from scoring.measurement.models import Dispute, ImportBatch, Notice
from scoring.publication.models import MonitorPeriod, MonitorReview
from tests import factories

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


def open_review() -> MonitorReview:
    review = MonitorReview.objects.exclude(state=MonitorReview.State.PUBLISHED).order_by("pk").first()
    assert review is not None, "the demo has a monitor period in review"
    return review


def hoster_pages(owner: User, slug: str) -> list[tuple[str, str]]:
    draft = Assessment.objects.filter(hoster__slug=slug).order_by("-pk").first()
    assert draft is not None
    notice = Notice.objects.filter(hoster__slug=slug).order_by("pk").first()
    assert notice is not None
    review = open_review()
    assert review.hosters.filter(hoster__slug=slug).exists(), "the review in progress names the owner's hoster"
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
        ("notice", reverse("scoring:notice_detail", args=[slug, notice.pk])),
        ("dispute-raise", reverse("scoring:dispute_raise", args=[slug, notice.pk])),
        ("dispute-removal-time", reverse("scoring:dispute_removal_time", args=[slug, notice.pk])),
        ("monitor-review-draft", reverse("monitor_review_hoster", args=[slug, review.code])),
        ("account-email", reverse("account_email")),
        ("change-password", reverse("account_change_password")),
        ("two-factor", reverse("mfa_index")),
        ("reauthenticate", reverse("account_reauthenticate")),
        ("forbidden", reverse("scoring:monitor")),
    ]


def auditor_pages(in_review: Assessment) -> list[tuple[str, str]]:
    return [
        ("dashboard-auditor", reverse("dashboard")),
        ("review-queue", reverse("assessments:queue")),
        ("review", reverse("assessments:review", args=[in_review.pk])),
        ("review-timeline", reverse("assessments:timeline", args=[in_review.pk])),
    ]


def supervisor_pages(identity_change: int) -> list[tuple[str, str]]:
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
        ("identity-change", reverse("supervision_identity_change", args=[identity_change])),
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
        ("monitor-review", reverse("supervision_monitor_review", args=[open_review().code])),
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
    # What the demo does not hold: a pending change of a hoster's name, and an invitation to someone signed in.
    change = request_identity_change(owner, draft.hoster, f"{draft.hoster.name} Group", draft.hoster.website)
    invitee = factories.make_user("invitee@pages.example")
    invitation = invite_member(owner, draft.hoster, invitee.email, MemberRole.VIEWER, "en")
    return [
        *((name, None, path) for name, path in public_pages()),
        *((name, owner, path) for name, path in hoster_pages(owner, draft.hoster.slug)),
        ("invitation", invitee, reverse("invitation_accept", args=[invitation.token])),
        *((name, auditor, path) for name, path in auditor_pages(in_review)),
        *((name, supervisor, path) for name, path in supervisor_pages(change.pk)),
    ]
