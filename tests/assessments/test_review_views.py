"""Review pages: who sees what, evidence shown inline and safely, forms that explain refusals, isolation."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.urls import reverse

from assessments import review, services
from assessments.models import AnswerReview, Assessment, Assignment, Comment, Decision, Evidence
from portal.models import AuditEvent, MemberRole, Membership, Role
from tests import factories
from tests.assessments.helpers import make_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def with_text_evidence(owner_a, draft_a):
    """Hoster A's assessment with a text file, a CSV and a URL next to the PDFs, in review."""
    from tests.assessments.helpers import answer_everything

    answer_everything(owner_a, draft_a)
    services.attach_evidence_file(
        owner_a, draft_a, "KYC-3", io.BytesIO(b"Risk assessment <script>alert(1)</script>\n"), "risk.txt"
    )
    services.attach_evidence_file(owner_a, draft_a, "HCS-5", io.BytesIO(b"month,checks\n2025-01,120\n"), "hcs.csv")
    services.submit_assessment(owner_a, draft_a, send_mail=False)
    return draft_a


def urls(assessment: Assessment, evidence: Evidence) -> list[tuple[str, str, dict]]:
    pk = assessment.pk
    return [
        ("get", reverse("assessments:review", args=[pk]), {}),
        ("get", reverse("assessments:timeline", args=[pk]), {}),
        ("get", reverse("assessments:evidence_inline", args=[pk, evidence.pk]), {}),
        ("post", reverse("assessments:review_answer", args=[pk, "KYC-1"]), {"decision": "accepted", "note": "ok"}),
        ("post", reverse("assessments:request_changes", args=[pk]), {"message": "x"}),
        ("post", reverse("assessments:decide", args=[pk]), {"outcome": "approved", "rationale": "x"}),
        ("post", reverse("assessments:comment", args=[pk]), {"body": "hello", "criterion": "KYC-1"}),
        ("post", reverse("assessments:assign", args=[pk]), {"auditor": "1"}),
    ]


def state() -> tuple:
    return (
        list(Assessment.objects.order_by("pk").values_list("pk", "status")),
        AnswerReview.objects.count(),
        Comment.objects.count(),
        Decision.objects.count(),
        Assignment.objects.count(),
        AuditEvent.objects.exclude(action__startswith="portal.user.").count(),
    )


def pdf_of(assessment: Assessment) -> Evidence:
    return Evidence.objects.filter(answer__assessment=assessment, detected_type="pdf").first()


@pytest.mark.parametrize("persona", ["owner_b", "editor_b", "viewer_b", "other_auditor", "anonymous"])
def test_outsiders_get_404_on_every_review_url_and_nothing_changes(request, client, client_for, in_review_a, persona):
    if persona == "anonymous":
        web = client
    elif persona == "other_auditor":
        web = client_for(factories.make_role_user(Role.AUDITOR, email="other@example.org"))
    else:
        web = client_for(request.getfixturevalue(persona))
    before = state()
    for method, url, data in urls(in_review_a, pdf_of(in_review_a)):
        response = getattr(web, method)(url, data)
        if persona == "anonymous" and response.status_code == 302:
            continue  # sent to the login page
        assert response.status_code == 404, (persona, method, url, response.status_code)
    assert state() == before


def test_the_review_lists_are_for_their_roles_only(client_for, in_review_a, owner_a, auditor, supervisor):
    assert client_for(owner_a).get(reverse("assessments:queue")).status_code == 404
    assert client_for(owner_a).get(reverse("assessments:assignments")).status_code == 404
    assert client_for(auditor).get(reverse("assessments:assignments")).status_code == 404
    assert client_for(supervisor).get(reverse("assessments:queue")).status_code == 404


def test_the_auditor_queue_shows_only_assigned_assessments(client_for, in_review_a, auditor, owner_b, draft_b):
    page = client_for(auditor).get(reverse("assessments:queue")).content.decode()
    assert reverse("assessments:review", args=[in_review_a.pk]) in page
    assert reverse("assessments:review", args=[draft_b.pk]) not in page
    dashboard = client_for(auditor).get("/dashboard/").content.decode()
    assert reverse("assessments:review", args=[in_review_a.pk]) in dashboard


def test_a_supervisor_assigns_from_the_list_and_a_conflict_is_explained(
    client_for, submitted_a, supervisor, auditor, hoster_a
):
    insider = factories.make_role_user(Role.AUDITOR, email="insider@example.org")
    Membership.objects.create(user=insider, hoster=hoster_a, role=MemberRole.EDITOR)
    web = client_for(supervisor)
    page = web.get(reverse("assessments:assignments")).content.decode()
    assert "Hoster A" in page and "member of this hoster: cannot audit it" in page
    response = web.post(reverse("assessments:assign", args=[submitted_a.pk]), {"auditor": insider.pk}, follow=True)
    assert "conflict of interest" in response.content.decode()
    assert not Assignment.objects.exists()
    web.post(reverse("assessments:assign", args=[submitted_a.pk]), {"auditor": auditor.pk})
    assert Assessment.objects.get(pk=submitted_a.pk).status == Assessment.Status.IN_REVIEW


