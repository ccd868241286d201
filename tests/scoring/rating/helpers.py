"""Helpers of the score-card tests: assessments with answers and notices written straight to the database."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta

from assessments.models import Answer, Assessment, QuestionnaireVersion
from portal.models import Hoster, User
from scoring.measurement.models import ImportBatch, Notice

PERIOD = (date(2025, 1, 1), date(2025, 12, 31))
NA = object()
"""Marks a justified N/A answer in `set_answers`."""


def questionnaire() -> QuestionnaireVersion:
    version = QuestionnaireVersion.objects.current()
    assert version is not None, "the post_migrate loader should have published the questionnaire"
    return version


def best_answers() -> dict[str, str]:
    return {
        criterion.code: max(criterion.options, key=lambda option: option.points).value
        for criterion in questionnaire().parsed.criteria
        if criterion.scored
    }


def make_assessment(
    hoster: Hoster,
    answers: Mapping[str, object] | None = None,
    *,
    user: User | None = None,
    status: str = Assessment.Status.DRAFT,
    period: tuple[date, date] = PERIOD,
) -> Assessment:
    assessment = Assessment.objects.create(
        hoster=hoster,
        questionnaire=questionnaire(),
        period_start=period[0],
        period_end=period[1],
        status=status,
        created_by=user,
    )
    set_answers(assessment, best_answers() if answers is None else answers)
    return assessment


def set_answers(assessment: Assessment, answers: Mapping[str, object]) -> None:
    Answer.objects.filter(assessment=assessment, criterion_code__in=list(answers)).delete()
    Answer.objects.bulk_create(
        [
            Answer(assessment=assessment, criterion_code=code, na=True, justification="Not offered.")
            if value is NA
            else Answer(assessment=assessment, criterion_code=code, value=value or "")
            for code, value in answers.items()
        ]
    )


def add_notices(
    hoster: Hoster,
    removal_hours: list[float | None],
    *,
    start: datetime = datetime(2025, 3, 1, 12, tzinfo=UTC),
    prefix: str = "",
) -> None:
    """One notice per entry, a day apart, removed after that many hours (None: still open)."""
    batch = ImportBatch.objects.create(source="test", status=ImportBatch.Status.SUCCEEDED)
    label = prefix or hoster.slug
    Notice.objects.bulk_create(
        [
            Notice(
                source="test",
                notice_id=f"{label}-{index}",
                reported_at=start + timedelta(days=index),
                removed_at=None if hours is None else start + timedelta(days=index, hours=hours),
                hoster=hoster,
                attribution="explicit",
                batch=batch,
            )
            for index, hours in enumerate(removal_hours)
        ]
    )
