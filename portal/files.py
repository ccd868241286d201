"""Private files (evidence) after their access check: streamed by Django, or handed to nginx by X-Accel-Redirect."""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpResponse
from django.utils.http import content_disposition_header


def private_file_response(
    file: FieldFile, *, filename: str, content_type: str, as_attachment: bool, csp: str
) -> HttpResponse:
    """The file with locked-down headers; `EVIDENCE_ACCEL_REDIRECT` lets the proxy send the bytes."""
    prefix = settings.EVIDENCE_ACCEL_REDIRECT
    if prefix:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(file.name)
        response["Content-Disposition"] = content_disposition_header(as_attachment, filename)
    else:
        response = FileResponse(
            file.open("rb"), as_attachment=as_attachment, filename=filename, content_type=content_type
        )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = csp
    response["Cache-Control"] = "private, no-store"
    return response