def test_the_review_page_shows_evidence_inline_metrics_and_the_score_card(client_for, with_text_evidence, supervisor):
    auditor = factories.make_role_user(Role.AUDITOR, email="reviewer@example.org")
    review.assign_auditor(supervisor, with_text_evidence, auditor, send_mail=False)
    web = client_for(auditor)
    url = reverse("assessments:review", args=[with_text_evidence.pk])
    summary = web.get(url)
    assert summary.status_code == 200
    page = summary.content.decode()
    assert "Measured takedown data for the period" in page and "Self-assessed score card" in page
    assert 'name="rationale"' in page and 'name="decision"' not in page
    kyc = web.get(url, {"section": "KYC"})
    assert kyc.status_code == 200
    page = kyc.content.decode()
    pdf = pdf_of(with_text_evidence)
    assert f'src="{reverse("assessments:evidence_inline", args=[with_text_evidence.pk, pdf.pk])}"' in page
    assert f'<iframe name="viewer-{pdf.answer.criterion_code}"' in page
    assert "Risk assessment &lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert "SHA-256 verified against the stored file" in page
    assert 'name="decision" value="accepted"' in page and 'name="rationale"' not in page
    assert 'id="crit-CON-1"' not in page  # one section at a time
    page = web.get(url, {"section": "HCS"}).content.decode()
    assert "month,checks" in page
    page = web.get(url, {"section": "CON"}).content.decode()
    assert 'rel="noopener noreferrer"' in page


def test_an_unknown_section_is_not_a_page(client_for, in_review_a, auditor):
    url = reverse("assessments:review", args=[in_review_a.pk])
    for section in ("XYZ", "KYC-1", "<script>", "kyc"):
        assert client_for(auditor).get(url, {"section": section}).status_code == 404


def test_readers_see_the_review_without_the_auditor_forms(client_for, in_review_a, viewer_a, supervisor):
    url = reverse("assessments:review", args=[in_review_a.pk])
    for user in (viewer_a, supervisor):
        for section in ("", "KYC"):
            page = client_for(user).get(url, {"section": section}).content.decode()
            assert 'name="decision"' not in page and 'name="rationale"' not in page and 'name="body"' not in page
            assert 'id="review-next"' not in page and "data-review-shortcut" not in page


def test_the_inline_pdf_is_access_checked_and_sandboxed(client_for, in_review_a, auditor, owner_a):
    evidence = pdf_of(in_review_a)
    url = reverse("assessments:evidence_inline", args=[in_review_a.pk, evidence.pk])
    for user in (auditor, owner_a):
        response = client_for(user).get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("inline")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response["Content-Security-Policy"]
        assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
        assert response["X-Frame-Options"] == "SAMEORIGIN"
        assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_a_tampered_file_is_flagged_on_the_page_not_shown_inline_and_not_accepted(client_for, in_review_a, auditor):
    evidence = Evidence.objects.get(answer__assessment=in_review_a, answer__criterion_code="KYC-1", kind="file")
    path = Path(evidence.file.path)
    path.write_bytes(path.read_bytes() + b"tampered")
    web = client_for(auditor)
    page = web.get(reverse("assessments:review", args=[in_review_a.pk]), {"section": "KYC"}).content.decode()
    assert f'data-evidence-mismatch="{evidence.pk}"' in page
    assert reverse("assessments:evidence_inline", args=[in_review_a.pk, evidence.pk]) not in page
    assert web.get(reverse("assessments:evidence_inline", args=[in_review_a.pk, evidence.pk])).status_code == 403
    response = web.post(
        reverse("assessments:review_answer", args=[in_review_a.pk, "KYC-1"]), {"decision": "accepted", "note": "ok"}
    )
    assert response.status_code == 400
    assert "failed the SHA-256 check" in response.content.decode()
    assert not AnswerReview.objects.exists()


def test_a_hoster_member_cannot_accept_their_own_answers(client_for, in_review_a, owner_a, editor_a):
    for user in (owner_a, editor_a):
        response = client_for(user).post(
            reverse("assessments:review_answer", args=[in_review_a.pk, "KYC-1"]),
            {"decision": "accepted", "note": "we agree with ourselves"},
        )
        assert response.status_code == 403
        response = client_for(user).post(
            reverse("assessments:decide", args=[in_review_a.pk]), {"outcome": "approved", "rationale": "self"}
        )
        assert response.status_code == 403
    assert not AnswerReview.objects.exists() and not Decision.objects.exists()


