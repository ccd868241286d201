"""The rating stage's services: an assessment's score card computed from the database (`evaluate`), kept as a rating
(`save_rating`); and, from the stage's other modules, publishing models, the engine's inputs, rescoring and impact."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from assessments.models import Assessment, Decision
from portal.audit import log_action
from portal.models import User
from scoring.engine import Metrics, ScoreCard, ScoringInputError, ScoringModel, score
from scoring.rating.impact import compare_models
from scoring.rating.inputs import (
    AcceptedSource,
    Basis,
    EngineAnswers,
    answers_as_json,
    answers_for,
    metrics_for,
    parse_answers_json,
    parse_metrics_json,
)
from scoring.rating.models import Rating, ScoringModelVersion
from scoring.rating.publishing import UnknownScoringModel, engine_model, load_scoring_models, model_version
from scoring.rating.rescoring import current_assessments, rescore_all

__all__ = [
    "Evaluation",
    "ScoringInputError",
    "UnknownScoringModel",
    "answers_as_json",
    "answers_for",
    "compare_models",
    "compute_scorecard",
    "current_assessments",
    "evaluate",
    "load_scoring_models",
    "metrics_for",
    "model_version",
    "parse_answers_json",
    "parse_metrics_json",
    "rescore_all",
    "save_rating",
    "score",
]


@dataclass(frozen=True)
class Evaluation:
    """A computed score card with everything that went into it, so that it can be explained and reproduced."""

    assessment: Assessment
    model_version: ScoringModelVersion
    model: ScoringModel
    basis: str
    answers: EngineAnswers
    metrics: dict[str, Any] | None
    card: ScoreCard

    @property
    def answers_json(self) -> dict[str, Any]:
        return answers_as_json(self.answers)


def evaluate(
    assessment: Assessment,
    version: ScoringModelVersion | None = None,
    basis: str = Basis.SELF_ASSESSED,
    *,
    accepted: AcceptedSource | None = None,
) -> Evaluation:
    """Score `assessment` with the engine (the model in force by default); reads only, never writes."""
    version = version or model_version()
    model = engine_model(version, assessment)
    answers = answers_for(assessment, basis, accepted)
    metrics = metrics_for(assessment, model)
    card = score(model, answers, Metrics.from_dict(metrics))
    return Evaluation(assessment, version, model, basis, answers, metrics, card)


def compute_scorecard(
    assessment: Assessment,
    model_version: ScoringModelVersion | None = None,
    basis: str = Basis.SELF_ASSESSED,
    *,
    accepted: AcceptedSource | None = None,
) -> ScoreCard:
    """The score card of `assessment`; never writes (saving it is `save_rating`)."""
    return evaluate(assessment, model_version, basis, accepted=accepted).card


@transaction.atomic
def save_rating(
    user: User | None,
    assessment: Assessment,
    model_version: ScoringModelVersion | None = None,
    basis: str = Basis.SELF_ASSESSED,
    *,
    accepted: AcceptedSource | None = None,
    decision: Decision | None = None,
) -> Rating:
    """Compute the card now and keep it as a rating, with the metrics it used (and the auditor's decision it
    verifies); one audit event."""
    evaluation = evaluate(assessment, model_version, basis, accepted=accepted)
    rating = Rating.of_card(
        evaluation.card,
        assessment,
        evaluation.model_version,
        basis,
        metrics=evaluation.metrics,
        decision=decision,
        created_by=user if user is not None and user.is_authenticated else None,
    )
    rating.save()
    log_action(
        user,
        "scoring.rating.saved",
        rating,
        {
            "assessment": assessment.pk,
            "model": str(evaluation.model_version),
            "basis": basis,
            "score": evaluation.card.score,
            "grade": evaluation.card.grade,
        },
    )
    return rating
