"""The company page's assessments panel: each self-assessment of the hoster with its state and the next step."""

from __future__ import annotations

from assessments.models import Assessment
from assessments.next_steps import NextStep, next_step
from portal.access import AuthenticatedHttpRequest
from portal.dashboard import Panel
from portal.models import Hoster

PANEL_ORDER = 20
"""After the monitor review (5) and the certificate (12), which the next steps of an assessment lead to."""
SHOWN = 10
"""The newest ones; a hoster has about one a year, the assessment list has them all."""


def assessment_rows(
    request: AuthenticatedHttpRequest, hoster: Hoster, role: str | None
) -> list[tuple[Assessment, NextStep]]:
    """The hoster's assessments the user may read, newest first, each with its next step for `role` (the user's at
    the hoster; None: not a member).

    The queries do not grow with the number of assessments: the decision and the hoster come along, and only the one
    open assessment (a draft, or one with changes requested) looks at its answers or its review.
    """
    assessments = (
        Assessment.objects.visible_to(request.user)
        .filter(hoster=hoster)
        .select_related("hoster", "questionnaire", "decision")
        .order_by("-created_at", "-pk")[:SHOWN]
    )
    return [(assessment, next_step(assessment, role)) for assessment in assessments]


def hoster_panels(request: AuthenticatedHttpRequest, hoster: Hoster) -> list[Panel]:
    """For the hoster's members and for supervisors (`hoster` passed the company page's access check)."""
    membership = next((m for m in request.memberships if m.hoster_id == hoster.pk), None)
    if membership is None and not request.user.is_supervisor:
        return []
    rows = assessment_rows(request, hoster, membership.role if membership else None)
    can_start = (
        membership is not None and membership.is_owner and not Assessment.objects.filter(hoster=hoster).open().exists()
    )
    context = {"hoster": hoster, "rows": rows, "can_start": can_start, "shown": SHOWN}
    return [Panel("assessments/panels/company.html", context, order=PANEL_ORDER)]
