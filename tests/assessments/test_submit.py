"""Submission: blocked with the exact missing items, owner only, freezes an immutable snapshot, locks the answers."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from assessments import services
from assessments.models import Answer, Assessment, Evidence, Snapshot
from portal.models import AuditEvent
from tests.assessments.helpers import answer_everything, make_pdf


@pytest.mark.django_db
def test_submit_is_blocked_with_the_exact_missing_items(client_for, owner_a, draft_a):
    answer_everything(owner_a, draft_a)
    Answer.objects.filter(assessment=draft_a, criterion_code="KYC-4").delete()  # required, unanswered
    Evidence.objects.filter(answer__criterion_code="CON-1").delete()  # evidence required
    Evidence.objects.filter(answer__criterion_code="CON-6").delete()  # URL evidence required
    # Stored around the service, which refuses it, to prove the check itself.
    Answer.objects.filter(assessment=draft_a, criterion_code="HCS-2").update(na=True, value="", justification="")
    services.save_answer(owner_a, draft_a, "KYC-1", services.AnswerInput(value="no"))  # 0 points: no evidence needed

    response = client_for(owner_a).post(f"/assessments/{draft_a.pk}/submit/")

    assert response.status_code == 400
    assert [(item.criterion, item.reason) for item in response.context["missing"]] == [
        ("KYC-4", "unanswered"),
        ("CON-1", "evidence"),
        ("CON-6", "evidence"),
        ("HCS-2", "justification"),
    ]
    assert [item.message for item in response.context["missing"]] == [
        "KYC-4: not answered",
        "CON-1: missing evidence (a document or a web address (URL))",
        "CON-6: missing evidence (a web address (URL))",
        "HCS-2: N/A without a justification",
    ]
    assert "KYC-4: not answered" in response.content.decode()
    draft_a.refresh_from_db()
    assert draft_a.status == Assessment.Status.DRAFT
    assert not Snapshot.objects.exists()


@pytest.mark.django_db
def test_an_empty_assessment_lists_every_required_criterion(owner_a, draft_a):
    required = [c.code for c in draft_a.questionnaire.parsed.criteria if c.required]
    with pytest.raises(services.SubmissionBlocked) as excinfo:
        services.submit_assessment(owner_a, draft_a)
    assert [item.criterion for item in excinfo.value.missing] == required


@pytest.mark.django_db
def test_submit_freezes_a_snapshot_and_locks_everything(client_for, owner_a, editor_a, draft_a, supervisor):
    answer_everything(owner_a, draft_a)
    kyc1 = Evidence.objects.get(answer__criterion_code="KYC-1")
    client = client_for(owner_a)
    page = client.get(f"/assessments/{draft_a.pk}/")
    assert "Submit the assessment" in page.content.decode()

    response = client.post(f"/assessments/{draft_a.pk}/submit/")

    assert response.status_code == 302
    draft_a.refresh_from_db()
    assert (draft_a.status, draft_a.submitted_by) == (Assessment.Status.SUBMITTED, owner_a)
    snapshot = Snapshot.objects.get(assessment=draft_a)
    assert snapshot.data["answers"]["KYC-1"]["evidence"] == [
        {"kind": "file", "name": "KYC-1.pdf", "type": "pdf", "size": kyc1.size, "sha256": kyc1.sha256}
    ]
    assert snapshot.data["answers"]["KYC-2"]["value"] == "identity_and_registry"
    assert snapshot.data["questionnaire"]["version"] == draft_a.questionnaire.version
    assert len(snapshot.sha256) == 64
    event = AuditEvent.objects.get(action="assessments.assessment.submitted")
    assert event.data["snapshot_sha256"] == snapshot.sha256 and event.data["to"] == "submitted"

    with pytest.raises(TypeError):
        snapshot.delete()
    with pytest.raises(TypeError):
        snapshot.save()
    with pytest.raises(TypeError):
        Snapshot.objects.filter(pk=snapshot.pk).update(data={})
    with pytest.raises(TypeError):
        Snapshot.objects.all().delete()

    editor = client_for(editor_a)
    events = AuditEvent.objects.count()
    assert editor.post(f"/assessments/{draft_a.pk}/answers/KYC-2/", {"value": "none"}).status_code == 403
    assert (
        editor.post(f"/assessments/{draft_a.pk}/answers/KYC-1/evidence/", {"url": "https://x.example"}).status_code
        == 403
    )
    assert editor.post(f"/assessments/{draft_a.pk}/evidence/{kyc1.pk}/remove/").status_code == 403
    assert client.post(f"/assessments/{draft_a.pk}/submit/").status_code == 403
    with pytest.raises(services.AssessmentLocked):
        services.attach_evidence_file(owner_a, draft_a, "KYC-1", io.BytesIO(make_pdf()), "late.pdf")
    assert Answer.objects.get(assessment=draft_a, criterion_code="KYC-2").value == "identity_and_registry"
    assert Evidence.objects.filter(pk=kyc1.pk).exists()
    assert AuditEvent.objects.count() == events
    assert "hx-post" not in editor.get(f"/assessments/{draft_a.pk}/sections/KYC/").content.decode()


@pytest.mark.django_db
def test_only_the_owner_submits(client_for, owner_a, editor_a, draft_a):
    answer_everything(owner_a, draft_a)
    assert client_for(editor_a).post(f"/assessments/{draft_a.pk}/submit/").status_code == 403
    with pytest.raises(PermissionDenied):
        services.submit_assessment(editor_a, draft_a)
    draft_a.refresh_from_db()
    assert draft_a.status == Assessment.Status.DRAFT


@pytest.mark.django_db
def test_submission_mails_the_owners_and_supervisors(owner_a, draft_a, supervisor, django_capture_on_commit_callbacks):
    answer_everything(owner_a, draft_a)
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_assessment(owner_a, draft_a)
    assert sorted(message.to[0] for message in mail.outbox) == [owner_a.email, supervisor.email]
    assert mail.outbox[0].subject == "Self-assessment of Hoster A submitted"
    assert f"/assessments/{draft_a.pk}/" in mail.outbox[0].body


@pytest.mark.django_db
def test_a_new_assessment_can_start_once_the_old_one_is_decided(owner_a, hoster_a, draft_a):
    answer_everything(owner_a, draft_a)
    services.submit_assessment(owner_a, draft_a, send_mail=False)
    with pytest.raises(Exception, match="already has an assessment in progress"):
        services.start_assessment(owner_a, hoster_a, *services.default_period())
    Assessment.objects.filter(pk=draft_a.pk).update(status=Assessment.Status.APPROVED)
    assert services.start_assessment(owner_a, hoster_a, *services.default_period()).status == "draft"


@pytest.mark.django_db
def test_editors_see_what_is_missing_but_only_owners_get_the_submit_button(client_for, owner_a, editor_a, draft_a):
    html = client_for(editor_a).get(f"/assessments/{draft_a.pk}/").content.decode()
    assert "KYC-1: not answered" in html
    answer_everything(owner_a, draft_a)
    html = client_for(editor_a).get(f"/assessments/{draft_a.pk}/").content.decode()
    assert "An owner can now submit the assessment." in html and "Submit the assessment" not in html
    assert "Submit the assessment" in client_for(owner_a).get(f"/assessments/{draft_a.pk}/").content.decode()
