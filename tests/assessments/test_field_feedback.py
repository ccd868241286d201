"""Feedback at the field it concerns: a refused upload, a saved document, a removed one and a refused answer are
shown in the question's own block (with htmx, and without JavaScript on the page the post returns to), tied to the
field (aria-invalid, aria-describedby) and announced (an alert for refusals, a live region for confirmations);
nothing is stored on a refusal, and no message is left for the top of the page. An auditor's saved verdict is
announced in its card too."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments import services
from assessments.models import Answer, Evidence
from portal.models import AuditEvent, MemberRole, Membership
from tests import factories
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


def test_without_javascript_a_refusal_lands_at_its_field_not_at_the_top(client_for, editor_a, draft_a):
    client = client_for(editor_a)
    photo = SimpleUploadedFile("policy.pdf", JPEG, content_type="application/pdf")
    response = add_evidence(client, draft_a, "KYC-1", {"file": photo})
    # The fragment names the refused field: the browser focuses it, and a screen reader reads its error with it.
    assert response.status_code == 302 and response["Location"].endswith("/sections/KYC/#id_KYC-1_evidence_file")
    assert not Evidence.objects.exists()
    landed = client.get(response["Location"])
    assert list(landed.context["messages"]) == []
    page = landed.content.decode()
    assert 'class="alert' not in page.split('<article id="crit-KYC-1"')[0]  # nothing at the top of the page
    error = re.search(r'<div[^>]*id="evidence-error-KYC-1"[^>]*role="alert"[^>]*>(.*?)</div>', page, re.S)
    assert error and "Images and video are never accepted" in error.group(1)
    file_input = re.search(r'<input type="file"[^>]*>', page.split('id="evidence-KYC-1"')[1]).group(0)
    assert 'aria-invalid="true"' in file_input and 'aria-describedby="evidence-error-KYC-1"' in file_input
    assert 'id="id_KYC-1_evidence_file"' in file_input
    assert page.count('id="evidence-error-') == page.count('id="evidence-error-KYC-1"') == 1
    assert "Images and video" not in section_page(client, draft_a, "KYC")  # shown once


def test_without_javascript_a_bad_address_is_kept_at_its_field(client_for, editor_a, draft_a):
    client = client_for(editor_a)
    response = add_evidence(client, draft_a, "CON-6", {"url": "ftp://x.example/<b>"})
    assert response["Location"].endswith("#id_CON-6_evidence_url")
    page = client.get(response["Location"]).content.decode()
    url_input = re.search(r'<input type="url"[^>]*id="id_CON-6_evidence_url"[^>]*>', page, re.S).group(0)
    assert 'aria-invalid="true"' in url_input
    assert 'value="ftp://x.example/&lt;b&gt;"' in url_input
    assert 'id="evidence-error-CON-6" role="alert"' in page


def test_without_javascript_a_document_is_confirmed_beside_its_field(client_for, editor_a, draft_a):
    client = client_for(editor_a)
    document = SimpleUploadedFile("KYC policy.pdf", make_pdf(), content_type="application/pdf")
    response = add_evidence(client, draft_a, "KYC-1", {"file": document})
    assert response["Location"].endswith("/sections/KYC/#crit-KYC-1")
    landed = client.get(response["Location"])
    assert list(landed.context["messages"]) == []
    page = landed.content.decode()
    assert re.search(r'id="evidence-status-KYC-1"[^>]*role="status"[^>]*>KYC-1: document KYC policy.pdf added.', page)
    assert 'role="alert"' not in page and 'aria-invalid="true"' not in page


def test_the_outcome_is_shown_only_on_its_own_assessment(client_for, hoster_a, draft_a, draft_b, owner_b):
    both = factories.make_member(draft_b.hoster, MemberRole.EDITOR, email="both@example.org")
    Membership.objects.create(user=both, hoster=hoster_a, role=MemberRole.EDITOR)
    client = client_for(both)
    add_evidence(client, draft_a, "CON-6", {"url": "not an address"})
    page = section_page(client, draft_b, "CON")
    assert 'id="evidence-error-CON-6"' not in page and 'aria-invalid="true"' not in page


def test_evidence_where_none_is_asked_is_refused_in_the_block(client_for, editor_a, draft_a):
    client = client_for(editor_a)
    response = add_evidence(client, draft_a, "KYC-4", {"url": "https://hoster-a.example/"})
    assert response["Location"].endswith("#crit-KYC-4")
    page = client.get(response["Location"]).content.decode()
    assert re.search(r'id="evidence-error-KYC-4" role="alert"><strong>Not added:</strong> KYC-4 asks for no', page)


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


@pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "plain"])
def test_a_saved_verdict_is_announced_where_it_was_given(client_for, in_review_a, auditor, headers):
    client = client_for(auditor)
    url = reverse("assessments:review_answer", args=[in_review_a.pk, "KYC-1"])
    response = client.post(url, {"decision": "accepted", "note": "Policy seen."}, **headers)
    page = (client.get(response["Location"]) if response.status_code == 302 else response).content.decode()
    notice = re.search(r'<div[^>]*id="saved-KYC-1"[^>]*>', page).group(0)
    assert 'role="status"' in notice and 'aria-live="polite"' in notice
    assert 'tabindex="-1"' in notice and "data-review-focus" in notice  # it still takes the focus
