"""Pages of the measured data: notice imports, the unattributed queue, a hoster's notices and disputes.

The figures computed from these notices (a hoster's figures, the supervisor's ranking) are shown under the norm
of the scoring model in force, so their pages live in `scoring.publication.figures`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from portal.access import AuthenticatedHttpRequest, require_supervisor
from portal.models import Membership
from scoring.measurement.forms import NoticeUploadForm
from scoring.measurement.models import ImportBatch
from scoring.measurement.scart import FileFormat, format_headers
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
            # The worker speaks the uploader's language: its errors read as this page does.
            run_notice_import.enqueue(batch.pk, get_language() or "", data["file_format"])
        except BaseException:
            fail_batch(batch, timezone.now())
            raise
        found = form.found_format.label if form.found_format else ""
        message = _("Format found in the header: %(format)s. The file is being imported.")
        messages.info(request, message % {"format": found})
        return redirect("scoring:import_detail", pk=batch.pk)
    page = Paginator(ImportBatch.objects.select_related("created_by"), PAGE_SIZE).get_page(request.GET.get("page"))
    formats = {
        "formats": [{"value": f.value, "label": str(f.label), "header": header} for f, header in format_headers()],
        "portal": str(FileFormat.PORTAL.label),
        "found": _("Format found in the header:"),
    }
    return render(request, "scoring/imports.html", {"form": form, "page": page, "formats": formats})


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
