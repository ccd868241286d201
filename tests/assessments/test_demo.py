"""The assessments demo: a half-filled draft and a submitted assessment with real evidence, seeded once."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.management import call_command

from assessments import services
from assessments.evidence import detect_document
from assessments.models import Answer, Assessment, Evidence, Snapshot


@pytest.mark.django_db
def test_seed_demo_adds_a_draft_and_a_submitted_assessment_once():
    call_command("seed_demo", stdout=io.StringIO())
    draft = Assessment.objects.get(hoster__slug="bulkhost")
    submitted = Assessment.objects.get(hoster__slug="cleanhost")
    assert draft.status == Assessment.Status.DRAFT
    assert 0 < services.progress_of(draft).percent < 100
    assert submitted.status == Assessment.Status.SUBMITTED
    assert services.progress_of(submitted).percent == 100
    assert Snapshot.objects.filter(assessment=submitted).count() == 1
    documents = Evidence.objects.filter(answer__assessment=submitted, kind=Evidence.Kind.FILE)
    assert documents.exists()
    for evidence in documents:
        content = evidence.file.read()
        assert hashlib.sha256(content).hexdigest() == evidence.sha256
        assert detect_document(content).kind == "pdf"
    assert not Assessment.objects.filter(hoster__slug="steadyhost").exists()

    counts = (Assessment.objects.count(), Answer.objects.count(), Evidence.objects.count(), Snapshot.objects.count())
    call_command("seed_demo", stdout=io.StringIO())
    assert (
        Assessment.objects.count(),
        Answer.objects.count(),
        Evidence.objects.count(),
        Snapshot.objects.count(),
    ) == counts
