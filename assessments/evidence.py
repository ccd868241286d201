"""Evidence files are recognised by their content: documents only, never images or video, no active PDF content."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from typing import IO

import filetype
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from pypdf import PdfReader
from pypdf.errors import PdfReadError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, StreamObject

ACCEPTED_DESCRIPTION = "PDF, ODT, ODS, DOCX, XLSX, CSV, TXT"

ODF_MIMETYPES = {
    "application/vnd.oasis.opendocument.text": ("odt", "application/vnd.oasis.opendocument.text"),
    "application/vnd.oasis.opendocument.spreadsheet": ("ods", "application/vnd.oasis.opendocument.spreadsheet"),
}
OOXML_TYPES = {
    "word/": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xl/": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp", ".svg", ".heic", ".emf", ".wmf")
PROGRAM_TYPES = {"exe", "elf", "dex", "swf", "crx", "deb", "rpm", "wasm", "class"}
MACRO_MARKERS = ("vbaproject.bin", "basic/", "scripts/")
PDF_FORBIDDEN_NAMES = {
    "/JavaScript": "javascript",
    "/JS": "javascript",
    "/Launch": "launch",
    "/EmbeddedFile": "embedded",
    "/EmbeddedFiles": "embedded",
    "/Encrypt": "encrypted",
}
_PDF_NAME = re.compile(rb"/[^\s/\[\]()<>{}%]+")
_PDF_HEX_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_INLINE_IMAGE = re.compile(rb"(?:^|\s)BI\s")
_SVG = re.compile(r"<svg[\s>]", re.IGNORECASE)


class EvidenceRefused(ValueError):
    """An upload that may not enter the portal; the message tells the user what was wrong."""


@dataclass(frozen=True)
class DetectedDocument:
    kind: str  # file extension: pdf, odt, ods, docx, xlsx, csv, txt
    content_type: str


def _image_refusal() -> EvidenceRefused:
    return EvidenceRefused(
        _(
            "Images and video are never accepted: no image content may enter the portal. "
            "Upload a document (%(accepted)s) instead."
        )
        % {"accepted": ACCEPTED_DESCRIPTION}
    )


def _embedded_image_refusal() -> EvidenceRefused:
    return EvidenceRefused(
        _(
            "This document contains embedded images, and no image content may enter the portal. "
            "Save or export it without pictures and upload it again."
        )
    )


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
    guessed = filetype.guess(content)
    if guessed is not None and guessed.mime.split("/")[0] in {"image", "video"}:
        raise _image_refusal()
    if content.startswith(b"%PDF-"):
        check_pdf(content)
        return DetectedDocument("pdf", "application/pdf")
    if content.startswith(b"PK\x03\x04"):
        return _detect_zip_document(content)
    if guessed is not None and guessed.extension in PROGRAM_TYPES:
        raise EvidenceRefused(
            _("This file is a program (%(mime)s), whatever its name says. Programs are never accepted as evidence.")
            % {"mime": guessed.mime}
        )
    if guessed is not None:
        raise EvidenceRefused(
            _("This file's content is %(type)s (%(mime)s), not an accepted document. Accepted: %(accepted)s.")
            % {"type": guessed.extension.upper(), "mime": guessed.mime, "accepted": ACCEPTED_DESCRIPTION}
        )
    return _detect_text(content)


def _detect_text(content: bytes) -> DetectedDocument:
    if b"\x00" in content:
        raise EvidenceRefused(
            _("This file is binary data of an unknown kind, not an accepted document. Accepted: %(accepted)s.")
            % {"accepted": ACCEPTED_DESCRIPTION}
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise EvidenceRefused(
            _("This text file is not valid UTF-8. Save it as UTF-8 (or as PDF) and upload it again.")
        ) from None
    if _SVG.search(text[:4096]):
        raise _image_refusal()
    if _looks_like_csv(text):
        return DetectedDocument("csv", "text/csv")
    return DetectedDocument("txt", "text/plain")


def _looks_like_csv(text: str) -> bool:
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    if len(lines) < 2:
        return False
    try:
        dialect = csv.Sniffer().sniff("\n".join(lines[:20]), delimiters=",;\t")
    except csv.Error:
        return False
    widths = {len(row) for row in csv.reader(io.StringIO("\n".join(lines)), dialect)}
    return len(widths) == 1 and widths.pop() >= 2


def _detect_zip_document(content: bytes) -> DetectedDocument:
    not_a_document = EvidenceRefused(
        _("This archive is not an accepted office document (ODT, ODS, DOCX or XLSX). Archives are not accepted.")
    )
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        names = archive.namelist()
    except (zipfile.BadZipFile, OSError):
        raise EvidenceRefused(_("This file looks like an office document but is damaged and cannot be read.")) from None
    lowered = [name.lower() for name in names]
    if any(name.startswith(MACRO_MARKERS) or name.endswith("vbaproject.bin") for name in lowered):
        raise EvidenceRefused(_("This document contains macros or scripts, which are not accepted."))
    detected: DetectedDocument | None = None
    if "mimetype" in names:
        mimetype = archive.read("mimetype")[:200].decode("ascii", "replace").strip()
        if mimetype in ODF_MIMETYPES:
            detected = DetectedDocument(*ODF_MIMETYPES[mimetype])
    elif "[Content_Types].xml" in names:
        content_types = archive.read("[Content_Types].xml")[:200_000].decode("utf-8", "replace").lower()
        if "macroenabled" in content_types:
            raise EvidenceRefused(_("This document contains macros or scripts, which are not accepted."))
        for folder, document in OOXML_TYPES.items():
            if any(name.startswith(folder) for name in names):
                detected = DetectedDocument(*document)
                break
    if detected is None:
        raise not_a_document
    if any(name.endswith(IMAGE_SUFFIXES) for name in lowered):
        raise _embedded_image_refusal()
    return detected


def _normalise_name(raw: bytes) -> str:
    return _PDF_HEX_ESCAPE.sub(lambda match: bytes([int(match.group(1), 16)]), raw).decode("latin-1")


def _pdf_refusal(problem: str) -> EvidenceRefused:
    messages = {
        "javascript": _("This PDF contains JavaScript, which is not accepted. Print or export it to a plain PDF."),
        "launch": _("This PDF contains a launch action (it can start programs), which is not accepted."),
        "embedded": _("This PDF carries embedded files, which are not accepted. Upload each document by itself."),
        "encrypted": _("This PDF is encrypted or password-protected. Upload an unprotected copy."),
        "image": _embedded_image_refusal().args[0],
        "damaged": _("This file starts like a PDF but cannot be read as one; it may be damaged."),
    }
    return EvidenceRefused(messages[problem])


def check_pdf(content: bytes) -> None:
    """Refuse active or hidden PDF content: a byte scan for the plain names, then a walk over every object."""
    for raw_name in _PDF_NAME.findall(content):
        problem = PDF_FORBIDDEN_NAMES.get(_normalise_name(raw_name))
        if problem:
            raise _pdf_refusal(problem)
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            raise _pdf_refusal("encrypted")
        _walk_pdf(reader.trailer, set())
        for page in reader.pages:
            contents = page.get_contents()
            if contents is not None and _INLINE_IMAGE.search(contents.get_data()):
                raise _pdf_refusal("image")
    except EvidenceRefused:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        raise _pdf_refusal("damaged") from None


def _walk_pdf(node: object, seen: set[tuple[int, int]]) -> None:
    """Every dictionary key and name value reachable from the trailer, compressed object streams included."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            ref = (item.idnum, item.generation)
            if ref in seen:
                continue
            seen.add(ref)
            stack.append(item.get_object())
        elif isinstance(item, DictionaryObject):  # StreamObject is a DictionaryObject too
            for key, value in item.items():
                problem = PDF_FORBIDDEN_NAMES.get(str(key))
                if problem:
                    raise _pdf_refusal(problem)
                if key == "/Subtype" and value == "/Image":
                    raise _pdf_refusal("image")
                stack.append(value)
            if isinstance(item, StreamObject) and item.get("/Type") == "/EmbeddedFile":
                raise _pdf_refusal("embedded")
        elif isinstance(item, ArrayObject):
            stack.extend(item)
        elif isinstance(item, NameObject):
            problem = PDF_FORBIDDEN_NAMES.get(str(item))
            if problem:
                raise _pdf_refusal(problem)


def sanitise_filename(name: str) -> str:
    """The uploader's file name as plain, display-safe text (no paths, no control characters)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*').strip(" .")
    return cleaned[:200] or "document"
