"""Evidence uploads: documents recognised by content; images, programs and active PDFs refused; private downloads."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from assessments.evidence import EvidenceRefused, _walk_pdf, detect_document, sanitise_filename
from assessments.models import Evidence
from portal.models import AuditEvent
from tests.assessments.helpers import make_pdf

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 400 + b"This program cannot be run in DOS mode"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 200 + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00" + b"\x00" * 64


def pdf_with_javascript() -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(make_pdf()))
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")}
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_with_attachment() -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(make_pdf()))
    writer.add_attachment("payload.txt", b"hidden")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def encrypted_pdf() -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(make_pdf()))
    writer.encrypt("secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def office_zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


DOCX = office_zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
XLSX = office_zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
ODT = office_zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office/>"})
ODS = office_zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<office/>"})


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "evidence"
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def upload(client, assessment, code: str, name: str, content: bytes):
    url = f"/assessments/{assessment.pk}/answers/{code}/evidence/"
    return client.post(url, {"file": SimpleUploadedFile(name, content, content_type="application/pdf")}, follow=True)


def page_messages(response) -> list[str]:
    """What the section page says at the question the evidence was for; nothing waits at the top of the page."""
    assert list(response.context["messages"]) == []
    return [
        f"{item['criterion'].code}: {item['evidence_error']}" if item.get("evidence_error") else item["evidence_done"]
        for item in response.context["items"]
        if item.get("evidence_error") or item.get("evidence_done")
    ]


REFUSALS = [
    ("setup.pdf", EXE, "This file is a program (application/x-msdownload), whatever its name says."),
    ("photo.pdf", JPEG, "Images and video are never accepted: no image content may enter the portal."),
    ("screenshot.png", PNG, "Images and video are never accepted: no image content may enter the portal."),
    ("policy.pdf", pdf_with_javascript(), "This PDF contains JavaScript, which is not accepted."),
    ("policy.pdf", pdf_with_attachment(), "This PDF carries embedded files, which are not accepted."),
    ("policy.pdf", encrypted_pdf(), "This PDF is encrypted or password-protected."),
    ("a.pdf", b"%PDF-1.4\n1 0 obj << /S /Launch /F (cmd.exe) >> endobj\n", "This PDF contains a launch action"),
    ("a.pdf", b"%PDF-1.4\n1 0 obj << /S /J#61vaScript >> endobj\n", "This PDF contains JavaScript"),
    ("notes.txt", "caf\xe9".encode("latin-1"), "This text file is not valid UTF-8."),
    ("logo.txt", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "no image content may enter"),
    ("book.zip", office_zip({"a.txt": b"x", "b.txt": b"y"}), "This archive is not an accepted office document"),
    ("macro.docx", office_zip({"[Content_Types].xml": b"<Types/>", "word/vbaProject.bin": b"x"}), "macros"),
    ("pics.docx", office_zip({"[Content_Types].xml": b"<Types/>", "word/media/image1.png": PNG}), "embedded images"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "content", "message"), REFUSALS, ids=[r[0] + ":" + r[2][:30] for r in REFUSALS])
def test_refused_uploads_say_why_and_store_nothing(client_for, editor_a, draft_a, name, content, message):
    response = upload(client_for(editor_a), draft_a, "KYC-1", name, content)
    assert response.status_code == 200
    [shown] = page_messages(response)
    assert shown.startswith("KYC-1: the document was refused.")
    assert message in shown
    assert not Evidence.objects.exists()
    assert stored_files() == []
    assert not AuditEvent.objects.filter(action="assessments.evidence.added").exists()


@pytest.mark.django_db
def test_an_empty_file_is_refused(client_for, editor_a, draft_a):
    response = upload(client_for(editor_a), draft_a, "KYC-1", "empty.pdf", b"")
    assert page_messages(response) == ["KYC-1: The submitted file is empty."]
    assert not Evidence.objects.exists()
    with pytest.raises(EvidenceRefused, match=r"The file is empty\."):
        detect_document(b"")


def test_every_refusal_has_its_own_message():
    messages = set()
    for content in (EXE, JPEG, pdf_with_javascript(), pdf_with_attachment(), encrypted_pdf()):
        with pytest.raises(EvidenceRefused) as excinfo:
            detect_document(content)
        messages.add(str(excinfo.value))
    assert len(messages) == 5


@pytest.mark.django_db
def test_oversize_upload_is_refused(client_for, editor_a, draft_a, settings):
    settings.EVIDENCE_MAX_BYTES = 1000
    response = upload(client_for(editor_a), draft_a, "KYC-1", "big.pdf", make_pdf("x" * 50) + b"%" * 1000)
    [shown] = page_messages(response)
    assert "The file is larger than 1000\xa0bytes. Evidence files may be at most 1000\xa0bytes." in shown
    assert not Evidence.objects.exists()
    assert stored_files() == []


@pytest.mark.django_db
def test_a_real_pdf_is_stored_privately_with_its_hash(client_for, editor_a, draft_a):
    content = make_pdf("Know-your-customer policy of Hoster A")
    response = upload(client_for(editor_a), draft_a, "KYC-1", "../../etc/KYC policy.pdf", content)
    assert page_messages(response) == ["KYC-1: document KYC policy.pdf added."]
    evidence = Evidence.objects.get()
    assert evidence.sha256 == hashlib.sha256(content).hexdigest()
    assert (evidence.size, evidence.detected_type, evidence.content_type) == (len(content), "pdf", "application/pdf")
    assert evidence.original_name == "KYC policy.pdf"
    assert evidence.answer.criterion_code == "KYC-1" and evidence.uploaded_by == editor_a
    [path] = stored_files()
    assert path.read_bytes() == content
    assert "KYC" not in path.name and path.suffix == ".pdf"
    assert path.parent == Path(settings.MEDIA_ROOT) / "evidence" / str(draft_a.pk)
    event = AuditEvent.objects.get(action="assessments.evidence.added")
    assert event.data["sha256"] == evidence.sha256


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (DOCX, "docx"),
        (XLSX, "xlsx"),
        (ODT, "odt"),
        (ODS, "ods"),
        (b"hoster;notices;removed\nA;10;9\nB;4;4\n", "csv"),
        ("Beleid: wij verwijderen binnen één uur.\nMet vriendelijke groet".encode(), "txt"),
    ],
)
def test_documents_are_recognised_by_content(content, kind):
    assert detect_document(content).kind == kind


def test_a_javascript_action_hidden_from_the_byte_scan_is_found_by_the_object_walk():
    reader = PdfReader(io.BytesIO(pdf_with_javascript()))
    with pytest.raises(EvidenceRefused, match="JavaScript"):
        _walk_pdf(reader.trailer, set())


def test_uploaded_file_names_are_sanitised():
    assert sanitise_filename("C:\\Users\\x\\<evil>.pdf") == "evil.pdf"
    assert sanitise_filename("../..") == "document"


@pytest.mark.django_db
def test_url_evidence_is_added(client_for, editor_a, draft_a):
    response = client_for(editor_a).post(
        f"/assessments/{draft_a.pk}/answers/CON-6/evidence/", {"url": "https://hoster-a.example/ntd"}, follow=True
    )
    assert page_messages(response) == ["CON-6: web address added."]
    assert Evidence.objects.get().url == "https://hoster-a.example/ntd"


@pytest.mark.django_db
def test_download_is_an_attachment_with_nosniff(client_for, owner_a, viewer_a, supervisor, draft_a):
    content = make_pdf()
    upload(client_for(owner_a), draft_a, "KYC-1", "policy.pdf", content)
    evidence = Evidence.objects.get()
    for user in (owner_a, viewer_a, supervisor):
        response = client_for(user).get(f"/assessments/{draft_a.pk}/evidence/{evidence.pk}/")
        assert response.status_code == 200, user
        assert response["Content-Disposition"] == 'attachment; filename="policy.pdf"'
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == content


@pytest.mark.django_db
def test_download_needs_a_login(client, client_for, draft_a, owner_a):
    upload(client_for(owner_a), draft_a, "KYC-1", "p.pdf", make_pdf())
    evidence = Evidence.objects.get()
    response = client.get(f"/assessments/{draft_a.pk}/evidence/{evidence.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_an_auditor_without_assignment_cannot_download(client_for, owner_a, auditor, draft_a):
    upload(client_for(owner_a), draft_a, "KYC-1", "p.pdf", make_pdf())
    evidence = Evidence.objects.get()
    assert client_for(auditor).get(f"/assessments/{draft_a.pk}/evidence/{evidence.pk}/").status_code == 404


@pytest.mark.django_db
def test_evidence_can_be_removed_in_draft(client_for, editor_a, draft_a, django_capture_on_commit_callbacks):
    upload(client_for(editor_a), draft_a, "KYC-1", "p.pdf", make_pdf())
    evidence = Evidence.objects.get()
    client = client_for(editor_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/assessments/{draft_a.pk}/evidence/{evidence.pk}/remove/")
    assert response.status_code == 302
    assert not Evidence.objects.exists()
    assert stored_files() == []
    assert AuditEvent.objects.filter(action="assessments.evidence.removed").count() == 1


@pytest.mark.django_db
def test_no_evidence_is_taken_where_the_criterion_asks_for_none(client_for, editor_a, draft_a):
    assert draft_a.questionnaire.criteria_by_code["KYC-4"].evidence == "none"
    response = upload(client_for(editor_a), draft_a, "KYC-4", "p.pdf", make_pdf())
    assert page_messages(response) == ["KYC-4: KYC-4 asks for no evidence."]
    assert not Evidence.objects.exists()
    assert stored_files() == []


@pytest.mark.django_db
def test_behind_nginx_the_download_is_handed_over_by_x_accel_redirect(settings, client_for, owner_a, owner_b, draft_a):
    settings.EVIDENCE_ACCEL_REDIRECT = "/protected-evidence/"
    upload(client_for(owner_a), draft_a, "KYC-1", "policy.pdf", make_pdf())
    evidence = Evidence.objects.get()
    response = client_for(owner_a).get(f"/assessments/{draft_a.pk}/evidence/{evidence.pk}/")
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-evidence/{evidence.file.name}"
    assert response["Content-Disposition"] == 'attachment; filename="policy.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content == b""
    outsider = client_for(owner_b).get(f"/assessments/{draft_a.pk}/evidence/{evidence.pk}/")
    assert outsider.status_code == 404 and "X-Accel-Redirect" not in outsider
