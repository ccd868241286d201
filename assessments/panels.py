"""Dashboard panels of the assessments app: a hoster's assessments, what awaits supervisors and auditors."""

from __future__ import annotations

from assessments.answers import progress_of
from assessments.models import Assessment
from assessments.review import queue_for
from portal.access import AuthenticatedHttpRequest
from portal.dashboard import Panel


def panels(request: AuthenticatedHttpRequest) -> list[Panel]:
    result: list[Panel] = []
    membership = request.current_membership
    if membership is not None:
        assessments = list(
            Assessment.objects.filter(hoster=membership.hoster)
            .select_related("questionnaire")
            .order_by("-created_at")[:5]
        )
        can_start = membership.is_owner and not Assessment.objects.filter(hoster=membership.hoster).open().exists()
        rows = [(assessment, progress_of(assessment)) for assessment in assessments]
        result.append(
            Panel(
                "assessments/panels/hoster.html",
                {"hoster": membership.hoster, "rows": rows, "can_start": can_start},
                order=20,
            )
        )
    if request.user.is_supervisor:
        submitted = Assessment.objects.awaiting_assignment().select_related("hoster")[:10]
        result.append(Panel("assessments/panels/supervisor.html", {"submitted": list(submitted)}, order=30))
    if request.user.is_auditor:
        open_reviews = queue_for(request.user).filter(
            status__in=[Assessment.Status.IN_REVIEW, Assessment.Status.CHANGES_REQUESTED]
        )[:5]
        result.append(Panel("assessments/panels/auditor.html", {"open": list(open_reviews)}, order=16))
    return result
