"""Text uploads (CSV, TXT): plain UTF-8 text only; markup, images written as text and embedded pictures refused."""

from __future__ import annotations

import csv
import io
import re

from assessments.evidence.outcomes import DetectedDocument, image_refusal, not_a_document_refusal, text_refusal
from assessments.evidence.signatures import IMAGE, SIXEL, ScanBudget, find, kind_at_start

# A text file that is markup: it opens with a tag, a declaration or a comment, or holds a web page anywhere
# (a page after some padding); prose that merely mentions a tag is plain text.
_MARKUP_START = re.compile(r"\s*<(?:!doctype|\?xml|!--|[A-Za-z][\w:.-]*(?:\s|/?>))", re.IGNORECASE)
_WEB_PAGE = re.compile(r"<(?:!doctype\s+html|html[\s>])", re.IGNORECASE)
SNIFF_CHARACTERS = 2048
_OTHER_FORMATS = {
    "{\\rtf": ("RTF", "application/rtf"),  # RTF can carry pictures and objects
    "%!PS": ("PS", "application/postscript"),
}


def detect_text(content: bytes, budget: ScanBudget) -> DetectedDocument:
    """CSV or TXT, or EvidenceRefused: binary data, not UTF-8, markup, an image format or pictures inside."""
    if kind_at_start(content) == IMAGE or SIXEL.search(content):
        raise image_refusal()
    if b"\x00" in content:
        raise text_refusal("binary")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise text_refusal("encoding") from None
    found = find(content, budget)  # an SVG, XPM, data: URI or base64 picture anywhere in the text
    if found is not None:
        raise image_refusal() if found == IMAGE else text_refusal("binary")
    opening = text[:4096].lstrip()
    for start, (kind, mime) in _OTHER_FORMATS.items():
        if opening.startswith(start):
            raise not_a_document_refusal(kind, mime)
    if _MARKUP_START.match(text) or _WEB_PAGE.search(text):
        raise text_refusal("markup")
    if _looks_like_csv(text):
        return DetectedDocument("csv", "text/csv")
    return DetectedDocument("txt", "text/plain")


def _looks_like_csv(text: str) -> bool:
    lines = [line for line in text[:1_000_000].splitlines()[:50] if line.strip()]
    if len(lines) < 2:
        return False
    try:
        dialect = csv.Sniffer().sniff(_sniffing_sample(lines), delimiters=",;\t")
    except csv.Error:
        return False
    widths = {len(row) for row in csv.reader(io.StringIO("\n".join(lines)), dialect)}
    return len(widths) == 1 and widths.pop() >= 2


def _sniffing_sample(lines: list[str]) -> str:
    """The first lines, about SNIFF_CHARACTERS of them: csv.Sniffer's patterns take quadratic time on long input."""
    sample: list[str] = []
    for line in lines[:20]:
        sample.append(line[:SNIFF_CHARACTERS])
        if len(sample) >= 2 and sum(map(len, sample)) >= SNIFF_CHARACTERS:
            break
    return "\n".join(sample)
