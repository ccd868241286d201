"""A hoster's own draft figures of a monitor period in review: its metrics, its notices and its disputes, never
another hoster's. A member's first look is recorded (the supervisor sees who reviewed)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from portal.access import AuthenticatedHttpRequest, get_hoster_for
from scoring.measurement import methodology
from scoring.measurement.metrics import hoster_metrics
from scoring.measurement.models import Dispute
from scoring.publication.models import MonitorReview
from scoring.publication.review import period_bounds, period_notices, record_seen, review_for_hoster

NOTICES_PER_PAGE = 50


@require_GET
def hoster_draft(request: AuthenticatedHttpRequest, slug: str, code: str) -> HttpResponse:
    """404 for anyone but the hoster's members (and supervisors), and for a review that does not name the hoster."""
    hoster = get_hoster_for(request.user, slug)
    review = get_object_or_404(MonitorReview, code=code)
    entry = review_for_hoster(review, hoster)
    if entry is None:
        raise Http404
    if any(m.hoster_id == hoster.pk for m in request.memberships):
        record_seen(request.user, entry)
    start, end = period_bounds(review.date_from, review.date_to)
    row = hoster_metrics(start, end, norm_hours=review.norm_hours, hoster=hoster)[0]
    notices = period_notices(review).of_hoster(hoster).order_by("reported_at", "id")
    page = Paginator(notices, NOTICES_PER_PAGE).get_page(request.GET.get("page"))
    disputes = Dispute.objects.filter(hoster=hoster, notice__reported_at__gte=start, notice__reported_at__lt=end)
    if review.opened_at is not None:
        disputes = disputes.filter(created_at__gte=review.opened_at)
    membership = next((m for m in request.memberships if m.hoster_id == hoster.pk), None)
    context = {
        "hoster": hoster,
        "can_dispute": membership is not None
        and membership.can_edit
        and review.state == MonitorReview.State.IN_REVIEW
        and not review.is_closed,
        "review": review,
        "row": row,
        "page": page,
        "disputes": disputes.select_related("notice"),
        "methodology": methodology.current(review.norm_hours).rows(),
        "disputed_open": set(
            Dispute.objects.open()
            .filter(notice__in=[notice.pk for notice in page.object_list])
            .values_list("notice_id", flat=True)
        ),
    }
    return render(request, "scoring/monitor/hoster_draft.html", context)
