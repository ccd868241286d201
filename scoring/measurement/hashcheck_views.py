"""The supervisor's page for hash-check statistics: upload a CSV (imported whole or rejected whole, audited), see
the earlier imports and which weeks the statistics cover."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from portal.access import AuthenticatedHttpRequest
from portal.models import AuditEvent
from portal.refusals import show_refusal
from scoring.measurement.hashcheck_imports import (
    FILE_MAX_BYTES,
    HashCheckImportBusy,
    HashCheckImportResult,
    import_hashchecks,
)
from scoring.measurement.hashchecks import coverage
from scoring.measurement.uploads import NoticeUploadHandler
from scoring.measurement.views import supervisor_required

ERRORS_SHOWN = 200
EARLIER_IMPORTS = 20
COVERAGE_WEEKS = 26


class HashCheckUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Hash-check statistics (CSV)"),
        help_text=gettext_lazy(
            "Header hoster,week,checks,hits; UTF-8. Hoster: slug, name or alias. Week: ISO week such as 2026-W07, "
            "or its Monday."
        ),
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv", "class": "form-control"}),
    )

    too_large = False

    def mark_too_large(self, too_large: bool) -> None:
        """The upload handler dropped the file at the limit: the form says so instead of asking for a file."""
        self.too_large = too_large
        if too_large:
            self.fields["file"].required = False

    def clean_file(self) -> UploadedFile[bytes] | None:
        upload: UploadedFile[bytes] | None = self.cleaned_data["file"]
        if upload is not None and not (upload.name or "").lower().endswith(".csv"):
            raise forms.ValidationError(_("Upload a .csv file."))
        return upload

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.too_large:
            message = _("The file is larger than %(max)s; split it by year.")
            self.add_error("file", message % {"max": filesizeformat(FILE_MAX_BYTES)})
        return cleaned


@csrf_exempt  # only until the upload handler is in place: `_hashchecks` checks the token
@supervisor_required
@require_http_methods(["GET", "POST"])
def hashchecks(request: AuthenticatedHttpRequest) -> HttpResponse:
    # The CSRF check reads the body, so the handler that stops the file at the limit must be set before it.
    handler = NoticeUploadHandler(request, max_bytes=FILE_MAX_BYTES)
    request.upload_handlers = [handler]
    return _hashchecks(request, handler)


@csrf_protect
def _hashchecks(request: AuthenticatedHttpRequest, handler: NoticeUploadHandler) -> HttpResponse:
    posted = request.method == "POST"
    # Bound whenever posted: a file the handler dropped at the limit may leave the form with no data at all.
    form = HashCheckUploadForm(request.POST if posted else None, request.FILES if posted else None)
    form.mark_too_large(handler.exceeded)
    result: HashCheckImportResult | None = None
    if posted and form.is_valid():
        upload: UploadedFile[bytes] = form.cleaned_data["file"]
        try:
            with upload.open("rb") as stream:
                result = import_hashchecks(stream, user=request.user, filename=upload.name or "", channel="upload")
        except HashCheckImportBusy as refusal:
            show_refusal(request, refusal, form)
        else:
            if result.ok:
                messages.success(request, _imported_message(result))
                return redirect("scoring:hashchecks")
    status = 400 if posted else 200
    return render(request, "scoring/hashchecks.html", _context(form, result), status=status)


def _imported_message(result: HashCheckImportResult) -> str:
    return _("Imported %(rows)d figures: %(created)d new, %(updated)d changed, %(unchanged)d unchanged.") % {
        "rows": result.rows,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
    }


def _context(form: HashCheckUploadForm, result: HashCheckImportResult | None) -> dict[str, Any]:
    today = timezone.localdate()
    errors = result.errors if result is not None else []
    earlier = AuditEvent.objects.filter(action="scoring.hashchecks.imported").order_by("-id")[:EARLIER_IMPORTS]
    return {
        "form": form,
        "errors": errors[:ERRORS_SHOWN],
        "errors_hidden": max(0, len(errors) - ERRORS_SHOWN),
        "bad_lines": len({error.line for error in errors}),
        "earlier": earlier,
        "coverage": coverage(today - timedelta(weeks=COVERAGE_WEEKS - 1), today),
        "coverage_weeks": COVERAGE_WEEKS,
    }
