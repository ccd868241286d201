"""The assessments demo: every review state once, with real evidence, reviews and a decision; seeded once."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.management import call_command

from assessments import services
from assessments.evidence import detect_document
from assessments.models import Answer, AnswerReview, Assessment, Comment, Decision, Evidence, Snapshot


def _open(slug: str) -> Assessment:
    return Assessment.objects.open().get(hoster__slug=slug)


@pytest.mark.django_db
def test_seed_demo_has_every_review_state_once():
    call_command("seed_demo", stdout=io.StringIO())
    draft = _open("bulkhost")
    assert draft.status == Assessment.Status.DRAFT
    assert 0 < services.progress_of(draft).percent < 100
    submitted = _open("cleanhost")
    assert submitted.status == Assessment.Status.SUBMITTED and not submitted.assignments.exists()
    assert services.progress_of(submitted).percent == 100
    assert Snapshot.objects.filter(assessment=submitted).count() == 1
    in_review = _open("steadyhost")
    assert in_review.status == Assessment.Status.IN_REVIEW
    assert in_review.assignments.get().auditor.email == "auditor@goodhoster.example"
    changes = _open("tidyhost")
    assert changes.status == Assessment.Status.CHANGES_REQUESTED
    assert services.codes_in_question(changes) == ["HCS-2", "NTD-3"]
    assert Comment.objects.filter(assessment=changes, criterion_code="HCS-2").exists()
    approved = Decision.objects.get(assessment__hoster__slug="tidyhost", outcome="approved")
    assert approved.rating is not None and not approved.certifiable and approved.rationale
    assert Decision.objects.filter(assessment__hoster__slug="steadyhost", outcome="rejected").exists()
    documents = Evidence.objects.filter(answer__assessment=submitted, kind=Evidence.Kind.FILE)
    assert documents.exists()
    for evidence in documents:
        content = evidence.file.read()
        assert hashlib.sha256(content).hexdigest() == evidence.sha256
        assert detect_document(content).kind == "pdf"

    def counts() -> tuple[int, ...]:
        return (
            Assessment.objects.count(),
            Answer.objects.count(),
            Evidence.objects.count(),
            Snapshot.objects.count(),
            AnswerReview.objects.count(),
            Comment.objects.count(),
            Decision.objects.count(),
        )

    before = counts()
    call_command("seed_demo", stdout=io.StringIO())
    assert counts() == before
