"""Pages of the measured data: notice imports, the unattributed queue, a hoster's notices and disputes.

The figures computed from these notices (a hoster's figures, the supervisor's ranking) are shown under the norm
of the scoring model in force, so their pages live in `scoring.publication.figures`.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from portal.access import AuthenticatedHttpRequest, get_hoster_for, require_supervisor
from portal.asn import asn_number
from portal.models import Membership
from portal.refusals import Refusal, show_refusal
from scoring.measurement.disputes import raise_dispute, resolve_dispute
from scoring.measurement.forms import DisputeForm, NoticeUploadForm, ResolveDisputeForm
from scoring.measurement.models import Dispute, ImportBatch, Notice
from scoring.measurement.tasks import run_notice_import
from scoring.measurement.uploads import NoticeUploadHandler, create_upload_batch, fail_batch

PAGE_SIZE = 50
View = Callable[..., HttpResponse]


class MemberRequest(AuthenticatedHttpRequest):
    """A signed-in request with what `portal.middleware` adds: the user's memberships and the one in use."""

    memberships: list[Membership]
    current_membership: Membership | None


def supervisor_required(view: View) -> View:
    """Supervisors only (`require_supervisor`: 403 for everyone else), checked before anything else."""

    @wraps(view)
    def wrapped(request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        require_supervisor(request.user)
        return view(request, *args, **kwargs)

    return wrapped


# --- imports --------------------------------------------------------------------------------------------------


@csrf_exempt  # only until the upload handler is in place: `_import_list` checks the token
@supervisor_required
@require_http_methods(["GET", "POST"])
def import_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    # The CSRF check reads the body, so the handler that streams the file up to the limit must be set before it.
    handler = NoticeUploadHandler(request)
    request.upload_handlers = [handler]
    return _import_list(request, handler)


@csrf_protect
def _import_list(request: AuthenticatedHttpRequest, handler: NoticeUploadHandler) -> HttpResponse:
    form = NoticeUploadForm(request.POST or None, request.FILES or None, too_large=handler.exceeded)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        batch = create_upload_batch(request.user, data["file"], data["source"], data["timezone"])
        try:
            run_notice_import.enqueue(batch.pk)
        except BaseException:
            fail_batch(batch, timezone.now())
            raise
        messages.info(request, _("The file is being imported."))
        return redirect("scoring:import_detail", pk=batch.pk)
    page = Paginator(ImportBatch.objects.select_related("created_by"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "scoring/imports.html", {"form": form, "page": page})


@supervisor_required
@require_GET
def import_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(ImportBatch.objects.select_related("created_by"), pk=pk)
    return render(request, "scoring/import_detail.html", {"batch": batch})


@supervisor_required
@require_GET
def import_progress(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(ImportBatch, pk=pk)
    return render(request, "scoring/_import_progress.html", {"batch": batch})


def _search(request: HttpRequest) -> str | None:
    """The page's search text, or None (with a message) when it holds a NUL, which no stored text can."""
    query = request.GET.get("q", "").strip()
    if "\x00" in query:
        messages.error(request, _("A search may not contain a NUL character."))
        return None
    return query


def _is_ip(text: str) -> bool:
    """Whether `text` is an IP address as the notices hold them (the database refuses to compare with others)."""
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in text else socket.AF_INET, text)
    except (OSError, ValueError):
        return False
    return True


@supervisor_required
@require_GET
def unattributed(request: AuthenticatedHttpRequest) -> HttpResponse:
    query = _search(request)
    notices = Notice.objects.unattributed().order_by("-reported_at", "-id")
    if query is None:
        notices = notices.none()
    elif query:
        condition = Q(notice_id__icontains=query) | Q(url_host__icontains=query)
        asn = asn_number(query)
        if asn is not None:
            condition |= Q(asn=asn)
        if _is_ip(query):
            condition |= Q(ip=query)
        notices = notices.filter(condition)
    page = Paginator(notices, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "query": query or ""}
    return render(request, "scoring/unattributed.html", context, status=400 if query is None else 200)


# --- a hoster's notices and disputes ----------------------------------------------------------------------------


@require_GET
def hoster_notices(request: MemberRequest, slug: str) -> HttpResponse:
    hoster = get_hoster_for(request.user, slug)
    notices = Notice.objects.of_hoster(hoster).prefetch_related("disputes").order_by("-reported_at", "-id")
    query = _search(request)
    if query is None:
        notices = notices.none()
    elif query:
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
            "query": query or "",
            "disputes": disputes,
            "can_dispute": membership is not None and membership.can_edit,
        },
        status=400 if query is None else 200,
    )


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


@supervisor_required
@require_GET
def dispute_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
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
def dispute_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
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
        except Refusal as refusal:
            show_refusal(request, refusal, form)
        else:
            messages.success(request, _("The dispute has been decided and both sides informed."))
            return redirect("scoring:dispute_queue")
    return render(request, "scoring/dispute_detail.html", {"dispute": dispute, "form": form})
