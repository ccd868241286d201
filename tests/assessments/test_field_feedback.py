"""Feedback at the field it concerns: a refused upload, a saved document, a removed one and a refused answer are
shown in the question's own block (htmx), tied to the field (aria-invalid, aria-describedby) and announced (an
alert for refusals, a live region for confirmations); nothing is stored on a refusal, and no message is left for
the top of the next page."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments import services
from assessments.models import Answer, Evidence
from portal.models import AuditEvent
from tests.assessments.helpers import make_pdf

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 200 + b"\xff\xd9"


def add_evidence(client, assessment, code: str, data: dict, **headers):
    return client.post(reverse("assessments:evidence_add", args=[assessment.pk, code]), data, **headers)


def section_page(client, assessment, code: str) -> str:
    return client.get(reverse("assessments:section", args=[assessment.pk, code])).content.decode()


def test_an_image_renamed_pdf_is_refused_at_its_field(client_for, editor_a, draft_a):
    client = client_for(editor_a)
    photo = SimpleUploadedFile("policy.pdf", JPEG, content_type="application/pdf")
    response = add_evidence(client, draft_a, "KYC-1", {"file": photo}, **HTMX)
    assert response.status_code == 200
    fragment = response.content.decode()
    assert "<html" not in fragment  # the question's block only, not a page
    error = re.search(r'<div[^>]*id="evidence-error-KYC-1"[^>]*role="alert"[^>]*>(.*?)</div>', fragment, re.S)
    assert error and "Images and video are never accepted" in error.group(1)
    assert "KYC-1: the document" not in error.group(1)  # the block already says which question
    file_input = re.search(r'<input type="file"[^>]*>', fragment).group(0)
    assert 'aria-invalid="true"' in file_input and 'aria-describedby="evidence-error-KYC-1"' in file_input
    assert re.search(r'<p id="evidence-status-KYC-1" hx-swap-oob="innerHTML">\s*</p>', fragment)
    assert not Evidence.objects.exists()
    assert not AuditEvent.objects.filter(action="assessments.evidence.added").exists()
    assert "Images and video" not in section_page(client, draft_a, "KYC")  # no message waits at the top


def test_a_document_is_confirmed_beside_its_field(client_for, editor_a, draft_a):
    client = client_for(editor_a)
    document = SimpleUploadedFile("KYC policy.pdf", make_pdf(), content_type="application/pdf")
    fragment = add_evidence(client, draft_a, "KYC-1", {"file": document}, **HTMX).content.decode()
    evidence = Evidence.objects.get()
    assert reverse("assessments:evidence_download", args=[draft_a.pk, evidence.pk]) in fragment
    assert re.search(
        r'id="evidence-status-KYC-1" hx-swap-oob="innerHTML">KYC-1: document KYC policy.pdf added.', fragment
    )
    assert "aria-invalid" not in fragment and 'role="alert"' not in fragment
    page = section_page(client, draft_a, "KYC")
    assert "document KYC policy.pdf added" not in page
    assert 'id="evidence-status-KYC-1" class="small text-success mb-0" role="status" aria-live="polite"' in page


def test_a_bad_web_address_keeps_what_was_typed_escaped(client_for, editor_a, draft_a):
    hostile = 'javascript:alert("x")'
    fragment = add_evidence(client_for(editor_a), draft_a, "CON-6", {"url": hostile}, **HTMX).content.decode()
    url_input = re.search(r'<input type="url"[^>]*>', fragment, re.S).group(0)
    assert 'aria-invalid="true"' in url_input and 'aria-describedby="evidence-error-CON-6"' in url_input
    assert 'value="javascript:alert(&quot;x&quot;)"' in url_input
    assert 'id="evidence-error-CON-6"' in fragment
    assert not Evidence.objects.exists()


def test_neither_a_document_nor_an_address_is_asked_for_at_the_field(client_for, editor_a, draft_a):
    fragment = add_evidence(client_for(editor_a), draft_a, "CON-1", {}, **HTMX).content.decode()
    assert "Choose a document or give a web address." in fragment
    assert re.search(r'<input type="file"[^>]*aria-invalid="true"', fragment, re.S)


def test_removing_evidence_is_confirmed_in_the_block(client_for, editor_a, draft_a):
    client = client_for(editor_a)
    services.attach_evidence_url(editor_a, draft_a, "CON-6", "https://hoster-a.example/ntd")
    evidence = Evidence.objects.get()
    response = client.post(reverse("assessments:evidence_remove", args=[draft_a.pk, evidence.pk]), **HTMX)
    fragment = response.content.decode()
    assert response.status_code == 200 and "https://hoster-a.example/ntd" not in fragment
    assert "CON-6: evidence removed." in fragment and "data-focus-after-swap" in fragment
    assert not Evidence.objects.exists()


def test_without_javascript_the_old_round_trip_still_works(client_for, editor_a, draft_a):
    photo = SimpleUploadedFile("policy.pdf", JPEG, content_type="application/pdf")
    response = add_evidence(client_for(editor_a), draft_a, "KYC-1", {"file": photo})
    assert response.status_code == 302 and response["Location"].endswith("/sections/KYC/#crit-KYC-1")
    assert not Evidence.objects.exists()


def test_outsiders_and_viewers_get_no_block(client_for, owner_b, viewer_a, draft_a):
    data = {"url": "https://x.example/"}
    assert add_evidence(client_for(owner_b), draft_a, "CON-6", data, **HTMX).status_code == 404
    assert add_evidence(client_for(viewer_a), draft_a, "CON-6", data, **HTMX).status_code == 403
    assert not Evidence.objects.exists()


def test_a_refused_answer_names_its_fields_for_the_screen_reader(client_for, editor_a, draft_a):
    client = client_for(editor_a)
    url = reverse("assessments:answer", args=[draft_a.pk, "CON-5"])
    fragment = client.post(url, {"value": "many"}, **HTMX).content.decode()
    assert re.search(r'data-invalid-fields="value\s*"', fragment) and "Not saved:" in fragment
    assert not Answer.objects.filter(criterion_code="CON-5").exists()
    saved = client.post(url, {"value": "12"}, **HTMX).content.decode()
    assert 'data-invalid-fields=""' in saved and "Saved at" in saved


def test_without_javascript_a_refused_answer_is_marked_at_its_field(client_for, editor_a, draft_a):
    response = client_for(editor_a).post(reverse("assessments:answer", args=[draft_a.pk, "CON-5"]), {"value": "many"})
    assert response.status_code == 400
    page = response.content.decode()
    value = re.search(r'<input[^>]*name="value"[^>]*id="id_CON-5_value"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in value and "id_CON-5_value_error" in value
    assert 'id="id_CON-5_value_error"' in page


def test_every_description_a_field_points_to_exists(client_for, editor_a, draft_a):
    page = section_page(client_for(editor_a), draft_a, "KYC")
    ids = set(re.findall(r'\sid="([^"]+)"', page))
    referenced = {ref for refs in re.findall(r'aria-describedby="([^"]+)"', page) for ref in refs.split()}
    assert referenced and referenced <= ids, referenced - ids
