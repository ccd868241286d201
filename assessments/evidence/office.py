"""Office documents (ODT, ODS, DOCX, XLSX) are ZIP archives: unpacked with hard limits, every part's bytes checked."""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator

from assessments.evidence.outcomes import (
    DetectedDocument,
    EvidenceRefused,
    embedded_image_refusal,
    embedded_object_refusal,
    macro_refusal,
    office_refusal,
    too_large_refusal,
    too_many_parts_refusal,
)
from assessments.evidence.signatures import ARCHIVE, IMAGE, IN_OFFICE_PARTS, OVERLAP, ScanBudget, find, kind_at_start

MAX_PARTS = 1_000
MAX_UNPACKED_BYTES = 64 * 1024 * 1024  # all parts together; checking costs about 30 ns a byte
MAX_RATIO = 200  # deflate reaches about 1000:1 on repeated bytes; office XML stays far below 100:1
RATIO_FROM = 1024 * 1024  # below this a part may be squeezed further without harm
CHUNK = 1024 * 1024
STORED, DEFLATED = zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED

ODF_MIMETYPES = {
    "application/vnd.oasis.opendocument.text": ("odt", "application/vnd.oasis.opendocument.text"),
    "application/vnd.oasis.opendocument.spreadsheet": ("ods", "application/vnd.oasis.opendocument.spreadsheet"),
}
OOXML_TYPES = {
    "word/": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xl/": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}
IMAGE_SUFFIXES = (
    *(".png", ".jpg", ".jpeg", ".jpe", ".jfif", ".gif", ".bmp", ".tif", ".tiff", ".webp", ".svg", ".svgz"),
    *(".heic", ".heif", ".avif", ".jxl", ".ico", ".emf", ".wmf", ".emz", ".wmz", ".pcx", ".tga", ".psd"),
)
MACRO_MARKERS = ("vbaproject.bin", "basic/", "scripts/")
_EMBEDDED_NAMES = re.compile(r"(?:^|/)(?:embeddings|activex)/|^object \d+(?:/|$)")

_END_RECORD = struct.Struct("<4s4H2LH")
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_END_RECORD = struct.Struct("<4sQ2H2L4Q")
_LOCAL_HEADER = struct.Struct("<4s2xHH4x3I2H")  # signature, flags, method, CRC, sizes, name and extra lengths

# What a part's XML may not say. Each pattern starts with a literal (one fast pass per pattern); the one starting
# with "<" tells by its group what it found: pictures written into the XML, embedded objects, DDE links.
_PART_RULES: tuple[re.Pattern[bytes], ...] = tuple(
    re.compile(pattern)
    for pattern in (
        rb"<(?:(?P<image>w:binData|office:binary-data|pkg:binaryData|a:blip|v:imagedata|draw:image)"
        rb"|(?P<object>w:object|draw:object|draw:plugin|draw:applet|o:OLEObject)"
        rb"|(?P<macros>ddeLink|office:dde-source|text:dde-connection-decl|w:instrText\b[^>]{0,200}>\s*DDE))\b",
        rb"(?P<object>oleObject)",
        rb"(?P<object>activeX)",
        rb"(?P<macros>macro(?:Enabled|enabled|:///))",
        rb"(?P<macros>vnd\.sun\.star\.script:)",
        rb"(?P<macros>DDEAUTO)",
        rb"(?P<macros>w:instr=\"\s*DDE\b)",
        rb"(?P<external>INCLUDE(?:PICTURE|TEXT))",
    )
)
_EXTERNAL_TARGET = re.compile(rb"TargetMode=[\"']External[\"']")
_HYPERLINK_TYPE = re.compile(rb"Type=[\"'][^\"']*/hyperlink[\"']")


def detect_office(content: bytes, budget: ScanBudget) -> DetectedDocument:
    """ODT, ODS, DOCX or XLSX, read within hard limits; every part is unpacked and its bytes checked."""
    if content.count(b"PK\x01\x02") > MAX_PARTS:  # before zipfile builds an entry for each of them
        raise too_many_parts_refusal(MAX_PARTS)
    try:
        parts = zipfile.ZipFile(io.BytesIO(content)).infolist()
    # Everything zipfile raises on a hostile archive; NotImplementedError is its answer to a part that needs a
    # newer ZIP version than it reads (a hostile-files test sends one).
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, struct.error, NotImplementedError):
        raise office_refusal("damaged") from None
    _check_declared(parts)
    data_starts = _check_layout(content, parts)
    detected = _document_type(content, parts, data_starts)
    for part in parts:
        _check_part(content, part, data_starts[part.header_offset], budget)
    return detected


