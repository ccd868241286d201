"""The panel that tells a hoster's members its figures of a monitor period are open for review, with the deadline
and a link to its draft (DESIGN §4.7): on the dashboard (`DASHBOARD_PANELS`) and the company page
(`HOSTER_PAGE_PANELS`). Nothing when no review in progress names the hoster."""

from __future__ import annotations

from django.utils import timezone

from portal.access import AuthenticatedHttpRequest
from portal.dashboard import Panel
from portal.models import Hoster
from scoring.publication.models import MonitorReview, MonitorReviewHoster

PANEL_ORDER = 5
"""Before the certificate (12): a reply has a deadline."""


def reviews_awaiting(hoster: Hoster) -> list[MonitorReviewHoster]:
    """The hoster's place in every review still open to its replies, the one closing first first (one query)."""
    return list(
        MonitorReviewHoster.objects.filter(
            hoster=hoster, review__state=MonitorReview.State.IN_REVIEW, review__closes_at__gt=timezone.now()
        )
        .select_related("review")
        .order_by("review__closes_at", "review__pk")
    )


def review_panel(hoster: Hoster) -> list[Panel]:
    entries = reviews_awaiting(hoster)
    if not entries:
        return []
    return [Panel("scoring/monitor/_review_panel.html", {"hoster": hoster, "entries": entries}, order=PANEL_ORDER)]


def panels(request: AuthenticatedHttpRequest) -> list[Panel]:
    membership = request.current_membership
    if membership is None:
        return []
    return review_panel(membership.hoster)


def hoster_panels(request: AuthenticatedHttpRequest, hoster: Hoster) -> list[Panel]:
    """Only for the hoster's members: the reply is theirs (supervisors follow the review on its own page)."""
    if not any(membership.hoster_id == hoster.pk for membership in request.memberships):
        return []
    return review_panel(hoster)
