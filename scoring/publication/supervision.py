"""The supervisor's monitor-period pages: the periods under way and published, drafting the next after a preview,
and one review (open it, extend it, see who replied, publish it)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from portal.access import AuthenticatedHttpRequest, require_supervisor
from portal.refusals import show_refusal
from portal.widgets import DateInput
from scoring.measurement import methodology
from scoring.measurement.models import Dispute
from scoring.publication.models import MonitorPeriod, MonitorReview
from scoring.publication.monitor_periods import PublicationRefused, monitor_ranking
from scoring.publication.review import (
    DEFAULT_REVIEW_DAYS,
    MAX_EXTENSION_DAYS,
    draft_review,
    extend_review,
    open_review,
    period_disputes,
    publication_blockers,
    publish_review,
    replies,
)
from scoring.rating.models import ScoringModelVersion, default_model_code

PREVIEW_ROWS = 20


def _model_choices() -> list[tuple[str, str]]:
    in_force = default_model_code()
    return [
        (
            version.code,
            _("%(code)s (norm %(hours)s h)") % {"code": version.code, "hours": f"{version.norm_hours:g}"}
            + (", " + _("in force") if version.code == in_force else ""),
        )
        for version in ScoringModelVersion.objects.latest_versions()
    ]


class PublishForm(forms.Form):
    code = forms.SlugField(
        label=gettext_lazy("Code"), max_length=40, help_text=gettext_lazy("Part of the public address, e.g. 2025-h1.")
    )
    title = forms.CharField(label=gettext_lazy("Title"), max_length=120)
    date_from = forms.DateField(label=gettext_lazy("First day"), widget=DateInput())
    date_to = forms.DateField(label=gettext_lazy("Last day"), widget=DateInput())
    model = forms.ChoiceField(
        label=gettext_lazy("Scoring model"),
        required=False,
        help_text=gettext_lazy("Its norm is the one the figures use; the model in force unless you analyse another."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model: Any = self.fields["model"]
        model.choices = _model_choices()
        self.fields["model"].initial = default_model_code()

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"]
        if MonitorPeriod.objects.filter(code=code).exists() or MonitorReview.objects.filter(code=code).exists():
            raise forms.ValidationError(_("A monitor period with this code is already published or under way."))
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

    def model_version(self) -> ScoringModelVersion:
        """The chosen scoring model, the one in force when none was chosen."""
        version = ScoringModelVersion.objects.current(self.cleaned_data.get("model") or None)
        assert version is not None  # the choices are the published models
        return version


class ExtendForm(forms.Form):
    days = forms.IntegerField(label=gettext_lazy("More days"), min_value=1, max_value=MAX_EXTENSION_DAYS, initial=7)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=500)


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
            "model": default_model_code(),
        }
    )


@require_http_methods(["GET", "POST"])
def monitor_periods(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The periods and the form for the next: POST previews its ranking, POST with `confirmed` stores the draft."""
    require_supervisor(request.user)
    form = PublishForm(request.POST) if request.method == "POST" else _next_period_form()
    context: dict[str, Any] = {
        "periods": MonitorPeriod.objects.defer("pdf", "ranking"),
        "reviews": MonitorReview.objects.unpublished(),
        "form": form,
    }
    if request.method == "POST" and form.is_valid():
        data, model = form.cleaned_data, form.model_version()
        if request.POST.get("confirmed") != "yes":
            ranking, totals = monitor_ranking(data["date_from"], data["date_to"], model.norm_hours)
            preview = {
                "ranking": ranking[:PREVIEW_ROWS],
                "more": max(0, len(ranking) - PREVIEW_ROWS),
                "totals": totals,
                "model": model,
                "methodology": methodology.current(model.norm_hours).rows(),
            }
            return render(request, "scoring/certificates/monitor_confirm.html", {**context, **preview})
        try:
            review = draft_review(
                request.user,
                code=data["code"],
                title=data["title"],
                date_from=data["date_from"],
                date_to=data["date_to"],
                model=model,
            )
        except PublicationRefused as refusal:
            show_refusal(request, refusal)
        else:
            messages.success(request, _("The draft of %(title)s is stored.") % {"title": review.title})
            return redirect("supervision_monitor_review", review.code)
    return render(request, "scoring/certificates/monitor_periods.html", context)


@require_http_methods(["GET", "POST"])
def monitor_review(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    """One review: its state, per hoster whether it looked and its disputes, the live ranking, and the next step."""
    require_supervisor(request.user)
    review = get_object_or_404(MonitorReview, code=code)
    extend_form = ExtendForm(request.POST if request.POST.get("action") == "extend" else None)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "open":
                review = open_review(request.user, review)
                messages.success(request, _("The review is open; the hosters have been told."))
            elif action == "extend" and extend_form.is_valid():
                review = extend_review(request.user, review, **extend_form.cleaned_data)
                messages.success(request, _("The review is extended."))
            elif action == "publish":
                period = publish_review(request.user, review)
                messages.success(request, _("%(title)s is published.") % {"title": period.title})
                return redirect("monitor_period", period.code)
            if action in {"open", "extend"} and not extend_form.errors:
                return redirect("supervision_monitor_review", review.code)
        except PublicationRefused as refusal:
            show_refusal(request, refusal)
    ranking, totals = monitor_ranking(review.date_from, review.date_to, review.norm_hours)
    context = {
        "review": review,
        "replies": replies(review),
        "open_disputes": period_disputes(review).filter(status=Dispute.Status.OPEN).count(),
        "blockers": publication_blockers(review),
        "ranking": ranking[:PREVIEW_ROWS],
        "more": max(0, len(ranking) - PREVIEW_ROWS),
        "totals": totals,
        "methodology": methodology.current(review.norm_hours).rows(),
        "extend_form": extend_form,
        "review_days": DEFAULT_REVIEW_DAYS,
    }
    return render(request, "scoring/monitor/review.html", context, status=400 if extend_form.errors else 200)
