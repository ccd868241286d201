"""Fixtures of the assessment tests: drafts for hosters A and B on the published questionnaire."""

from __future__ import annotations

from datetime import date

import pytest

from assessments import services
from assessments.models import Assessment, QuestionnaireVersion


@pytest.fixture
def questionnaire(db) -> QuestionnaireVersion:
    version = QuestionnaireVersion.objects.current()
    assert version is not None, "the post_migrate loader should have published the fixtures"
    return version


@pytest.fixture
def draft_a(questionnaire, owner_a, hoster_a) -> Assessment:
    return services.start_assessment(owner_a, hoster_a, date(2025, 1, 1), date(2025, 12, 31))


@pytest.fixture
def draft_b(questionnaire, owner_b, hoster_b) -> Assessment:
    return services.start_assessment(owner_b, hoster_b, date(2025, 1, 1), date(2025, 12, 31))


@pytest.fixture
def submitted_a(owner_a, draft_a) -> Assessment:
    """Hoster A's assessment, every answer at its best option with the evidence each one needs, submitted."""
    from tests.assessments.helpers import answer_everything

    answer_everything(owner_a, draft_a)
    services.submit_assessment(owner_a, draft_a, send_mail=False)
    draft_a.refresh_from_db()
    return draft_a


@pytest.fixture
def in_review_a(submitted_a, supervisor, auditor) -> Assessment:
    """Hoster A's submitted assessment with `auditor` assigned: in review."""
    from assessments import review

    review.assign_auditor(supervisor, submitted_a, auditor, send_mail=False)
    submitted_a.refresh_from_db()
    return submitted_a
