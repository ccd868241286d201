"""PDFs: no active content, no images, no hidden files; every object walked and every stream decoded, within limits."""

from __future__ import annotations

import bisect
import re
import zlib
from collections.abc import Iterator

from pypdf.generic import IndirectObject, NameObject

from assessments.evidence.outcomes import pdf_refusal, too_complex_refusal
from assessments.evidence.pdf_filters import MAX_STREAM_BYTES, DecodingBudget, decode
from assessments.evidence.pdf_syntax import PdfStream, PdfSyntax, PdfSyntaxError, PdfTooComplex, stream_spans
from assessments.evidence.signatures import IMAGE, ScanBudget, find, kind_at_start

PDF_FORBIDDEN_NAMES = {
    "/JavaScript": "javascript",
    "/JS": "javascript",
    "/Launch": "launch",
    "/EmbeddedFile": "embedded",
    "/EmbeddedFiles": "embedded",
    "/GoToE": "embedded",
    "/Encrypt": "encrypted",
    "/XFA": "xfa",
    "/SubmitForm": "form",
    "/ImportData": "form",
    "/RichMedia": "media",
    "/RichMediaExecute": "media",
    "/Movie": "media",
    "/Sound": "media",
    "/Rendition": "media",
    "/Screen": "media",
    "/3D": "media",
}
# Actions a viewer runs by itself (on opening, on viewing a page, ...): none may reach outside the document.
AUTOMATIC_ACTIONS = {"/URI", "/GoToR", "/GoToE", "/Launch", "/SubmitForm", "/ImportData", "/JavaScript", "/Rendition"}
LINK_KEYS = frozenset(("/URI", "/F", "/UF", "/DOS", "/Unix", "/Mac", "/Base"))
MAX_CHAINED_ACTIONS = 64
_BINARY_TABLES = frozenset(("/FunctionType", "/ShadingType"))  # sampled functions, mesh shadings

_WHITESPACE = b"\x00\t\n\x0c\r "
_DELIMITERS = _WHITESPACE + b"()<>[]{}/%"
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_UNC = re.compile(r"\s*(?:\\\\|//|file:|smb:)", re.IGNORECASE)
_JAVASCRIPT_LINK = re.compile(r"\s*javascript:", re.IGNORECASE)
_INLINE_IMAGE = re.compile(rb"BI[\x00\t\n\x0c\r ]*/")
_INLINE_IMAGE_DATA = re.compile(rb"[\x00\t\n\x0c\r ]ID[\x00\t\n\x0c\r ]")


def _spelled(name: str) -> bytes:
    """A pattern for a name however it is written: each character may also be a #xx escape."""

    def either(char: str) -> bytes:
        escape = "".join(f"[{digit}{digit.upper()}]" for digit in f"{ord(char):02x}")
        return b"(?:%s|#%s)" % (re.escape(char.encode()), escape.encode())

    return b"".join(either(char) for char in name[1:])


_FORBIDDEN_NAME_BYTES = re.compile(
    b"/(?:" + b"|".join(map(_spelled, PDF_FORBIDDEN_NAMES)) + rb")(?![^\x00\t\n\x0c\r ()<>\[\]{}/%])"
)


def check_pdf(content: bytes, budget: ScanBudget | None = None) -> None:
    """Refuse active content, images and hidden files: byte scans first, then every object and every stream."""
    budget = budget or ScanBudget()
    document = PdfSyntax(content)
    try:
        spans = stream_spans(content)
        _check_bytes(content, spans, budget)
        document.read()
        if not any(isinstance(value, dict) and "/Root" in value for value in document.values):
            raise PdfSyntaxError
        decoding = DecodingBudget()
        _check_objects(document, decoding, budget)
        _check_loose_streams(document, spans, decoding, budget)
    except PdfTooComplex:
        raise too_complex_refusal() from None
    except PdfSyntaxError:
        raise pdf_refusal("damaged") from None


def _check_bytes(content: bytes, spans: list[tuple[int, int]], budget: ScanBudget) -> None:
    """The plain-text dictionaries (outside stream data), what follows %%EOF, and images stored uncompressed."""
    for match in _FORBIDDEN_NAME_BYTES.finditer(content):
        index = bisect.bisect_right(spans, (match.start(), len(content))) - 1
        if index < 0 or not spans[index][0] <= match.start() < spans[index][1]:
            name = _NAME_ESCAPE.sub(lambda escape: bytes([int(escape[1], 16)]), match[0]).decode("latin-1")
            raise pdf_refusal(PDF_FORBIDDEN_NAMES[name])
    end = content.rfind(b"%%EOF")
    if end < 0:
        raise pdf_refusal("damaged")
    if content[end + 5 :].strip(_WHITESPACE):
        raise pdf_refusal("trailing")
    _refuse_kind(find(content, budget))


def _refuse_kind(kind: str | None) -> None:
    if kind is not None:
        raise pdf_refusal("image" if kind == IMAGE else "embedded")


