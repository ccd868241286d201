"""Benchmark: rescore 2,000 assessments after a model change (goal: 2 s on PostgreSQL); run with `make bench`."""

from __future__ import annotations

import os
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection

from assessments.models import Answer, Assessment, QuestionnaireVersion
from portal.models import Hoster
from scoring.measurement.models import ImportBatch, Notice
from scoring.rating.models import Rating
from scoring.rating.scorecards import model_version, rescore_all

ASSESSMENTS = int(os.environ.get("BENCH_ASSESSMENTS", "2000"))
NOTICES_PER_HOSTER = 25
GOAL_SECONDS = 2.0


def build(count: int) -> None:
    """`count` hosters, each with one draft assessment fully answered and some notices."""
    questionnaire = QuestionnaireVersion.objects.current()
    scored = [criterion for criterion in questionnaire.parsed.criteria if criterion.scored]
    # Mostly the best option, now and then the second best, so that the grades vary.
    ranked = {c.code: [o.value for o in sorted(c.options, key=lambda o: -o.points)] for c in scored}
    hosters = Hoster.objects.bulk_create(
        [Hoster(slug=f"bench-{index:05d}", name=f"Bench {index}") for index in range(count)]
    )
    assessments = Assessment.objects.bulk_create(
        [
            Assessment(
                hoster=hoster,
                questionnaire=questionnaire,
                period_start=date(2025, 1, 1),
                period_end=date(2025, 12, 31),
            )
            for hoster in hosters
        ]
    )
    Answer.objects.bulk_create(
        [
            Answer(
                assessment=assessment,
                criterion_code=criterion.code,
                value=ranked[criterion.code][min((index * position) % 7 // 5, len(criterion.options) - 1)],
            )
            for index, assessment in enumerate(assessments)
            for position, criterion in enumerate(scored)
        ],
        batch_size=5000,
    )
    batch = ImportBatch.objects.create(source="bench", status=ImportBatch.Status.SUCCEEDED)
    start = datetime(2025, 2, 1, tzinfo=UTC)
    Notice.objects.bulk_create(
        [
            Notice(
                source="bench",
                notice_id=f"{hoster.pk}-{number}",
                reported_at=start + timedelta(hours=7 * number + index % 13),
                removed_at=None
                if (number + index) % 17 == 0
                else start + timedelta(hours=7 * number + index % 13 + (number * index) % 40),
                hoster=hoster,
                attribution="explicit",
                batch=batch,
            )
            for index, hoster in enumerate(hosters)
            for number in range(NOTICES_PER_HOSTER)
        ],
        batch_size=5000,
    )


@pytest.mark.bench
@pytest.mark.django_db(transaction=True)
def test_rescore_two_thousand_assessments() -> None:
    build(ASSESSMENTS)
    version = model_version("good-hoster-2024")
    version.parsed  # noqa: B018 - parse once, as a running server has
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        result = rescore_all(version)
        runs.append(time.perf_counter() - started)
        assert result.ratings == ASSESSMENTS
    assert Rating.objects.count() == 3 * ASSESSMENTS
    best = min(runs)
    print(
        f"\nrescore_all on {connection.vendor}: {ASSESSMENTS} assessments, {ASSESSMENTS * NOTICES_PER_HOSTER} notices;"
        f" runs {', '.join(f'{seconds:.2f} s' for seconds in runs)}; best {best:.2f} s"
        f" ({ASSESSMENTS / best:.0f} assessments/s; goal {GOAL_SECONDS} s); grades {result.grades}"
    )
