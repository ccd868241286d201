"""What a check concludes: the document type it recognised, or a refusal with a message the user understands."""

from __future__ import annotations

from dataclasses import dataclass

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from portal.refusals import Refusal

ACCEPTED_DESCRIPTION = "PDF, ODT, ODS, DOCX, XLSX, CSV, TXT"


class EvidenceRefused(Refusal):
    """An upload that may not enter the portal; the message tells the user what was wrong."""


@dataclass(frozen=True)
class DetectedDocument:
    kind: str  # file extension: pdf, odt, ods, docx, xlsx, csv, txt
    content_type: str


def image_refusal() -> EvidenceRefused:
    return EvidenceRefused(
        _(
            "Images and video are never accepted: no image content may enter the portal. "
            "Upload a document (%(accepted)s) instead."
        )
        % {"accepted": ACCEPTED_DESCRIPTION}
    )


def embedded_image_refusal() -> EvidenceRefused:
    return EvidenceRefused(
        _(
            "This document contains embedded images, and no image content may enter the portal. "
            "Save or export it without pictures and upload it again."
        )
    )


def not_a_document_refusal(kind: str, mime: str) -> EvidenceRefused:
    return EvidenceRefused(
        _("This file's content is %(type)s (%(mime)s), not an accepted document. Accepted: %(accepted)s.")
        % {"type": kind, "mime": mime, "accepted": ACCEPTED_DESCRIPTION}
    )


def too_large_refusal(limit: int) -> EvidenceRefused:
    return EvidenceRefused(
        _(
            "Unpacked, this file holds more than %(max)s, more than an evidence document may hold, "
            "so it is not accepted. Split it into smaller documents or export it again."
        )
        % {"max": filesizeformat(limit)}
    )


def too_complex_refusal() -> EvidenceRefused:
    return EvidenceRefused(
        _(
            "This file is built in a way that cannot be checked within safe limits (far too many parts, "
            "objects or fragments), so it is not accepted. Export it again as an ordinary document."
        )
    )


def embedded_object_refusal() -> EvidenceRefused:
    return EvidenceRefused(
        _(
            "This document contains embedded objects (other files, programs or archives inside it), "
            "which are not accepted. Save it as PDF or without embedded objects and upload it again."
        )
    )


def macro_refusal() -> EvidenceRefused:
    return EvidenceRefused(_("This document contains macros or scripts, which are not accepted."))


def office_refusal(problem: str) -> EvidenceRefused:
    """The refusals that only office documents (ZIP archives) meet."""
    messages = {
        "damaged": _("This file looks like an office document but is damaged and cannot be read."),
        "not_office": _(
            "This archive is not an accepted office document (ODT, ODS, DOCX or XLSX). Archives are not accepted."
        ),
        "ratio": _(
            'This document is compressed far more tightly than ordinary documents are (a "zip bomb"), '
            "so it is not accepted."
        ),
        "method": _(
            "This document is packed with a compression method that office programs do not use, so it is not "
            "accepted. Save it again from your office program and upload it again."
        ),
        "layout": _(
            "This document holds data outside its parts (hidden, appended or overlapping content), so it is not "
            "accepted. Save it again from your office program and upload it again."
        ),
        "encrypted": _("This document is encrypted or password-protected. Upload an unprotected copy."),
        "external": _(
            "This document fetches content from elsewhere when it is opened (a linked template, picture or "
            "object), which is not accepted. Remove the link and upload it again."
        ),
    }
    return EvidenceRefused(messages[problem])


def too_many_parts_refusal(limit: int) -> EvidenceRefused:
    return EvidenceRefused(
        _(
            "This document consists of more than %(max)s parts, far more than ordinary documents have, "
            "so it is not accepted."
        )
        % {"max": limit}
    )


def pdf_refusal(problem: str) -> EvidenceRefused:
    """The refusals that only PDFs meet."""
    messages = {
        "javascript": _("This PDF contains JavaScript, which is not accepted. Print or export it to a plain PDF."),
        "launch": _("This PDF contains a launch action (it can start programs), which is not accepted."),
        "embedded": _("This PDF carries embedded files, which are not accepted. Upload each document by itself."),
        "encrypted": _("This PDF is encrypted or password-protected. Upload an unprotected copy."),
        "image": embedded_image_refusal().message,
        "damaged": _("This file starts like a PDF but cannot be read as one; it may be damaged."),
        "xfa": _(
            "This PDF contains an XFA form (a form with its own program logic), which is not accepted. "
            "Print or export it to a plain PDF."
        ),
        "action": _(
            "This PDF acts by itself when it is opened or viewed (it opens a web address or another file, or "
            "sends data), which is not accepted. Print or export it to a plain PDF."
        ),
        "form": _(
            "This PDF contains form actions that send or fetch data, which are not accepted. "
            "Print or export it to a plain PDF."
        ),
        "unc": _(
            "This PDF links to a file on a network share or on the reader's own computer, which is not accepted. "
            "Remove the link and upload it again."
        ),
        "media": _(
            "This PDF contains sound, video or other multimedia, which is not accepted. "
            "Print or export it to a plain PDF."
        ),
        "trailing": _(
            "This PDF has other data attached after its end, which is not accepted. "
            "Print or export it to a new PDF and upload that."
        ),
    }
    return EvidenceRefused(messages[problem])


def text_refusal(problem: str) -> EvidenceRefused:
    """The refusals that only text files meet."""
    messages = {
        "binary": _("This file is binary data of an unknown kind, not an accepted document. Accepted: %(accepted)s.")
        % {"accepted": ACCEPTED_DESCRIPTION},
        "encoding": _("This text file is not valid UTF-8. Save it as UTF-8 (or as PDF) and upload it again."),
        "markup": _(
            "This text file is web page or XML markup, not plain text, which is not accepted. "
            "Save it as PDF and upload it again."
        ),
    }
    return EvidenceRefused(messages[problem])
