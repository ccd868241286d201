"""Image, video and archive signatures: recognise such bytes wherever they hide in a file, with bounded effort."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from assessments.evidence.outcomes import too_complex_refusal

IMAGE = "image"
ARCHIVE = "archive"  # another file packed inside: ZIP, OLE (Office embeddings), RAR, 7-Zip, PDF
OVERLAP = 70_000  # the furthest a structure check looks ahead: a JPEG segment is at most 64 KiB
MAX_VERIFICATIONS = 2_000

Verdict = bool | None  # None: the check needs bytes beyond the end of the buffer


class ScanBudget:
    """The structure checks one upload may cost: a file full of look-alike fragments is refused, not checked forever."""

    def __init__(self, limit: int = MAX_VERIFICATIONS) -> None:
        self.left = limit

    def spend(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise too_complex_refusal()


ByteOrder = Literal["big", "little"]


def _u16(buf: bytes, at: int, order: ByteOrder = "big") -> int:
    return int.from_bytes(buf[at : at + 2], order)


_JPEG_SEGMENT_IDS = (
    b"JFIF\x00",
    b"JFXX\x00",
    b"Exif\x00",
    b"http:",
    b"ICC_PROFILE",
    b"MPF\x00",
    b"Adobe",
    b"Photoshop",
)
_JPEG_TABLE_IDS = frozenset((0x00, 0x01, 0x02, 0x03, 0x10, 0x11, 0x12, 0x13))


def _jpeg(buf: bytes, at: int) -> Verdict:
    """FF D8 FF followed by a first segment that is really a JPEG segment."""
    if at + 20 > len(buf):
        return None
    marker, length = buf[at + 3], _u16(buf, at + 4)
    if length < 2:
        return False
    if 0xE0 <= marker <= 0xEF and buf[at + 6 : at + 17].startswith(_JPEG_SEGMENT_IDS):
        return True
    if marker in (0xDB, 0xC4) and buf[at + 6] not in _JPEG_TABLE_IDS:
        return False
    following = at + 4 + length
    if following + 2 > len(buf):
        return None
    return buf[following] == 0xFF and 0xC0 <= buf[following + 1] <= 0xFE


def _gif(buf: bytes, at: int) -> Verdict:
    """GIF87a/GIF89a, a screen size, then an extension or an image descriptor where the header says."""
    if at + 13 > len(buf):
        return None
    width, height, packed = _u16(buf, at + 6, "little"), _u16(buf, at + 8, "little"), buf[at + 10]
    if not width or not height:
        return False
    block = at + 13 + (3 << ((packed & 7) + 1) if packed & 0x80 else 0)
    if block + 12 > len(buf):
        return None
    if buf[block] == 0x21:
        return buf[block + 1] in (0xF9, 0xFE, 0xFF, 0x01)
    image_width, image_height = _u16(buf, block + 5, "little"), _u16(buf, block + 7, "little")
    lzw_at = block + 10 + (3 << ((buf[block + 9] & 7) + 1) if buf[block + 9] & 0x80 else 0)
    if buf[block] != 0x2C or not (0 < image_width <= width and 0 < image_height <= height):
        return False
    if lzw_at >= len(buf):
        return None
    return 2 <= buf[lzw_at] <= 8


def _tiff(buf: bytes, at: int) -> Verdict:
    """II*\\0 or MM\\0*, then an offset to a plausible first directory of tags."""
    if at + 8 > len(buf):
        return None
    order: ByteOrder = "little" if buf[at] == 0x49 else "big"
    directory = int.from_bytes(buf[at + 4 : at + 8], order)
    if not 8 <= directory < 1 << 28:
        return False
    entries = at + directory
    if entries + 14 > len(buf):
        # Writers often put the directory after the pixels, beyond any window: a plausible offset then counts.
        return None if directory + 16 < OVERLAP else True
    count, tag_type = _u16(buf, entries, order), _u16(buf, entries + 4, order)
    return 0 < count < 1000 and 1 <= tag_type <= 18


_ISOBMFF_BRANDS = (
    rb"heic|heix|hevc|hevx|heim|heis|hevm|hevs|mif1|msf1|avif|avis|avio|isom|iso[2-9a-f]|mp4[12v]|mp71|M4V |M4A "
    rb"|M4P |f4v |qt  |3gp[4-9]|3g2[abc]|crx |jxl |dash|avc1|mmp4|MSNV|NDAS|XAVC|jp2 |jpm |jpx |mjp2"
)


@dataclass(frozen=True)
class Signature:
    kind: str  # IMAGE or ARCHIVE
    pattern: re.Pattern[bytes]  # starts with a literal, which keeps the search fast (one pattern, one pass)
    verify: Callable[[bytes, int], Verdict] | None = None


def _signature(kind: str, pattern: bytes, verify: Callable[[bytes, int], Verdict] | None = None) -> Signature:
    return Signature(kind, re.compile(pattern, re.DOTALL), verify)


# Searched everywhere: the formats photographs and video come in, and containers that could carry anything.
ANYWHERE = (
    _signature(IMAGE, rb"\xff\xd8\xff[\xc0-\xfe]", _jpeg),
    _signature(IMAGE, rb"\x89PNG\r\n\x1a\n"),
    _signature(IMAGE, rb"GIF8[79]a", _gif),
    _signature(IMAGE, rb"R(?:IFF.{4}(?:WEBPVP8[ LX]|AVI |ANI )|0lGOD[dl]h)"),  # WebP, AVI; GIF in base64
    _signature(IMAGE, rb"ftyp(?:" + _ISOBMFF_BRANDS + rb")(?<=\x00\x00[\x00-\x0f].ftyp....)"),
    _signature(IMAGE, rb"<svg(?:[\s>/]|:svg[\s>/])"),
    _signature(IMAGE, rb"data:image/"),
    _signature(IMAGE, rb"iVBORw0KGgo"),  # PNG in base64
    _signature(IMAGE, rb"/9j/[2-7][A-Za-z0-9+/]{3}"),  # JPEG in base64
    _signature(IMAGE, rb"/\* XPM \*/"),
    _signature(ARCHIVE, rb"PK\x03\x04[\x0a-\x3f]\x00..[\x00\x08\x09\x0c\x0e\x5d\x5f\x62\x63]\x00"),
    _signature(ARCHIVE, rb"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),
)
# Inside an office document's parts also PDFs packed in (pictures written into the XML are the office rules').
IN_OFFICE_PARTS = (*ANYWHERE, _signature(ARCHIVE, rb"%PDF-"))
_J2K_SIZES = bytes(38 + 3 * components for components in range(1, 73))
_ICO_DIRECTORIES = b"|".join(
    re.escape(bytes([count, 0])) + rb".{3}\x00.{8}" + re.escape(bytes([6 + 16 * count, 0, 0, 0]))
    for count in range(1, 16)
)
# Checked where a file, part or stream begins: rarer formats, video, and signatures too weak to search for
# everywhere; one pattern, tried at one position.
_IMAGE_AT_START = re.compile(
    b"|".join(
        (
            rb"BM.{4}\x00\x00\x00\x00.{4}(?:\x0c\x00\x00\x00.{4}\x01\x00|[\x28\x34\x38\x40\x6c\x7c]\x00\x00\x00.{8}\x01\x00)"
            rb"[\x01\x04\x08\x10\x18\x20]\x00",
            rb"\xff\xd8\xff|II\*\x00|MM\x00\*|\xff\x0a|II\xbc|8BPS|qoif|gimp xcf |VCLMTF|! XPM2",
            rb"....ftyp|\x00\x00\x00\x0c(?:jP  |JXL )\r\n\x87\n|\xffO\xffQ\x00[" + re.escape(_J2K_SIZES) + rb"]",
            rb"\x01\x00\x00\x00.{36} EMF|\xd7\xcd\xc6\x9a\x00\x00|[\x01\x02]\x00\x09\x00\x00[\x01\x03]",
            rb"\x00\x00[\x01\x02]\x00(?:" + _ICO_DIRECTORIES + rb")|\x0a[\x00-\x05]\x01[\x01\x02\x04\x08]",
            rb"\x1aE\xdf\xa3|0&\xb2u\x8ef\xcf\x11|FLV\x01|....(?:moov|mdat)",  # Matroska/WebM, ASF, FLV, QuickTime
        )
    ),
    re.DOTALL,
)
_ARCHIVE_AT_START = re.compile(rb"Rar!\x1a\x07|7z\xbc\xaf\x27\x1c")
# Separators are matched possessively: "P1" followed by a long run of blanks must not make the match backtrack.
_NETPBM = re.compile(rb"P([1-6])(?>\s+|#[^\r\n]*)++(\d{1,9})(?>\s+|#[^\r\n]*)++(\d{1,9})")
_NETPBM_MAXVAL = re.compile(rb"(?>\s+|#[^\r\n]*)++(\d{1,5})\s")
_TEXT_IMAGES = re.compile(
    rb"P7\s*\n(?:#[^\n]*\n)*(?:WIDTH|HEIGHT|DEPTH|MAXVAL|TUPLTYPE)\s"  # PAM
    rb"|P[Ff]\s+\d+\s+\d+\s+[-+]?\d"  # PFM
    rb"|#define\s+\w+_width\s+\d+\s+#define\s+\w+_height\s+\d+",  # XBM
)
SIXEL = re.compile(rb"\x1bP[\d;]*q")  # terminal graphics: only text files are searched for it


def find(
    buffer: bytes, budget: ScanBudget, *, at_end: bool = True, signatures: tuple[Signature, ...] = ANYWHERE
) -> str | None:
    """The kind (IMAGE or ARCHIVE) of a signature in `buffer`, or None.

    A signature cut off by the end of a buffer that is not the end of the data is left for the next buffer,
    which must start OVERLAP bytes earlier; at the end of the data a cut-off image still counts as one.
    """
    for signature in signatures:
        position = 0
        while (match := signature.pattern.search(buffer, position)) is not None:
            if signature.verify is None:
                return signature.kind
            budget.spend()
            verdict = signature.verify(buffer, match.start())
            if verdict or (verdict is None and at_end):
                return signature.kind
            position = match.start() + 1
    return None


def kind_at_start(head: bytes) -> str | None:
    """What `head`, the first bytes of a file, part or stream, begins: IMAGE (or video), ARCHIVE, or None."""
    for signature in ANYWHERE:
        if signature.pattern.match(head) and (signature.verify is None or signature.verify(head, 0) is not False):
            return signature.kind
    if _IMAGE_AT_START.match(head) or head[128:132] == b"DICM" or _TEXT_IMAGES.match(head) or _netpbm(head):
        return IMAGE
    return ARCHIVE if _ARCHIVE_AT_START.match(head) else None


def _netpbm(head: bytes) -> bool:
    """A Netpbm header (P1 to P6) followed by pixels, so that text merely starting with "P1 2 3" is not one."""
    header = _NETPBM.match(head)
    if header is None or not int(header[2]) or not int(header[3]):
        return False
    kind, pixels_at = header[1], header.end()
    if kind in b"2356":
        maxval = _NETPBM_MAXVAL.match(head, pixels_at)
        if maxval is None or not 0 < int(maxval[1]) < 65536:
            return False
        pixels_at = maxval.end()
    pixels = head[pixels_at : pixels_at + 4096]
    if kind in b"456":
        return bool(pixels)
    return pixels.strip() != b"" and re.fullmatch(rb"[01\s]*" if kind == b"1" else rb"[\d\s]*", pixels) is not None
