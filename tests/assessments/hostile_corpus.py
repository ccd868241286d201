"""Builders of hostile evidence files: zip bombs, hidden pictures, active PDFs; all synthetic, made on the fly."""

from __future__ import annotations

import base64
import io
import struct
import zipfile
import zlib

# Tiny but well-formed pictures, made from bytes (no image is stored in the repository).


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def jpeg() -> bytes:
    app0 = b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    quantisation = b"\xff\xdb\x00\x43\x00" + bytes(range(1, 65))
    return b"\xff\xd8" + app0 + quantisation + b"\xff\xd9"


def gif() -> bytes:
    screen = b"GIF89a\x01\x00\x01\x00\x80\x00\x00" + b"\x00\x00\x00\xff\xff\xff"
    return screen + b"\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00\x3b"


def webp() -> bytes:
    return b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"


def heic() -> bytes:
    return b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 32


def bmp() -> bytes:
    pixels = b"\x00\x00\xff\x00"
    info = struct.pack("<IiiHHIIiiII", 40, 1, 1, 1, 24, 0, len(pixels), 2835, 2835, 0, 0)
    return b"BM" + struct.pack("<IHHI", 14 + len(info) + len(pixels), 0, 0, 14 + len(info)) + info + pixels


def tiff() -> bytes:
    entries = [(256, 3, 1, 1), (257, 3, 1, 1), (258, 3, 1, 8), (262, 3, 1, 1), (273, 4, 1, 8), (279, 4, 1, 1)]
    directory = struct.pack("<H", len(entries)) + b"".join(struct.pack("<HHII", *entry) for entry in entries)
    return b"II*\x00" + struct.pack("<I", 9) + b"\x80" + directory + b"\x00\x00\x00\x00"


def ole() -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'
XPM = b'/* XPM */\nstatic char *dot[] = {\n"2 2 2 1",\n"  c None",\n". c #000000",\n"..",\n".."};\n'
PBM = b"P1\n# a cross\n3 3\n0 1 0\n1 1 1\n0 1 0\n"
PGM = b"P2\n2 2\n255\n0 255\n255 0\n"
PPM = b"P6\n1 1\n255\n\xff\x00\x00"


# Office documents.


def office_zip(entries: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/word/document.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    b'<Override PartName="/word/styles.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>'
    b'<Override PartName="/docProps/core.xml" '
    b'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    b"</Types>"
)
PACKAGE_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" '
    b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    b'Target="word/document.xml"/></Relationships>'
)
DOCUMENT_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    b'Target="styles.xml"/>'
    b'<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" '
    b'Target="https://hoster-a.example/abuse" TargetMode="External"/></Relationships>'
)
DOCUMENT = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
    b'xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:v="urn:schemas-microsoft-com:vml" '
    b'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    b'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><w:body>'
    b'<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>Notice-and-takedown policy</w:t></w:r></w:p>'
    b'<w:p><w:r><w:t xml:space="preserve">We remove reported material within 24 hours. See </w:t></w:r>'
    b'<w:hyperlink r:id="rId2"><w:r><w:t>our abuse page</w:t></w:r></w:hyperlink></w:p>'
    b'<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr></w:body></w:document>'
)
STYLES = b'<?xml version="1.0"?><w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>'
CORE = (
    b'<?xml version="1.0"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
    b'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Policy</dc:title>'
    b"</cp:coreProperties>"
)


def docx_parts(extra: dict[str, bytes] | None = None) -> dict[str, bytes]:
    """The parts of a small but realistic Word document, plus `extra` parts."""
    parts = {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": PACKAGE_RELS,
        "word/document.xml": DOCUMENT,
        "word/_rels/document.xml.rels": DOCUMENT_RELS,
        "word/styles.xml": STYLES,
        "docProps/core.xml": CORE,
    }
    return parts | (extra or {})


def docx(extra: dict[str, bytes] | None = None) -> bytes:
    return office_zip(docx_parts(extra))


ODT_CONTENT = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content '
    b'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    b'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    b'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    b'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
    b'xmlns:xlink="http://www.w3.org/1999/xlink" office:version="1.3"><office:scripts/><office:body><office:text>'
    b'<text:p text:style-name="P1">Wij verwijderen gemelde inhoud binnen een uur.</text:p>%s'
    b"</office:text></office:body></office:document-content>"
)


def odt(body: bytes = b"", extra: dict[str, bytes] | None = None) -> bytes:
    parts = {
        "mimetype": b"application/vnd.oasis.opendocument.text",
        "content.xml": ODT_CONTENT % body,
        "META-INF/manifest.xml": b'<?xml version="1.0"?><manifest:manifest/>',
    }
    return office_zip(parts | (extra or {}))


MEGABYTE = 1024 * 1024


