"""A hoster's notices and the disputes about them: raised by the hoster's members, decided by the supervisor."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from portal.access import AuthenticatedHttpRequest, get_hoster_for
from portal.refusals import Refusal, show_refusal
from scoring.measurement.disputes import raise_dispute, resolve_dispute
from scoring.measurement.forms import DisputeForm, ResolveDisputeForm
from scoring.measurement.models import Dispute, Notice
from scoring.measurement.queue_views import search_text
from scoring.measurement.views import PAGE_SIZE, MemberRequest, supervisor_required


@require_GET
def hoster_notices(request: MemberRequest, slug: str) -> HttpResponse:
    hoster = get_hoster_for(request.user, slug)
    notices = Notice.objects.of_hoster(hoster).prefetch_related("disputes").order_by("-reported_at", "-id")
    query = search_text(request)
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