def _check_objects(document: PdfSyntax, decoding: DecodingBudget, budget: ScanBudget) -> None:
    object_streams = [stream for stream in document.streams if stream.get("/Type") == "/ObjStm"]
    for stream in object_streams:  # first, so that references into them resolve during the walk
        document.read_object_stream(stream, _check_stream(document, stream, decoding, budget))
    seen = set(document.objects)  # each object is walked once, as a value, not again through references
    for value in document.values:
        _walk_pdf(value, seen)
    for stream in document.streams:
        if stream.get("/Type") != "/ObjStm":
            _check_stream(document, stream, decoding, budget)


def _check_stream(document: PdfSyntax, stream: PdfStream, decoding: DecodingBudget, budget: ScanBudget) -> bytes:
    """Decode a stream and refuse it if it holds an image, another file or an inline image, whatever it claims."""
    data = decode(stream, document.content[stream.start : stream.end], decoding)
    if not _BINARY_TABLES.intersection(stream) and stream.get("/Type") != "/XRef":
        _refuse_kind(kind_at_start(data[:4096]))  # not for tables of numbers, whose first bytes can be anything
    _refuse_kind(find(data, budget))
    for match in _INLINE_IMAGE.finditer(data):
        if match.start() and data[match.start() - 1] not in _DELIMITERS:
            continue
        budget.spend()
        if _INLINE_IMAGE_DATA.search(data, match.end(), match.end() + 4096):
            raise pdf_refusal("image")
    return data


def _check_loose_streams(
    document: PdfSyntax, spans: list[tuple[int, int]], decoding: DecodingBudget, budget: ScanBudget
) -> None:
    """Stream data that belongs to no object a viewer would read is still in the file: unpack what unpacks."""
    parsed = {stream.start for stream in document.streams}
    for start, end in spans:
        if start in parsed:
            continue
        try:
            data = zlib.decompressobj(zlib.MAX_WBITS | 32).decompress(document.content[start:end], MAX_STREAM_BYTES)
        except zlib.error:
            continue  # not compressed: the byte scan has seen it as it is
        decoding.spend(len(data))
        _refuse_kind(find(data, budget))


def _resolve(value: object) -> object:
    return value.get_object() if isinstance(value, IndirectObject) else value


def _walk_pdf(node: object, seen: set[tuple[int, int]]) -> None:
    """Every dictionary, name and link reachable from `node` (pypdf's objects too: references are followed)."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, NameObject):
            if item in PDF_FORBIDDEN_NAMES:
                raise pdf_refusal(PDF_FORBIDDEN_NAMES[item])
        elif isinstance(item, dict):  # pypdf's StreamObject and our PdfStream are dictionaries too
            _check_dictionary(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, IndirectObject):
            reference = (item.idnum, item.generation)
            if reference not in seen:
                seen.add(reference)
                stack.append(item.get_object())


def _check_dictionary(dictionary: dict[str, object]) -> None:
    for key, value in dictionary.items():
        if key in PDF_FORBIDDEN_NAMES:
            raise pdf_refusal(PDF_FORBIDDEN_NAMES[key])
        if key in LINK_KEYS:
            _check_link(_resolve(value))
    if _is_image(dictionary):
        raise pdf_refusal("image")
    if "/OpenAction" in dictionary or "/AA" in dictionary:
        for action in _automatic_actions(dictionary):
            kind = _resolve(action.get("/S"))
            if isinstance(kind, str) and kind in AUTOMATIC_ACTIONS:
                raise pdf_refusal(PDF_FORBIDDEN_NAMES.get(kind, "action"))


def _is_image(dictionary: dict[str, object]) -> bool:
    """An image XObject, a page thumbnail, or a stream shaped like an image whatever its /Subtype says."""
    if _resolve(dictionary.get("/Subtype")) == "/Image" or "/Thumb" in dictionary:
        return True
    sized = "/Width" in dictionary and "/Height" in dictionary
    return sized and ("/BitsPerComponent" in dictionary or "/ImageMask" in dictionary)


def _automatic_actions(dictionary: dict[str, object]) -> Iterator[dict[str, object]]:
    """The actions a viewer runs without a click: /OpenAction, the triggers in /AA, and their /Next chains."""
    pending = [dictionary["/OpenAction"]] if "/OpenAction" in dictionary else []
    triggers = _resolve(dictionary.get("/AA"))
    if isinstance(triggers, dict):
        pending.extend(triggers.values())
    for _ in range(MAX_CHAINED_ACTIONS):
        if not pending:
            return
        action = _resolve(pending.pop())
        if isinstance(action, dict):
            yield action
            following = _resolve(action.get("/Next"))
            pending.extend(following if isinstance(following, list) else [following])


def _check_link(value: object) -> None:
    """A link or file name may not point at a network share or a local file, nor be a javascript: address."""
    if isinstance(value, bytes):
        text = value[2:].decode("utf-16-be", "replace") if value.startswith(b"\xfe\xff") else value.decode("latin-1")
    elif isinstance(value, str) and not isinstance(value, NameObject):
        text = value
    else:
        return
    if _JAVASCRIPT_LINK.match(text):
        raise pdf_refusal("javascript")
    if _UNC.match(text):
        raise pdf_refusal("unc")
