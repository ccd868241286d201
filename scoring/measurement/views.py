"""Pages of the measured-data side: notice imports, the unattributed queue, disputes, metrics and the monitor."""

from __future__ import annotations

import csv
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from portal.access import get_hoster_for
from portal.models import Hoster
from scoring.measurement.charts import weekly_chart
from scoring.measurement.forms import DisputeForm, NoticeUploadForm, PeriodForm, ResolveDisputeForm
from scoring.measurement.metrics import METRIC_KEYS, hoster_metrics, weekly_metrics
from scoring.measurement.models import Dispute, ImportBatch, Notice
from scoring.measurement.services import DisputeError, create_upload_batch, raise_dispute, resolve_dispute
from scoring.measurement.tasks import run_notice_import

PAGE_SIZE = 50


def supervisor_required(view: Callable) -> Callable:
    """Supervisors only; everyone else signed in gets 403."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_supervisor:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


# --- imports --------------------------------------------------------------------------------------------------


@supervisor_required
@require_http_methods(["GET", "POST"])
def import_list(request: HttpRequest) -> HttpResponse:
    form = NoticeUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        batch = create_upload_batch(request.user, data["file"], data["source"], data["timezone"])
        run_notice_import.enqueue(batch.pk)
        messages.info(request, _("The file is being imported."))
        return redirect("scoring:import_detail", pk=batch.pk)
    page = Paginator(ImportBatch.objects.select_related("created_by"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "scoring/imports.html", {"form": form, "page": page})


@supervisor_required
@require_GET
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(ImportBatch.objects.select_related("created_by"), pk=pk)
    return render(request, "scoring/import_detail.html", {"batch": batch})


@supervisor_required
@require_GET
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(ImportBatch, pk=pk)
    return render(request, "scoring/_import_progress.html", {"batch": batch})


@supervisor_required
@require_GET
def unattributed(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    notices = Notice.objects.unattributed().order_by("-reported_at", "-id")
    if query:
        condition = Q(notice_id__icontains=query) | Q(url_host__icontains=query)
        asn = query[2:] if query[:2].upper() == "AS" else query
        if asn.isdigit():
            condition |= Q(asn=int(asn))
        if ":" in query or query.count(".") == 3:
            condition |= Q(ip=query)
        notices = notices.filter(condition)
    page = Paginator(notices, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "scoring/unattributed.html", {"page": page, "query": query})


# --- disputes -------------------------------------------------------------------------------------------------


@require_GET
def hoster_notices(request: HttpRequest, slug: str) -> HttpResponse:
    hoster = get_hoster_for(request.user, slug)
    notices = Notice.objects.of_hoster(hoster).prefetch_related("disputes").order_by("-reported_at", "-id")
    query = request.GET.get("q", "").strip()
    if query:
        notices = notices.filter(Q(notice_id__icontains=query) | Q(url_host__icontains=query))
    page = Paginator(notices, PAGE_SIZE).get_page(request.GET.get("page"))
    disputes = Dispute.objects.filter(hoster=hoster).select_related("notice")[:20]
    membership = next((m for m in request.memberships if m.hoster_id == hoster.pk), None)
    return render(
        request,
        "scoring/hoster_notices.html",
        {
            "hoster": hoster,
            "page": page,
            "query": query,
            "disputes": disputes,
            "can_dispute": membership is not None and membership.can_edit,
        },
    )


@require_http_methods(["GET", "POST"])
def dispute_raise(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    hoster = get_hoster_for(request.user, slug, write=True)
    notice = get_object_or_404(Notice, pk=pk, hoster=hoster)
    form = DisputeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            raise_dispute(request.user, notice, form.cleaned_data["reason"])
        except DisputeError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Your dispute has been sent to the supervisor."))
            return redirect("scoring:hoster_notices", slug=hoster.slug)
    return render(request, "scoring/dispute_form.html", {"hoster": hoster, "notice": notice, "form": form})


@supervisor_required
@require_GET
def dispute_queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", Dispute.Status.OPEN)
    disputes = Dispute.objects.select_related("notice", "hoster", "raised_by")
    if status in Dispute.Status.values:
        disputes = disputes.filter(status=status)
    page = Paginator(disputes.order_by("created_at", "id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "scoring/disputes.html", {"page": page, "status": status, "statuses": Dispute.Status.choices}
    )


@supervisor_required
@require_http_methods(["GET", "POST"])
def dispute_detail(request: HttpRequest, pk: int) -> HttpResponse:
    dispute = get_object_or_404(
        Dispute.objects.select_related("notice", "notice__hoster", "hoster", "raised_by", "resolved_by"), pk=pk
    )
    form = ResolveDisputeForm(request.POST or None, current_hoster=dispute.hoster)
    if request.method == "POST" and dispute.status == Dispute.Status.OPEN and form.is_valid():
        decision = form.cleaned_data["decision"]
        try:
            resolve_dispute(
                request.user,
                dispute,
                uphold=decision != ResolveDisputeForm.REJECT,
                reason=form.cleaned_data["reason"],
                new_hoster=form.cleaned_data["new_hoster"] if decision == ResolveDisputeForm.REATTRIBUTE else None,
            )
        except DisputeError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The dispute has been decided and both sides informed."))
            return redirect("scoring:dispute_queue")
    return render(request, "scoring/dispute_detail.html", {"dispute": dispute, "form": form})


# --- metrics --------------------------------------------------------------------------------------------------


def _named(rows: list[dict]) -> list[dict]:
    names = dict(Hoster.objects.values_list("slug", "name"))
    return [{**row, "name": names.get(row["hoster"], "")} for row in rows]


@require_GET
def hoster_metrics_page(request: HttpRequest, slug: str) -> HttpResponse:
    hoster = get_hoster_for(request.user, slug)
    form = PeriodForm(request.GET)
    date_from, date_to, as_of, norm = form.period
    row = hoster_metrics(date_from, date_to, as_of=as_of, norm_hours=norm, hoster=hoster)[0]
    weeks = weekly_metrics(hoster, date_from, date_to, norm_hours=norm)
    return render(
        request,
        "scoring/hoster_metrics.html",
        {"hoster": hoster, "form": form, "row": row, "chart": weekly_chart(weeks), "norm": norm},
    )


@supervisor_required
@require_GET
def monitor(request: HttpRequest) -> HttpResponse:
    form = PeriodForm(request.GET)
    date_from, date_to, as_of, norm = form.period
    rows = [row for row in hoster_metrics(date_from, date_to, as_of=as_of, norm_hours=norm) if row["notices"]]
    total = sum(row["notices"] for row in rows)
    return render(
        request,
        "scoring/monitor.html",
        {"form": form, "rows": _named(rows), "total": total, "norm": norm, "query": request.GET.urlencode()},
    )


@supervisor_required
@require_GET
def monitor_csv(request: HttpRequest) -> HttpResponse:
    form = PeriodForm(request.GET)
    date_from, date_to, as_of, norm = form.period
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="monitor-{date_from}-{date_to}.csv"'
    writer = csv.DictWriter(response, fieldnames=["name", *METRIC_KEYS], lineterminator="\n")
    writer.writeheader()
    for row in _named(hoster_metrics(date_from, date_to, as_of=as_of, norm_hours=norm)):
        writer.writerow({key: "" if row[key] is None else row[key] for key in ["name", *METRIC_KEYS]})
    return response
