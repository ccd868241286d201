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
