"""Evidence as it leaves the portal: named and typed by what its content was found to be, never by its upload name."""

from __future__ import annotations

from django.http.response import HttpResponseBase

from assessments.models import Evidence
from portal.files import download_name, private_file_response

# The Content-Type of each type `Evidence.detected_type` can hold; anything else is served as opaque bytes.
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
}
OPAQUE = ("bin", "application/octet-stream")


def evidence_file_response(evidence: Evidence, *, inline: bool, csp: str) -> HttpResponseBase:
    """The evidence file as an attachment named `<safe stem>.<detected type>`; `inline` is honoured for PDFs only."""
    kind = evidence.detected_type
    extension, content_type = (kind, CONTENT_TYPES[kind]) if kind in CONTENT_TYPES else OPAQUE
    return private_file_response(
        evidence.file,
        filename=download_name(evidence.original_name, extension, fallback="evidence"),
        content_type=content_type,
        as_attachment=not (inline and kind == "pdf"),
        csp=csp,
    )
