"""Dashboard panel of a hoster's own takedown figures, under the norm in force (see `figures`)."""

from __future__ import annotations

from portal.dashboard import Panel
from scoring.measurement.views import MemberRequest
from scoring.publication.figures import hoster_figures_context, period_form


def panels(request: MemberRequest) -> list[Panel]:
    membership = request.current_membership
    if membership is None:
        return []
    context = hoster_figures_context(membership.hoster, period_form(request))
    return [Panel("scoring/figures/panel.html", context, order=30)]
