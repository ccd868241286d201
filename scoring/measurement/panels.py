"""Dashboard panels of the measured-data side: a hoster's own takedown figures, the supervisor's queues."""

from __future__ import annotations

from django.http import HttpRequest

from portal.dashboard import Panel
from scoring.measurement.charts import weekly_chart
from scoring.measurement.forms import PeriodForm
from scoring.measurement.metrics import hoster_metrics, weekly_metrics
from scoring.measurement.models import Dispute, Notice


def panels(request: HttpRequest) -> list[Panel]:
    user = request.user
    result: list[Panel] = []
    membership = request.current_membership
    if membership is not None:
        hoster = membership.hoster
        form = PeriodForm(request.GET)
        date_from, date_to, as_of, norm = form.period
        row = hoster_metrics(date_from, date_to, as_of=as_of, norm_hours=norm, hoster=hoster)[0]
        chart = weekly_chart(weekly_metrics(hoster, date_from, date_to, norm_hours=norm))
        context = {"hoster": hoster, "form": form, "row": row, "chart": chart, "norm": norm}
        result.append(Panel("scoring/panels/hoster_metrics.html", context, order=30))
    if user.is_supervisor:
        context = {
            "notices": Notice.objects.count(),
            "unattributed": Notice.objects.unattributed().count(),
            "open_disputes": Dispute.objects.open().count(),
        }
        result.append(Panel("scoring/panels/supervisor.html", context, order=25))
    return result
