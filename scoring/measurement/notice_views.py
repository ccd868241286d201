"""A hoster's notices and the disputes about them: listed, exported and shown with their history to the hoster's
members and supervisors; disputed (attribution or removal time) by members who edit; decided by the supervisor.

Whether an open notice is overdue depends on the norm of the scoring model in force, which a later stage knows:
`scoring/urls.py` passes it in as `norm_source`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from assessments.downloads import CONTENT_TYPES, OPAQUE
from portal.access import AuthenticatedHttpRequest, get_hoster_for
from portal.csvsafe import SpreadsheetWriter
from portal.files import download_name, private_file_response
from portal.models import Hoster
from portal.refusals import Refusal, show_refusal
from scoring.measurement.disputes import decide_removal_dispute, raise_dispute, raise_removal_dispute, resolve_dispute
from scoring.measurement.figure_cache import NoticePaginator
from scoring.measurement.forms import DisputeForm, ResolveDisputeForm
from scoring.measurement.history import notice_history
from scoring.measurement.models import Dispute, Notice
from scoring.measurement.notice_forms import (
    DecideRemovalDisputeForm,
    NoticeFilterForm,
    RemovalDisputeForm,
    overdue_since,
    with_overdue,
)
from scoring.measurement.views import PAGE_SIZE, MemberRequest, supervisor_required

# The norm (hours) of the scoring model in force, asked when a page needs it.
NormSource = Callable[[], tuple[str, float]]  # the scoring model in force and its norm in hours
CSV_COLUMNS = (
    "notice_id",
    "source",
    "reported_at",
    "removed_at",
    "corrected_removed_at",
    "open",
    "overdue",
    "ip",
    "asn",
    "url_host",
    "url_sha256",
    "attribution",
    "excluded",
    "reminders",
    "disputed",
)
CSV_CHUNK = 2000


def _can_dispute(request: MemberRequest, hoster: Hoster) -> bool:
    membership = next((m for m in request.memberships if m.hoster_id == hoster.pk), None)
    return membership is not None and membership.can_edit


# --- the hoster's notices -------------------------------------------------------------------------------------


@require_GET
def hoster_notices(request: MemberRequest, slug: str, norm_source: NormSource) -> HttpResponse:
    hoster = get_hoster_for(request.user, slug)
    form, (model, norm) = NoticeFilterForm(request.GET), norm_source()
    notices = Notice.objects.of_hoster(hoster).order_by("-reported_at", "-id")
    valid = form.is_valid()
    notices = form.apply(notices, overdue_since(timezone.now(), norm)) if valid else notices.none()
    page = NoticePaginator(notices, PAGE_SIZE).get_page(request.GET.get("page"))
    disputes = Dispute.objects.filter(hoster=hoster).select_related("notice")[:20]
    context = {
        "hoster": hoster,
        "form": form,
        "page": page,
        "disputes": disputes,
        "can_dispute": _can_dispute(request, hoster),
        "norm": norm,
        "norm_model": model,
    }
    return render(request, "scoring/hoster_notices.html", context, status=200 if valid else 400)


class _Echo:
    """A file that hands back what is written, so that each CSV line can be streamed as it is made."""

    def write(self, value: str) -> str:
        return value


def _local(moment: datetime | None) -> str:
    return timezone.localtime(moment).isoformat() if moment else ""


def _csv_lines(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    writer = SpreadsheetWriter(_Echo(), CSV_COLUMNS)
    yield writer.writeheader()
    for row in rows:
        yield writer.writerow(row)


def _csv_rows(notices: Iterable[Notice]) -> Iterator[dict[str, Any]]:
    for notice in notices:
        yield {
            "notice_id": notice.notice_id,
            "source": notice.source,
            "reported_at": _local(notice.reported_at),
            "removed_at": _local(notice.removed_at),
            "corrected_removed_at": _local(notice.corrected_removed_at),
            "open": "yes" if notice.counted_removed_at is None else "no",
            "overdue": "yes" if notice.is_overdue else "no",  # type: ignore[attr-defined]
            "ip": notice.ip or "",
            "asn": notice.asn or "",
            "url_host": notice.url_host,
            "url_sha256": notice.url_sha256,
            "attribution": notice.attribution,
            "excluded": "yes" if notice.excluded else "no",
            "reminders": notice.reminders,
            "disputed": "yes" if notice.disputed else "no",  # type: ignore[attr-defined]
        }


@require_GET
def hoster_notices_csv(request: AuthenticatedHttpRequest, slug: str, norm_source: NormSource) -> HttpResponseBase:
    """The listed notices as CSV, streamed: metadata, the URL's host and SHA-256, never more of the URL."""
    hoster = get_hoster_for(request.user, slug)
    form = NoticeFilterForm(request.GET)
    if not form.is_valid():
        problems = [f"{name}: {message}" for name, errors in form.errors.items() for message in errors]
        return HttpResponse("\n".join(problems), content_type="text/plain; charset=utf-8", status=400)
    notices = form.apply(Notice.objects.of_hoster(hoster), overdue_since(timezone.now(), norm_source()[1]))
    notices = notices.annotate(disputed=Exists(Dispute.objects.filter(notice=OuterRef("pk"))))
    fields = [name for name in CSV_COLUMNS if name not in {"open", "overdue", "disputed"}]
    ordered = notices.only(*fields).order_by("reported_at", "id").iterator(chunk_size=CSV_CHUNK)
    response = StreamingHttpResponse(_csv_lines(_csv_rows(ordered)), content_type="text/csv; charset=utf-8")
    filename = f"notices-{hoster.slug}-{timezone.localdate().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def notice_detail(request: MemberRequest, slug: str, pk: int, norm_source: NormSource) -> HttpResponse:
    hoster, (model, norm) = get_hoster_for(request.user, slug), norm_source()
    notices = with_overdue(Notice.objects.of_hoster(hoster), overdue_since(timezone.now(), norm))
    notice = get_object_or_404(notices.select_related("hoster"), pk=pk)
    history = notice_history(notice)
    open_dispute = next((d for d in history.disputes if d.status == Dispute.Status.OPEN), None)
    context = {
        "hoster": hoster,
        "notice": notice,
        "history": history,
        "can_dispute": _can_dispute(request, hoster) and open_dispute is None,
        "norm": norm,
        "norm_model": model,
    }
    return render(request, "scoring/notice_detail.html", context)