def test_an_assigned_auditor_cannot_edit_answers_or_evidence(client_for, in_review_a, auditor):
    web = client_for(auditor)
    before = list(in_review_a.answers.values_list("criterion_code", "value"))
    assert web.post(reverse("assessments:answer", args=[in_review_a.pk, "KYC-1"]), {"value": "no"}).status_code == 404
    assert (
        web.post(reverse("assessments:evidence_add", args=[in_review_a.pk, "CON-6"]), {"url": "https://x.example"})
    ).status_code == 404
    assert web.post(reverse("assessments:submit", args=[in_review_a.pk])).status_code == 404
    assert list(in_review_a.answers.values_list("criterion_code", "value")) == before


def test_the_whole_journey_through_the_pages(client_for, submitted_a, supervisor, auditor, owner_a, editor_a):
    client_for(supervisor).post(reverse("assessments:assign", args=[submitted_a.pk]), {"auditor": auditor.pk})
    web = client_for(auditor)
    for answer in submitted_a.answers.all():
        decision = "clarification" if answer.criterion_code == "KYC-1" else "accepted"
        web.post(
            reverse("assessments:review_answer", args=[submitted_a.pk, answer.criterion_code]),
            {"decision": decision, "note": "checked"},
        )
    response = web.post(reverse("assessments:decide", args=[submitted_a.pk]), {"outcome": "approved", "rationale": "x"})
    assert response.status_code == 400 and "awaiting clarification: KYC-1" in response.content.decode()
    web.post(reverse("assessments:request_changes", args=[submitted_a.pk]), {"message": "See KYC-1"})
    assert Assessment.objects.get(pk=submitted_a.pk).status == Assessment.Status.CHANGES_REQUESTED

    editor = client_for(editor_a)
    section = editor.get(reverse("assessments:section", args=[submitted_a.pk, "KYC"])).content.decode()
    assert "The auditor asks you to clarify this answer." in section
    locked = editor.post(
        reverse("assessments:answer", args=[submitted_a.pk, "KYC-3"]), {"value": "no"}, HTTP_HX_REQUEST="true"
    )
    assert "KYC-3 cannot be changed in this round" in locked.content.decode()
    editor.post(reverse("assessments:answer", args=[submitted_a.pk, "KYC-1"]), {"value": "informal"})
    editor.post(reverse("assessments:comment", args=[submitted_a.pk]), {"body": "Updated.", "criterion": "KYC-1"})
    client_for(owner_a).post(reverse("assessments:submit", args=[submitted_a.pk]))
    assert Assessment.objects.get(pk=submitted_a.pk).status == Assessment.Status.IN_REVIEW

    page = web.get(reverse("assessments:review", args=[submitted_a.pk])).content.decode()
    assert "Changed since the last round" in page
    page = web.get(reverse("assessments:review", args=[submitted_a.pk]), {"section": "KYC"}).content.decode()
    assert "Updated." in page and "changed since the last round" in page
    web.post(
        reverse("assessments:review_answer", args=[submitted_a.pk, "KYC-1"]), {"decision": "accepted", "note": "ok"}
    )
    response = web.post(
        reverse("assessments:decide", args=[submitted_a.pk]), {"outcome": "approved", "rationale": "All backed."}
    )
    assert response.status_code == 302
    assert Assessment.objects.get(pk=submitted_a.pk).status == Assessment.Status.APPROVED

    for user in (owner_a, auditor, supervisor):  # what the timeline says is tested with its own module
        assert client_for(user).get(reverse("assessments:timeline", args=[submitted_a.pk])).status_code == 200


def test_a_message_needs_text_and_is_shown_in_its_thread(client_for, in_review_a, auditor):
    web = client_for(auditor)
    response = web.post(reverse("assessments:comment", args=[in_review_a.pk]), {"body": " ", "criterion": "KYC-1"})
    assert response.status_code == 400 and "Write a message" in response.content.decode()
    web.post(reverse("assessments:comment", args=[in_review_a.pk]), {"body": "About the whole thing"})
    page = web.get(reverse("assessments:review", args=[in_review_a.pk])).content.decode()
    assert "About the whole thing" in page


def test_the_review_page_shows_a_document_added_in_a_clarification_round(
    client_for, in_review_a, auditor, owner_a, editor_a
):
    review.review_answer(auditor, in_review_a, "KYC-1", "clarification", "Which policy applies?")
    review.request_changes(auditor, in_review_a, "See KYC-1", send_mail=False)
    services.attach_evidence_file(editor_a, in_review_a, "KYC-1", io.BytesIO(make_pdf("v2")), "policy-v2.pdf")
    services.submit_assessment(owner_a, in_review_a, send_mail=False)
    url = reverse("assessments:review", args=[in_review_a.pk])
    for user in (auditor, owner_a):
        for section in ("", "KYC"):
            response = client_for(user).get(url, {"section": section})
            assert response.status_code == 200, (user, section)
            page = response.content.decode()
            assert "hanged since the last round" in page
            assert "<span data-evidence-added>policy-v2.pdf</span>" in page, (user, section)
