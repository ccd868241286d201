"""The core's dashboard panels: the current hoster, supervision and auditing entry points."""

from __future__ import annotations

from portal.access import AuthenticatedHttpRequest
from portal.dashboard import Panel
from portal.models import Hoster


def panels(request: AuthenticatedHttpRequest) -> list[Panel]:
    user = request.user
    result: list[Panel] = []
    membership = request.current_membership
    if membership is not None:
        result.append(Panel("portal/panels/hoster.html", {"membership": membership}, order=10))
    elif not (user.is_supervisor or user.is_auditor):
        result.append(Panel("portal/panels/no_hoster.html", order=10))
    if user.is_auditor:
        result.append(Panel("portal/panels/auditor.html", order=15))
    if user.is_supervisor:
        counts = {
            "unverified": Hoster.objects.filter(verification=Hoster.Verification.UNVERIFIED).count(),
            "total": Hoster.objects.count(),
        }
        result.append(Panel("portal/panels/supervisor.html", counts, order=20))
    return result
