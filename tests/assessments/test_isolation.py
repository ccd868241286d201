"""Cross-hoster isolation: every assessment, answer, evidence and API URL gives outsiders a 404 and changes nothing."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from assessments import services
from assessments.models import Answer, Assessment, Evidence, Snapshot
from portal.models import AuditEvent
from tests.assessments.helpers import make_pdf

OUTSIDERS = ["owner_b", "editor_b", "viewer_b", "auditor"]


@pytest.fixture
def a_with_evidence(owner_a, draft_a) -> tuple[Assessment, Evidence]:
    services.save_answer(owner_a, draft_a, "KYC-1", services.AnswerInput(value="yes"))
    evidence = services.attach_evidence_file(owner_a, draft_a, "KYC-1", io.BytesIO(make_pdf()), "policy.pdf")
    return draft_a, evidence


def requests_for(assessment: Assessment, evidence: Evidence) -> list[tuple[str, str, dict]]:
    pk, ev = assessment.pk, evidence.pk
    pdf = SimpleUploadedFile("p.pdf", make_pdf(), content_type="application/pdf")
    return [
        ("get", f"/assessments/{pk}/", {}),
        ("get", f"/assessments/{pk}/sections/KYC/", {}),
        ("get", f"/assessments/{pk}/sections/NOPE/", {}),
        ("post", f"/assessments/{pk}/answers/KYC-1/", {"data": {"value": "no"}}),
        ("post", f"/assessments/{pk}/answers/KYC-1/", {"data": {"value": "no"}, "HTTP_HX_REQUEST": "true"}),
        ("post", f"/assessments/{pk}/answers/KYC-1/evidence/", {"data": {"file": pdf}}),
        ("post", f"/assessments/{pk}/answers/CON-6/evidence/", {"data": {"url": "https://evil.example/"}}),
        ("get", f"/assessments/{pk}/evidence/{ev}/", {}),
        ("post", f"/assessments/{pk}/evidence/{ev}/remove/", {}),
        ("post", f"/assessments/{pk}/submit/", {}),
        ("get", "/assessments/start/hoster-a/", {}),
        ("post", "/assessments/start/hoster-a/", {"data": {"period_start": "2025-01-01", "period_end": "2025-06-30"}}),
        ("get", f"/api/v1/assessments/{pk}/answers/", {}),
        (
            "put",
            f"/api/v1/assessments/{pk}/answers/",
            {"data": json.dumps({"KYC-1": "no"}), "content_type": "application/json"},
        ),
    ]


def state() -> tuple:
    files = sorted(str(p) for p in (Path(settings.MEDIA_ROOT) / "evidence").rglob("*") if p.is_file())
    return (
        list(Answer.objects.order_by("pk").values_list("criterion_code", "value", "na", "comment")),
        list(Evidence.objects.order_by("pk").values_list("pk", "sha256")),
        list(Assessment.objects.order_by("pk").values_list("pk", "status")),
        Snapshot.objects.count(),
        AuditEvent.objects.exclude(action__startswith="portal.user.").count(),
        files,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("persona", OUTSIDERS)
def test_outsiders_get_404_everywhere_and_nothing_changes(request, client_for, persona, a_with_evidence, draft_b):
    assessment, evidence = a_with_evidence
    client = client_for(request.getfixturevalue(persona))
    before = state()
    for method, url, kwargs in requests_for(assessment, evidence):
        kwargs = dict(kwargs)
        data = kwargs.pop("data", None)
        response = (
            getattr(client, method)(url, data, **kwargs) if data is not None else getattr(client, method)(url, **kwargs)
        )
        assert response.status_code == 404, (persona, method, url, response.status_code)
    assert state() == before


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["owner_a", "editor_a", "viewer_a"])
def test_evidence_of_another_hoster_is_not_reachable_through_ones_own_assessment(
    request, client_for, persona, a_with_evidence, owner_b, draft_b
):
    services.save_answer(owner_b, draft_b, "KYC-1", services.AnswerInput(value="yes"))
    evidence_b = services.attach_evidence_file(owner_b, draft_b, "KYC-1", io.BytesIO(make_pdf("B")), "b.pdf")
    assessment_a, _evidence_a = a_with_evidence
    client = client_for(request.getfixturevalue(persona))
    before = state()
    assert client.get(f"/assessments/{assessment_a.pk}/evidence/{evidence_b.pk}/").status_code == 404
    assert client.get(f"/assessments/{draft_b.pk}/evidence/{evidence_b.pk}/").status_code == 404
    removal = client.post(f"/assessments/{assessment_a.pk}/evidence/{evidence_b.pk}/remove/")
    assert removal.status_code == (403 if persona == "viewer_a" else 404)
    assert state() == before


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_sign_in(client, a_with_evidence):
    assessment, evidence = a_with_evidence
    before = state()
    for method, url, kwargs in requests_for(assessment, evidence):
        kwargs = dict(kwargs)
        data = kwargs.pop("data", None)
        response = (
            getattr(client, method)(url, data, **kwargs) if data is not None else getattr(client, method)(url, **kwargs)
        )
        if url.startswith("/api/"):
            assert response.status_code in {401, 403}, url
        else:
            assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    assert state() == before


@pytest.mark.django_db
def test_a_missing_assessment_is_a_404_like_a_foreign_one(client_for, owner_a, questionnaire):
    client = client_for(owner_a)
    assert client.get("/assessments/999999/").status_code == 404
    assert client.get("/api/v1/assessments/999999/answers/").status_code == 404