def zeros_deflated(size: int) -> bytes:
    """Raw deflate data of `size` zero bytes, made in no time: after a full flush every megabyte compresses to the
    same bytes, so one compressed megabyte is repeated."""
    first = zlib.compressobj(9, zlib.DEFLATED, -15)
    megabyte = first.compress(bytes(MEGABYTE)) + first.flush(zlib.Z_FULL_FLUSH)
    last = zlib.compressobj(9, zlib.DEFLATED, -15)
    return megabyte * (size // MEGABYTE) + last.compress(bytes(size % MEGABYTE)) + last.flush()


def zeros_crc(size: int) -> int:
    crc = zlib.crc32(bytes(size % MEGABYTE))
    for _ in range(size // MEGABYTE):
        crc = zlib.crc32(bytes(MEGABYTE), crc)
    return crc


def zeros_flate(size: int) -> bytes:
    """zlib data (a PDF's /FlateDecode) of `size` zero bytes."""
    return b"\x78\xda" + zeros_deflated(size) + struct.pack(">I", (size % 65521) << 16 | 1)


def zip_with_raw_part(parts: dict[str, bytes], name: str, deflated: bytes, size: int, crc: int) -> bytes:
    """An archive with `parts`, then the part `name` whose deflated data, size and CRC are given as they are:
    how a zip bomb is made without ever holding its unpacked content."""
    buffer = io.BytesIO(office_zip(parts))
    with zipfile.ZipFile(buffer) as archive:
        infos = archive.infolist()
    body = buffer.getvalue()
    directory_at = struct.unpack("<I", body[-6:-2])[0]
    local = struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(deflated), size, len(name), 0)
    new_at = directory_at
    records = body[directory_at:-22]
    records += (
        struct.pack(
            "<4s6H3I5H2I", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc, len(deflated), size, len(name), 0, 0, 0, 0, 0, new_at
        )
        + name.encode()
    )
    data = body[:directory_at] + local + name.encode() + deflated
    end = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, len(infos) + 1, len(infos) + 1, len(records), len(data), 0)
    return data + records + end


def base64_png() -> bytes:
    return base64.b64encode(png())


# PDFs, written object by object with a correct cross-reference table, so that today's readers accept them.


def pdf_stream(dictionary: bytes, data: bytes) -> bytes:
    return b"<< %s /Length %d >>\nstream\n%s\nendstream" % (dictionary, len(data), data)


def pdf_file(
    *objects: bytes,
    catalog_extra: bytes = b"",
    page_extra: bytes = b"",
    resources: bytes = b"",
    contents: bytes = b"BT /F1 12 Tf 72 720 Td (Notice-and-takedown policy) Tj ET",
    contents_object: bytes = b"",
) -> bytes:
    """A one-page PDF: objects 1-4 are catalog, pages, page and contents; `objects` follow as 5, 6, ..."""
    font = b"/Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >>"
    numbered = [
        b"<< /Type /Catalog /Pages 2 0 R %s >>" % catalog_extra,
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << %s %s >> %s >>"
        % (font, resources, page_extra),
        contents_object or pdf_stream(b"", contents),
        *objects,
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(numbered, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    return bytes(out) + _xref_and_trailer(offsets, len(out))


def _xref_and_trailer(offsets: list[int], xref_at: int) -> bytes:
    table = b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1)
    table += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return table + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(offsets) + 1, xref_at)


def insert_before_xref(pdf: bytes, inserted: bytes) -> bytes:
    """`pdf` with bytes inserted between its last object and its cross-reference table (which stays correct)."""
    at = pdf.rindex(b"\nxref\n") + 1
    moved = pdf[:at] + inserted + pdf[at:]
    return moved.replace(b"startxref\n%d\n" % at, b"startxref\n%d\n" % (at + len(inserted)))


def pdf_with_object_stream(catalog_extra: bytes = b"") -> bytes:
    """A PDF 1.5 with its catalog and pages packed in a compressed object stream and a cross-reference stream."""
    packed = [
        b"<< /Type /Catalog /Pages 2 0 R %s >>" % catalog_extra,
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
    ]
    offsets, body = [], b""
    for member in packed:
        offsets.append(len(body))
        body += member + b"\n"
    header = b" ".join(b"%d %d" % (number, offset) for number, offset in enumerate(offsets, 1)) + b"\n"
    object_stream = zlib.compress(header + body)
    out = bytearray(b"%PDF-1.7\n")
    at = {}
    for number, obj in (
        (4, pdf_stream(b"", b"BT /F1 12 Tf 72 720 Td (Packed) Tj ET")),
        (5, pdf_stream(b"/Type /ObjStm /N 3 /First %d /Filter /FlateDecode" % len(header), object_stream)),
    ):
        at[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, obj)
    at[6] = len(out)
    rows = [b"\x00" * 5 + b"\xff"]
    rows += [b"\x02" + struct.pack(">I", 5) + bytes([index]) for index in range(3)]
    rows += [b"\x01" + struct.pack(">I", at[number]) + b"\x00" for number in (4, 5, 6)]
    table = zlib.compress(b"".join(rows))
    xref = pdf_stream(b"/Type /XRef /Size 7 /W [1 4 1] /Root 1 0 R /Filter /FlateDecode", table)
    out += b"6 0 obj\n%s\nendobj\nstartxref\n%d\n%%%%EOF\n" % (xref, at[6])
    return bytes(out)
