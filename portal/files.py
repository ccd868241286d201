"""Private files (evidence) after their access check: streamed by Django, or handed to nginx by X-Accel-Redirect."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header

# What a stem keeps: letters and digits of any script, spaces, `-`, `_` and brackets; any run of anything else
# (dots, quotes, semicolons, slashes, control and direction characters) becomes one `_`.
_UNSAFE_IN_STEM = re.compile(r"[^\w\- ()]+")
_MAX_STEM = 100


def download_name(original: str, extension: str, *, fallback: str = "document") -> str:
    """The name a private file is delivered under: a safe stem of `original` and the extension of what it is.

    The uploader's extension is dropped, so `Report.hta` known to be text arrives as `Report.txt`, and no
    character can break out of the Content-Disposition header or hide the real extension.
    """
    base = unicodedata.normalize("NFC", original).replace("\\", "/").rsplit("/", 1)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base.lstrip(".") else base
    stem = _UNSAFE_IN_STEM.sub("_", stem)
    stem = re.sub(r"\s+", " ", stem).strip(" _-")[:_MAX_STEM].strip(" _-") or fallback
    return f"{stem}.{extension}"


def private_file_response(
    file: FieldFile, *, filename: str, content_type: str, as_attachment: bool, csp: str
) -> HttpResponseBase:
    """The file with locked-down headers; `EVIDENCE_ACCEL_REDIRECT` lets the proxy send the bytes.

    `filename` is the name to deliver under, made with `download_name`: it goes into the header as given.
    """
    if not file.name:
        raise ValueError("A private file response needs a stored file.")  # callers check the record has one
    prefix = settings.EVIDENCE_ACCEL_REDIRECT
    response: HttpResponseBase
    if prefix:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(file.name)
    else:
        response = FileResponse(file.open("rb"), content_type=content_type)
    # Set here for both paths, so Django's guesses from the stored file's name never decide it.
    response["Content-Disposition"] = content_disposition_header(as_attachment, filename) or "attachment"
    response["Content-Type"] = content_type
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = csp
    response["Cache-Control"] = "private, no-store"
    return response
