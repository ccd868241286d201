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
