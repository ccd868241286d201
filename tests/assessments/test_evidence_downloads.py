"""Evidence downloads are named and typed by the detected content, whatever the uploader called the file."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments.downloads import evidence_file_response
from assessments.models import Assessment, Evidence
from portal.files import download_name
from tests.assessments.helpers import make_pdf

TEXT = b"Notice-and-takedown policy: we act within one hour.\n"


def upload(client, assessment: Assessment, name: str, content: bytes) -> Evidence:
    url = f"/assessments/{assessment.pk}/answers/KYC-1/evidence/"
    client.post(url, {"file": SimpleUploadedFile(name, content, content_type="application/octet-stream")})
    return Evidence.objects.latest("pk")


def download(client, assessment: Assessment, evidence: Evidence):
    return client.get(reverse("assessments:evidence_download", args=[assessment.pk, evidence.pk]))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("uploaded_as", "delivered_as"),
    [("Report.hta", "Report.txt"), ("run_me.bat", "run_me.txt"), ("notes.csv.exe", "notes_csv.txt")],
)
def test_a_text_file_is_delivered_as_text_whatever_its_name(client_for, owner_a, draft_a, uploaded_as, delivered_as):
    client = client_for(owner_a)
    evidence = upload(client, draft_a, uploaded_as, TEXT)
    assert evidence.detected_type == "txt"
    response = download(client, draft_a, evidence)
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{delivered_as}"'
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == TEXT


@pytest.mark.django_db
def test_a_pdf_named_like_a_web_page_is_delivered_as_a_pdf(client_for, owner_a, draft_a):
    client = client_for(owner_a)
    evidence = upload(client, draft_a, "policy.html", make_pdf())
    response = download(client, draft_a, evidence)
    assert response["Content-Disposition"] == 'attachment; filename="policy.pdf"'
    assert response["Content-Type"] == "application/pdf"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("original", "header"),
    [
        ("two\r\nlines.hta", 'attachment; filename="two_lines.txt"'),
        ('say "hi".hta', 'attachment; filename="say _hi.txt"'),
        ("a; filename=evil.exe", 'attachment; filename="a_ filename_evil.txt"'),
        ("Beleid één.hta", "attachment; filename*=utf-8''Beleid%20%C3%A9%C3%A9n.txt"),
        ("\u202etxt.exe", 'attachment; filename="txt.txt"'),
        ('";\r\n', 'attachment; filename="evidence.txt"'),
    ],
)
def test_hostile_names_cannot_break_the_header(client_for, owner_a, draft_a, original, header):
    client = client_for(owner_a)
    evidence = upload(client, draft_a, "x.txt", TEXT)
    Evidence.objects.filter(pk=evidence.pk).update(original_name=original)
    evidence.refresh_from_db()
    response = download(client, draft_a, evidence)
    assert response["Content-Disposition"] == header
    assert "\n" not in response["Content-Disposition"] and "\r" not in response["Content-Disposition"]


@pytest.mark.django_db
def test_behind_nginx_the_handed_over_file_has_the_same_name_and_type(settings, client_for, owner_a, draft_a):
    settings.EVIDENCE_ACCEL_REDIRECT = "/protected-evidence/"
    client = client_for(owner_a)
    evidence = upload(client, draft_a, "Report.hta", TEXT)
    response = download(client, draft_a, evidence)
    assert response["X-Accel-Redirect"] == f"/protected-evidence/{evidence.file.name}"
    assert response["Content-Disposition"] == 'attachment; filename="Report.txt"'
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_the_review_viewer_shows_only_a_pdf_inline_under_its_safe_name(settings, client_for, in_review_a, auditor):
    client = client_for(auditor)
    evidence = Evidence.objects.filter(answer__assessment=in_review_a, detected_type="pdf").first()
    Evidence.objects.filter(pk=evidence.pk).update(original_name='Beleid "v2".hta')
    url = reverse("assessments:evidence_inline", args=[in_review_a.pk, evidence.pk])
    for accel in ("", "/protected-evidence/"):
        settings.EVIDENCE_ACCEL_REDIRECT = accel
        response = client.get(url)
        assert response["Content-Disposition"] == 'inline; filename="Beleid _v2.pdf"'
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
    Evidence.objects.filter(pk=evidence.pk).update(detected_type="txt")
    assert client.get(url).status_code == 404


def test_download_name_keeps_a_safe_stem_and_puts_the_detected_extension():
    assert download_name("C:\\Users\\x\\Jaarverslag 2025.pdf.exe", "pdf") == "Jaarverslag 2025_pdf.pdf"
    assert download_name("../../etc/passwd", "txt") == "passwd.txt"
    assert download_name(".hta", "txt") == "hta.txt"
    assert download_name("", "csv") == "document.csv"
    assert len(download_name("x" * 500 + ".hta", "txt")) == 104


@pytest.mark.django_db
def test_only_a_pdf_may_ever_be_shown_inline(client_for, owner_a, draft_a):
    evidence = upload(client_for(owner_a), draft_a, "page.html", TEXT)
    response = evidence_file_response(evidence, inline=True, csp="default-src 'none'; sandbox")
    assert response["Content-Disposition"] == 'attachment; filename="page.txt"'
    response.close()
