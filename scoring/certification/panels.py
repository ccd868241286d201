"""The certificate panel of a hoster: its standing today, what happened to it, and what the hoster does next.

It appears on the dashboard (`DASHBOARD_PANELS`) and on the company page (`HOSTER_PAGE_PANELS`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from assessments.models import Assessment
from portal.access import AuthenticatedHttpRequest
from portal.dashboard import Panel
from portal.models import Hoster, Membership
from scoring.certification.daily_run import WARNING_DAYS
from scoring.certification.models import Certificate, CertificateEvent, CertificateStatus

EXPIRY_NOTICE_DAYS = 60
"""Earlier than the e-mails (30 and 7 days before, `daily_run.WARNING_DAYS`): a new assessment needs an
auditor's review before the old certificate runs out."""
URGENT_DAYS = min(WARNING_DAYS)
PANEL_ORDER = 12


@dataclass(frozen=True)
class Standing:
    """A hoster's certificate as the hoster should read it today."""

    certificate: Certificate | None
    """The live certificate (valid or suspended), else the newest one, to explain why there is none."""
    status: str
    """`none` when the hoster never had a certificate, else the certificate's public status today."""
    event: CertificateEvent | None
    """The suspension or revocation behind the status, with its public reason."""
    days_left: int | None
    renewal: Assessment | None
    """The hoster's open assessment, which would bring the next certificate."""

    @property
    def expiry_level(self) -> str:
        """`urgent`, `soon` or empty: how loudly to warn that a valid certificate runs out."""
        if self.status != CertificateStatus.VALID or self.days_left is None:
            return ""
        if self.days_left <= URGENT_DAYS:
            return "urgent"
        return "soon" if self.days_left <= EXPIRY_NOTICE_DAYS else ""


def standing_of(hoster: Hoster, today: date | None = None) -> Standing:
    today = today or timezone.localdate()
    certificates = Certificate.objects.without_documents()
    certificate = certificates.current_for(hoster, today) or (
        certificates.filter(hoster=hoster).order_by("-issued_at", "-pk").first()
    )
    renewal = Assessment.objects.filter(hoster=hoster).open().order_by("-created_at").first()
    if certificate is None:
        return Standing(None, "none", None, None, renewal)
    status = certificate.status_on(today)
    event = None
    if status in (CertificateStatus.SUSPENDED, CertificateStatus.REVOKED):
        # The event kinds carry the names of the states they lead to.
        event = certificate.events.filter(kind=status).order_by("-at", "-pk").first()
    days_left = (certificate.valid_until - today).days if status == CertificateStatus.VALID else None
    return Standing(certificate, status, event, days_left, renewal)


def badge_snippet(hoster: Hoster) -> str:
    """The HTML a hoster puts on its website: the live badge, linked to its public profile."""
    site = settings.SITE_URL
    return str(
        format_html(
            '<a href="{}{}"><img src="{}{}" alt="{}" height="20"></a>',
            site,
            reverse("registry_hoster", args=[hoster.slug]),
            site,
            reverse("badge", args=[hoster.slug]),
            _("%(hoster)s: good hoster certificate") % {"hoster": hoster.name},
        )
    )


def certificate_panel(hoster: Hoster, membership: Membership | None, *, column: str = "col-12") -> Panel:
    standing = standing_of(hoster)
    context = {
        "hoster": hoster,
        "membership": membership,
        "standing": standing,
        "certificate": standing.certificate,
        "snippet": badge_snippet(hoster) if membership and standing.status == CertificateStatus.VALID else "",
        "notice_days": EXPIRY_NOTICE_DAYS,
        "column": column,
    }
    return Panel("scoring/certificates/_hoster_panel.html", context, order=PANEL_ORDER)


def panels(request: AuthenticatedHttpRequest) -> list[Panel]:
    membership = request.current_membership
    if membership is None:
        return []
    return [certificate_panel(membership.hoster, membership)]


def hoster_panels(request: AuthenticatedHttpRequest, hoster: Hoster) -> list[Panel]:
    """The company page's panel, for the hoster's members and for supervisors (`hoster` passed the access check)."""
    membership = next((m for m in request.memberships if m.hoster_id == hoster.pk), None)
    if membership is None and not request.user.is_supervisor:
        return []
    return [certificate_panel(hoster, membership)]
