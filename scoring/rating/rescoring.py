"""Batches of ratings: scoring many assessments at once, and rescoring every current one under a model."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import F, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from assessments.models import Assessment, QuestionnaireVersion
from portal.audit import log_action
from portal.models import User
from scoring.engine import Metrics, ScoreCard, score
from scoring.rating.inputs import AcceptedSource, Basis, EngineAnswers, batch_answers, batch_metrics
from scoring.rating.models import Rating, ScoringModelVersion
from scoring.rating.publishing import engine_model


def current_assessments() -> QuerySet[Assessment]:
    """Per hoster its latest assessment that was not rejected: what a model change would affect."""
    latest_first = Window(
        RowNumber(),
        partition_by=[F("hoster_id")],
        order_by=[F("period_end").desc(), F("created_at").desc(), F("pk").desc()],
    )
    return (
        Assessment.objects.exclude(status=Assessment.Status.REJECTED)
        .annotate(position=latest_first)
        .filter(position=1)
        .select_related("hoster", "questionnaire")
    )


_BATCH_FIELDS = ("pk", "hoster_id", "questionnaire_id", "period_start", "period_end", "hoster__slug", "hoster__name")


def prepare_batch(assessments: Iterable[Assessment] | None) -> list[Assessment]:
    """The assessments with just the columns scoring needs, sharing one instance per questionnaire version,
    so that each version's definition is decoded and parsed once per batch rather than once per assessment."""
    if assessments is None:
        assessments = current_assessments()
    if isinstance(assessments, QuerySet):
        assessments = assessments.select_related(None).select_related("hoster").only(*_BATCH_FIELDS)
    batch = list(assessments)
    versions = QuestionnaireVersion.objects.in_bulk({assessment.questionnaire_id for assessment in batch})
    for assessment in batch:
        assessment.questionnaire = versions[assessment.questionnaire_id]
    return batch


@dataclass(frozen=True)
class Scored:
    assessment: Assessment
    metrics: dict[str, Any]
    card: ScoreCard


def score_many(
    version: ScoringModelVersion,
    assessments: Iterable[Assessment] | None = None,
    basis: str = Basis.SELF_ASSESSED,
    *,
    accepted: AcceptedSource | None = None,
    answers: Mapping[int, EngineAnswers] | None = None,
) -> list[Scored]:
    """Score many assessments at once (the current ones by default); reads only."""
    batch = prepare_batch(assessments)
    answers = answers if answers is not None else batch_answers(batch, basis, accepted)
    metrics = batch_metrics(batch, version.norm_hours, version.parsed.hash_check_weeks)
    scored: list[Scored] = []
    for assessment in batch:
        model = engine_model(version, assessment)
        card = score(model, answers[assessment.pk], Metrics.from_dict(metrics[assessment.pk]))
        scored.append(Scored(assessment, metrics[assessment.pk], card))
    return scored


@dataclass(frozen=True)
class RescoreResult:
    model: str
    basis: str
    ratings: int
    grades: dict[str, int]


_COPY_COLUMNS = (
    "assessment_id",
    "model_version_id",
    "basis",
    "score",
    "grade",
    "grade_by_score",
    "certifiable_by_score",
    "scorecard",
    "metrics",
    "computed_at",
    "created_by_id",
)


def _insert_ratings(ratings: list[Rating]) -> None:
    """Insert many ratings at once: COPY on PostgreSQL (a bulk INSERT spends seconds quoting the JSON client-side)."""
    if connection.vendor != "postgresql":
        Rating.objects.bulk_create(ratings, batch_size=1000)
        return
    columns = ", ".join(_COPY_COLUMNS)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {Rating._meta.db_table} ({columns}) FROM STDIN") as copy,
    ):
        for rating in ratings:
            copy.write_row(
                (
                    rating.assessment_id,
                    rating.model_version_id,
                    rating.basis,
                    rating.score,
                    rating.grade,
                    rating.grade_by_score,
                    rating.certifiable_by_score,
                    json.dumps(rating.scorecard, cls=DjangoJSONEncoder),
                    None if rating.metrics is None else json.dumps(rating.metrics, cls=DjangoJSONEncoder),
                    rating.computed_at,
                    rating.created_by_id,
                )
            )


@transaction.atomic
def rescore_all(
    model_version: ScoringModelVersion,
    basis: str = Basis.SELF_ASSESSED,
    *,
    assessments: Iterable[Assessment] | None = None,
    accepted: AcceptedSource | None = None,
    user: User | None = None,
) -> RescoreResult:
    """A new rating for every current assessment (or the given ones) under `model_version`; one audit event."""
    computed_at = timezone.now()
    created_by = user if user is not None and user.is_authenticated else None
    scored = score_many(model_version, assessments, basis, accepted=accepted)
    _insert_ratings(
        [
            Rating.of_card(
                item.card,
                item.assessment,
                model_version,
                basis,
                metrics=item.metrics,
                computed_at=computed_at,
                created_by=created_by,
            )
            for item in scored
        ]
    )
    grades = dict(sorted(Counter(item.card.grade for item in scored).items()))
    log_action(
        user,
        "scoring.ratings.rescored",
        model_version,
        {"model": str(model_version), "basis": basis, "ratings": len(scored), "grades": grades},
    )
    return RescoreResult(str(model_version), basis, len(scored), grades)
