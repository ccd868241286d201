"""The supervisor's monitor-period page: the published periods, and publishing the next after a preview."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from portal.access import AuthenticatedHttpRequest, require_supervisor
from portal.refusals import show_refusal
from portal.widgets import DateInput
from scoring.publication.models import MonitorPeriod
from scoring.publication.monitor_periods import PublicationRefused, monitor_ranking, publish_monitor_period
from scoring.rating.models import norm_in_force

PREVIEW_ROWS = 20


class PublishForm(forms.Form):
    code = forms.SlugField(
        label=gettext_lazy("Code"), max_length=40, help_text=gettext_lazy("Part of the public address, e.g. 2025-h1.")
    )
    title = forms.CharField(label=gettext_lazy("Title"), max_length=120)
    date_from = forms.DateField(label=gettext_lazy("First day"), widget=DateInput())
    date_to = forms.DateField(label=gettext_lazy("Last day"), widget=DateInput())

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"]
        if MonitorPeriod.objects.filter(code=code).exists():
            raise forms.ValidationError(_("A monitor period with this code is already published."))
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end:
            if start > end:
                self.add_error("date_to", _("The last day must not be before the first day."))
            elif end >= timezone.localdate():
                self.add_error("date_to", _("Only a period that has ended can be published."))
        return data


def default_half_year(today: date | None = None) -> tuple[date, date]:
    """The last full half year: a sensible default for the next monitor period."""
    today = today or timezone.localdate()
    if today.month > 6:
        return date(today.year, 1, 1), date(today.year, 6, 30)
    return date(today.year - 1, 7, 1), date(today.year - 1, 12, 31)


def _next_period_form() -> PublishForm:
    """The form filled in for the last full half year."""
    start, end = default_half_year()
    half = "h1" if start.month == 1 else "h2"
    return PublishForm(
        initial={
            "code": f"{start.year}-{half}",
            "title": _("Good Hoster monitor %(year)s %(half)s") % {"year": start.year, "half": half.upper()},
            "date_from": start,
            "date_to": end,
        }
    )


@require_http_methods(["GET", "POST"])
def monitor_periods(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The published periods and the publish form: POST previews the ranking, POST with `confirmed` publishes."""
    require_supervisor(request.user)
    form = PublishForm(request.POST) if request.method == "POST" else _next_period_form()
    context: dict[str, Any] = {
        "periods": MonitorPeriod.objects.defer("pdf", "ranking"),
        "form": form,
        "norm_hours": norm_in_force(),
    }
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if request.POST.get("confirmed") != "yes":
            ranking, totals = monitor_ranking(data["date_from"], data["date_to"], context["norm_hours"])
            preview = {"ranking": ranking[:PREVIEW_ROWS], "more": max(0, len(ranking) - PREVIEW_ROWS), "totals": totals}
            return render(request, "scoring/certificates/monitor_confirm.html", {**context, **preview})
        try:
            period = publish_monitor_period(
                request.user,
                code=data["code"],
                title=data["title"],
                date_from=data["date_from"],
                date_to=data["date_to"],
            )
        except PublicationRefused as refusal:
            show_refusal(request, refusal)
        else:
            messages.success(request, _("%(title)s is published.") % {"title": period.title})
            return redirect("monitor_period", period.code)
    return render(request, "scoring/certificates/monitor_periods.html", context)