def _check_declared(parts: list[zipfile.ZipInfo]) -> None:
    """Refuse on what the archive declares, before unpacking a byte: count, methods, sizes and ratios."""
    if len(parts) > MAX_PARTS:
        raise too_many_parts_refusal(MAX_PARTS)
    total = 0
    for part in parts:
        if part.flag_bits & 0x1:
            raise office_refusal("encrypted")
        if part.compress_type not in (STORED, DEFLATED):
            raise office_refusal("method")
        if part.compress_type == STORED and part.file_size != part.compress_size:
            raise office_refusal("damaged")
        total += part.file_size
        if total > MAX_UNPACKED_BYTES:
            raise too_large_refusal(MAX_UNPACKED_BYTES)
        if part.file_size > RATIO_FROM and part.file_size > MAX_RATIO * part.compress_size:
            raise office_refusal("ratio")


def _check_layout(content: bytes, parts: list[zipfile.ZipInfo]) -> dict[int, int]:
    """Where each part's data starts, by header offset; every byte must belong to exactly one part or the directory.

    Data between or after the parts is invisible to office programs but not to other tools, and parts that
    share data are the trick of the smallest zip bombs.
    """
    directory_start = _directory_start(content)
    position, data_starts = 0, {}
    for part in sorted(parts, key=lambda part: part.header_offset):
        if part.header_offset != position:
            raise office_refusal("layout")
        data_starts[position] = _data_start(content, part)
        position = data_starts[position] + part.compress_size
        if part.flag_bits & 0x8:  # a data descriptor follows: CRC and sizes, with or without its signature
            position += _descriptor_length(content, position)
    if position != directory_start:
        raise office_refusal("layout")
    return data_starts


def _data_start(content: bytes, part: zipfile.ZipInfo) -> int:
    """Where a part's data starts. Its local header must say what the directory says: tools that read an archive
    front to back trust the local headers, and must not unpack something other than what was checked."""
    at = part.header_offset
    if at + _LOCAL_HEADER.size > len(content):
        raise office_refusal("damaged")
    signature, flags, method, crc, packed, size, name_length, extra_length = _LOCAL_HEADER.unpack_from(content, at)
    name = content[at + _LOCAL_HEADER.size : at + _LOCAL_HEADER.size + name_length]
    same_sizes = (
        flags & 0x8 or packed == 0xFFFFFFFF or (crc, packed, size) == (part.CRC, part.compress_size, part.file_size)
    )
    if (
        signature != b"PK\x03\x04"
        or (method, flags & 0x9) != (part.compress_type, part.flag_bits & 0x9)
        or name.decode("utf-8" if flags & 0x800 else "cp437", "replace") != part.orig_filename
        or not same_sizes
    ):
        raise office_refusal("damaged")
    return int(at + _LOCAL_HEADER.size + name_length + extra_length)


def _directory_start(content: bytes) -> int:
    """The central directory's offset; it must end where the end records begin, and no comment may follow."""
    if len(content) < _END_RECORD.size:
        raise office_refusal("damaged")
    end_at = len(content) - _END_RECORD.size
    signature, *_counts, size, offset, comment_length = _END_RECORD.unpack_from(content, end_at)
    if signature != b"PK\x05\x06" or comment_length:
        raise office_refusal("layout")
    if offset == 0xFFFFFFFF or size == 0xFFFFFFFF:
        locator_at = end_at - _ZIP64_LOCATOR.size
        locator, _disk, end_at, _disks = _ZIP64_LOCATOR.unpack_from(content, max(locator_at, 0))
        if locator != b"PK\x06\x07" or not 0 <= end_at <= locator_at - _ZIP64_END_RECORD.size:
            raise office_refusal("layout")
        record, record_size, *_fields, size, offset = _ZIP64_END_RECORD.unpack_from(content, end_at)
        if record != b"PK\x06\x06" or end_at + 12 + record_size != locator_at:
            raise office_refusal("layout")
    if offset + size != end_at:
        raise office_refusal("layout")
    return int(offset)


def _descriptor_length(content: bytes, at: int) -> int:
    for length in (16, 24) if content[at : at + 4] == b"PK\x07\x08" else (12, 20):
        if content[at + length : at + length + 4] in (b"PK\x03\x04", b"PK\x01\x02"):
            return length
    raise office_refusal("layout")


