"""Evidence files are recognised by their content: documents only, never images or video, no active PDF content.

The checks are built for hostile files: every part of an office document and every object and stream of a PDF
is looked at, unpacked within hard limits on size, ratio and count, so that an upload is answered in seconds
and a worker's memory stays bounded whatever the file holds.
"""

from __future__ import annotations

from typing import IO

import filetype
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from assessments.evidence.office import detect_office
from assessments.evidence.outcomes import (
    ACCEPTED_DESCRIPTION,
    DetectedDocument,
    EvidenceRefused,
    image_refusal,
    not_a_document_refusal,
)
from assessments.evidence.pdf import _walk_pdf, check_pdf
from assessments.evidence.signatures import IMAGE, ScanBudget, kind_at_start
from assessments.evidence.text import detect_text

__all__ = [
    "ACCEPTED_DESCRIPTION",
    "DetectedDocument",
    "EvidenceRefused",
    "_image_refusal",
    "_walk_pdf",
    "check_pdf",
    "detect_document",
    "read_limited",
    "sanitise_filename",
]

PROGRAM_TYPES = {"exe", "elf", "dex", "swf", "crx", "deb", "rpm", "wasm", "class"}
_image_refusal = image_refusal


def read_limited(stream: IO[bytes], max_bytes: int) -> bytes:
    """The whole upload, refused once it grows past `max_bytes` (the declared size is not trusted)."""
    content = stream.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise EvidenceRefused(
            _("The file is larger than %(max)s. Evidence files may be at most %(max)s.")
            % {"max": filesizeformat(max_bytes)}
        )
    return content


def detect_document(content: bytes) -> DetectedDocument:
    """The accepted document type of `content`, or EvidenceRefused saying why it is not accepted."""
    if not content:
        raise EvidenceRefused(_("The file is empty."))
    if kind_at_start(content[:8192]) == IMAGE:
        raise image_refusal()
    budget = ScanBudget()
    if content.startswith(b"%PDF-"):
        check_pdf(content, budget)
        return DetectedDocument("pdf", "application/pdf")
    if content.startswith(b"PK\x03\x04"):
        return detect_office(content, budget)
    guessed = filetype.guess(content)
    if guessed is not None and guessed.mime.split("/")[0] not in {"image", "video"}:
        if guessed.extension in PROGRAM_TYPES:
            raise EvidenceRefused(
                _("This file is a program (%(mime)s), whatever its name says. Programs are never accepted as evidence.")
                % {"mime": guessed.mime}
            )
        raise not_a_document_refusal(guessed.extension.upper(), guessed.mime)
    return detect_text(content, budget)


def sanitise_filename(name: str) -> str:
    """The uploader's file name as plain, display-safe text (no paths, no control characters)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*').strip(" .")
    return cleaned[:200] or "document"
