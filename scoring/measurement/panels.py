"""Dashboard panel of the measured data: the supervisor's queues (a hoster's figures: `publication.figures_panels`)."""

from __future__ import annotations

from portal.access import AuthenticatedHttpRequest
from portal.dashboard import Panel
from scoring.measurement.models import Dispute, Notice


def panels(request: AuthenticatedHttpRequest) -> list[Panel]:
    if not request.user.is_supervisor:
        return []
    context = {
        "notices": Notice.objects.count(),
        "unattributed": Notice.objects.unattributed().count(),
        "open_disputes": Dispute.objects.open().count(),
    }
    return [Panel("scoring/panels/supervisor.html", context, order=25)]