def _document_type(content: bytes, parts: list[zipfile.ZipInfo], data_starts: dict[int, int]) -> DetectedDocument:
    """ODF by its mimetype part, OOXML by its content types and main folder; names that betray macros, pictures
    or embedded objects are refused here, before their bytes are looked at."""
    names = [part.filename for part in parts]
    lowered = [name.lower() for name in names]
    if any(name.startswith(MACRO_MARKERS) or name.endswith("vbaproject.bin") for name in lowered):
        raise macro_refusal()
    detected: DetectedDocument | None = None
    if "mimetype" in names:
        part = parts[names.index("mimetype")]
        head = next(_unpack(content, part, data_starts[part.header_offset]), b"")
        mimetype = head[:200].decode("ascii", "replace").strip()
        if mimetype in ODF_MIMETYPES:
            detected = DetectedDocument(*ODF_MIMETYPES[mimetype])
    elif "[Content_Types].xml" in names:
        for folder, document in OOXML_TYPES.items():
            if any(name.startswith(folder) for name in names):
                detected = DetectedDocument(*document)
                break
    if detected is None:
        raise office_refusal("not_office")
    if any(name.endswith(IMAGE_SUFFIXES) or name.startswith("objectreplacements/") for name in lowered):
        raise embedded_image_refusal()
    if any(_EMBEDDED_NAMES.search(name) for name in lowered):
        raise embedded_object_refusal()
    return detected


def _check_part(content: bytes, part: zipfile.ZipInfo, data_start: int, budget: ScanBudget) -> None:
    """Unpack one part chunk by chunk and refuse pictures, embedded files, macros and outside links in it."""
    tail = b""
    for chunk in _unpack(content, part, data_start):
        if not tail:
            _refuse_kind(kind_at_start(chunk[:4096]))
        buffer = tail + chunk
        _refuse_kind(find(buffer, budget, at_end=False, signatures=IN_OFFICE_PARTS))
        _check_rules(buffer)
        tail = buffer[-OVERLAP:]
    _refuse_kind(find(tail, budget, signatures=IN_OFFICE_PARTS))


def _refuse_kind(kind: str | None) -> None:
    if kind == IMAGE:
        raise embedded_image_refusal()
    if kind == ARCHIVE:
        raise embedded_object_refusal()


def _check_rules(buffer: bytes) -> None:
    for pattern in _PART_RULES:
        if found := pattern.search(buffer):
            raise _rule_refusal(str(found.lastgroup))
    for match in _EXTERNAL_TARGET.finditer(buffer):
        # The <Relationship .../> around it, looked for nearby only: a hyperlink is the one outside target allowed.
        start = buffer.rfind(b"<", max(0, match.start() - 4096), match.start())
        end = buffer.find(b">", match.end(), match.end() + 4096)
        if start < 0 or end < 0 or not _HYPERLINK_TYPE.search(buffer, start, end):
            raise office_refusal("external")


def _rule_refusal(problem: str) -> EvidenceRefused:
    refusals = {"image": embedded_image_refusal, "object": embedded_object_refusal, "macros": macro_refusal}
    return refusals[problem]() if problem in refusals else office_refusal("external")


def _unpack(content: bytes, part: zipfile.ZipInfo, data_start: int) -> Iterator[bytes]:
    """The part's bytes in chunks, never more than it declares: a part that unpacks to more or to less than it
    says, or fails its checksum, is damaged (declared sizes are what a zip bomb lies about)."""
    packed = memoryview(content)[data_start : data_start + part.compress_size]
    chunks = _inflate(packed) if part.compress_type == DEFLATED else _slices(packed)
    produced, checksum = 0, 0
    for chunk in chunks:
        produced += len(chunk)
        if produced > part.file_size:
            raise office_refusal("damaged")
        checksum = zlib.crc32(chunk, checksum)
        yield chunk
    if produced != part.file_size or checksum != part.CRC:
        raise office_refusal("damaged")


def _slices(packed: memoryview) -> Iterator[bytes]:
    for start in range(0, len(packed), CHUNK):
        yield bytes(packed[start : start + CHUNK])


def _inflate(packed: memoryview) -> Iterator[bytes]:
    """Raw deflate, at most CHUNK bytes at a time; the stream must end exactly where the part's data ends."""
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        for start in range(0, len(packed), CHUNK):
            pending: bytes | memoryview = packed[start : start + CHUNK]
            while pending and not inflater.eof:
                chunk = inflater.decompress(pending, CHUNK)
                pending = inflater.unconsumed_tail
                if chunk:
                    yield chunk
            if inflater.eof and (inflater.unused_data or start + CHUNK < len(packed)):
                raise office_refusal("damaged")
    except zlib.error:
        raise office_refusal("damaged") from None
    if not inflater.eof:
        raise office_refusal("damaged")