# --- disputes raised by the hoster --------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def dispute_raise(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    hoster = get_hoster_for(request.user, slug, write=True)
    notice = get_object_or_404(Notice, pk=pk, hoster=hoster)
    form = DisputeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            raise_dispute(request.user, notice, form.cleaned_data["reason"])
        except Refusal as refusal:
            show_refusal(request, refusal, form)
        else:
            messages.success(request, _("Your dispute has been sent to the supervisor."))
            return redirect("scoring:hoster_notices", slug=hoster.slug)
    return render(request, "scoring/dispute_form.html", {"hoster": hoster, "notice": notice, "form": form})


@require_http_methods(["GET", "POST"])
def dispute_removal_time(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    hoster = get_hoster_for(request.user, slug, write=True)
    notice = get_object_or_404(Notice, pk=pk, hoster=hoster)
    form = RemovalDisputeForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data, upload = form.cleaned_data, form.cleaned_data.get("evidence_file")
        try:
            raise_removal_dispute(
                request.user,
                notice,
                data["claimed_removed_at"],
                data["reason"],
                document=upload,
                document_name=upload.name if upload is not None else "",
                url=data["evidence_url"] if upload is None else "",
            )
        except Refusal as refusal:
            show_refusal(request, refusal, form)
        else:
            messages.success(request, _("Your dispute of the removal time has been sent to the supervisor."))
            return redirect("scoring:notice_detail", slug=hoster.slug, pk=notice.pk)
    context = {"hoster": hoster, "notice": notice, "form": form}
    return render(request, "scoring/dispute_removal_form.html", context, status=400 if form.errors else 200)


@require_GET
def dispute_evidence(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponseBase:
    """A dispute's evidence document, for the disputing hoster's members and supervisors only, always as a download
    named by its detected type."""
    hoster = get_hoster_for(request.user, slug)
    dispute = get_object_or_404(Dispute, pk=pk, hoster=hoster)
    if not dispute.evidence_file:
        raise Http404
    kind = dispute.evidence_type
    extension, content_type = (kind, CONTENT_TYPES[kind]) if kind in CONTENT_TYPES else OPAQUE
    return private_file_response(
        dispute.evidence_file,
        filename=download_name(dispute.evidence_name, extension, fallback="evidence"),
        content_type=content_type,
        as_attachment=True,
        csp="default-src 'none'; sandbox",
    )


# --- the supervisor's decisions ---------------------------------------------------------------------------------


@supervisor_required
@require_GET
def dispute_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    status = request.GET.get("status", Dispute.Status.OPEN)
    kind = request.GET.get("kind", "")
    disputes = Dispute.objects.select_related("notice", "hoster", "raised_by")
    if status in Dispute.Status.values:
        disputes = disputes.filter(status=status)
    if kind in Dispute.Kind.values:
        disputes = disputes.filter(kind=kind)
    page = Paginator(disputes.order_by("created_at", "id"), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "status": status,
        "statuses": Dispute.Status.choices,
        "kind": kind,
        "kinds": Dispute.Kind.choices,
    }
    return render(request, "scoring/disputes.html", context)


def _decide_attribution(request: AuthenticatedHttpRequest, dispute: Dispute) -> HttpResponse:
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
        except Refusal as refusal:
            show_refusal(request, refusal, form)
        else:
            messages.success(request, _("The dispute has been decided and both sides informed."))
            return redirect("scoring:dispute_queue")
    return render(request, "scoring/dispute_detail.html", {"dispute": dispute, "form": form})


def _decide_removal_time(request: AuthenticatedHttpRequest, dispute: Dispute) -> HttpResponse:
    """Decide in two steps: the decision, then its confirmation showing what the figures will count."""
    form = DecideRemovalDisputeForm(request.POST or None, dispute=dispute)
    if request.method == "POST" and dispute.status == Dispute.Status.OPEN and form.is_valid():
        data = form.cleaned_data
        if not data["confirmed"]:
            return render(request, "scoring/dispute_confirm.html", {"dispute": dispute, "form": form})
        try:
            decide_removal_dispute(
                request.user,
                dispute,
                accept=form.accepts,
                reason=data["reason"],
                corrected_removed_at=data["corrected_removed_at"] if form.accepts else None,
            )
        except Refusal as refusal:
            show_refusal(request, refusal, form)
        else:
            messages.success(request, _("The dispute has been decided and the hoster informed."))
            return redirect("scoring:dispute_queue")
    status = 400 if form.errors else 200
    return render(request, "scoring/dispute_detail.html", {"dispute": dispute, "form": form}, status=status)


@supervisor_required
@require_http_methods(["GET", "POST"])
def dispute_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    dispute = get_object_or_404(
        Dispute.objects.select_related("notice", "notice__hoster", "hoster", "raised_by", "resolved_by"), pk=pk
    )
    if dispute.kind == Dispute.Kind.REMOVAL_TIME:
        return _decide_removal_time(request, dispute)
    return _decide_attribution(request, dispute)
