"""Supervisor pages: certificates (suspend, reinstate, revoke with a public reason) and monitor-period publication."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from portal.widgets import DateInput
from scoring.certification.models import Certificate, CertificateStatus
from scoring.certification.services import (
    CertificationRefused,
    current_norm_hours,
    monitor_ranking,
    publish_monitor_period,
    reinstate_certificate,
    revoke_certificate,
    suspend_certificate,
)
from scoring.publication.models import MonitorPeriod

PAGE_SIZE = 50
ACTIONS = {
    "suspend": {
        "service": suspend_certificate,
        "allowed": (CertificateStatus.VALID,),
        "title": gettext_lazy("Suspend certificate %(serial)s"),
        "question": gettext_lazy(
            "Suspend %(serial)s of %(hoster)s? The registry and the verification page show it as suspended, with"
            " this reason, until a supervisor reinstates or revokes it."
        ),
        "button": gettext_lazy("Suspend"),
        "done": gettext_lazy("%(serial)s is suspended."),
    },
    "reinstate": {
        "service": reinstate_certificate,
        "allowed": (CertificateStatus.SUSPENDED,),
        "title": gettext_lazy("Reinstate certificate %(serial)s"),
        "question": gettext_lazy("Reinstate %(serial)s of %(hoster)s? It becomes valid again; the reason is public."),
        "button": gettext_lazy("Reinstate"),
        "done": gettext_lazy("%(serial)s is valid again."),
    },
    "revoke": {
        "service": revoke_certificate,
        "allowed": (CertificateStatus.VALID, CertificateStatus.SUSPENDED),
        "title": gettext_lazy("Revoke certificate %(serial)s"),
        "question": gettext_lazy(
            "Revoke %(serial)s of %(hoster)s for good? A revoked certificate cannot be reinstated;"
            " the reason is public."
        ),
        "button": gettext_lazy("Revoke"),
        "done": gettext_lazy("%(serial)s is revoked."),
    },
}


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Public reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=gettext_lazy("Shown on the verification page and the hoster's public profile, and e-mailed."),
    )


class PublishForm(forms.Form):
    code = forms.SlugField(
        label=gettext_lazy("Code"), max_length=40, help_text=gettext_lazy("Part of the public address, e.g. 2025-h1.")
    )
    title = forms.CharField(label=gettext_lazy("Title"), max_length=120)
    date_from = forms.DateField(label=gettext_lazy("First day"), widget=DateInput())
    date_to = forms.DateField(label=gettext_lazy("Last day"), widget=DateInput())

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        if MonitorPeriod.objects.filter(code=code).exists():
            raise forms.ValidationError(_("A monitor period with this code is already published."))
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end:
            if start > end:
                self.add_error("date_to", _("The last day must not be before the first day."))
            elif end >= timezone.localdate():
                self.add_error("date_to", _("Only a period that has ended can be published."))
        return data


def _require_supervisor(request: HttpRequest) -> None:
    if not request.user.is_supervisor:
        raise PermissionDenied


@require_http_methods(["GET"])
def certificate_list(request: HttpRequest) -> HttpResponse:
    _require_supervisor(request)
    certificates = Certificate.objects.without_documents().defer("section_scores").select_related("hoster")
    status = request.GET.get("status", "")
    if status in CertificateStatus.values:
        certificates = certificates.filter(state=status)
    query = request.GET.get("q", "").strip()
    if query:
        certificates = certificates.filter(hoster__name__icontains=query) | certificates.filter(serial__iexact=query)
    page = Paginator(certificates.order_by("-issued_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "scoring/certificates/list.html",
        {"page": page, "status": status, "q": query, "statuses": CertificateStatus.choices},
    )


@require_http_methods(["GET", "POST"])
def certificate_action(request: HttpRequest, serial: str, action: str) -> HttpResponse:
    """GET: the reason form; POST: the confirmation step; POST with `confirmed`: the change itself."""
    _require_supervisor(request)
    spec = ACTIONS.get(action)
    certificate = Certificate.objects.without_documents().select_related("hoster").filter(serial=serial).first()
    if spec is None or certificate is None:
        raise Http404
    names = {"serial": certificate.serial, "hoster": certificate.hoster.name}
    context = {
        "certificate": certificate,
        "action": action,
        "title": spec["title"] % names,
        "question": spec["question"] % names,
        "button": spec["button"],
        "allowed": certificate.status in spec["allowed"],
    }
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if request.POST.get("confirmed") != "yes":
            return render(request, "scoring/certificates/confirm.html", {**context, "form": form})
        try:
            spec["service"](certificate, request.user, form.cleaned_data["reason"])
        except CertificationRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, spec["done"] % names)
            return redirect("supervision_certificates")
    return render(request, "scoring/certificates/action.html", {**context, "form": form})


@require_http_methods(["GET", "POST"])
def monitor_periods(request: HttpRequest) -> HttpResponse:
    """The published periods and the publish form: POST previews the ranking, POST with `confirmed` publishes."""
    _require_supervisor(request)
    if request.method == "POST":
        form = PublishForm(request.POST)
    else:
        start, end = default_half_year()
        half = "h1" if start.month == 1 else "h2"
        form = PublishForm(
            initial={
                "code": f"{start.year}-{half}",
                "title": _("Good Hoster monitor %(year)s %(half)s") % {"year": start.year, "half": half.upper()},
                "date_from": start,
                "date_to": end,
            }
        )
    context: dict[str, Any] = {
        "periods": MonitorPeriod.objects.defer("pdf", "ranking"),
        "form": form,
        "norm_hours": current_norm_hours(),
    }
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if request.POST.get("confirmed") != "yes":
            ranking, totals = monitor_ranking(data["date_from"], data["date_to"], context["norm_hours"])
            return render(
                request,
                "scoring/certificates/monitor_confirm.html",
                {**context, "ranking": ranking[:20], "more": max(0, len(ranking) - 20), "totals": totals},
            )
        try:
            period = publish_monitor_period(
                request.user,
                code=data["code"],
                title=data["title"],
                date_from=data["date_from"],
                date_to=data["date_to"],
            )
        except CertificationRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, _("%(title)s is published.") % {"title": period.title})
            return redirect("monitor_period", period.code)
    return render(request, "scoring/certificates/monitor_periods.html", context)


def default_half_year(today: date | None = None) -> tuple[date, date]:
    """The last full half year: a sensible default for the next monitor period."""
    today = today or timezone.localdate()
    if today.month > 6:
        return date(today.year, 1, 1), date(today.year, 6, 30)
    return date(today.year - 1, 7, 1), date(today.year - 1, 12, 31)
