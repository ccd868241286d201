"""The rating stage's services: an assessment's score card computed from the database (`evaluate`), kept as a rating
(`save_rating`); from the stage's other modules, publishing models, the engine's inputs, rescoring and impact; and
the card in words for the pages (`card_context`): criteria and gates by their titles in the reader's language."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from assessments.models import Assessment, Decision
from portal.audit import log_action
from portal.models import User
from scoring.engine import (
    CriterionResult,
    GateResult,
    MeasuredKind,
    Metrics,
    ScoreCard,
    ScoringInputError,
    ScoringModel,
    Status,
    score,
)
from scoring.measurement.methodology import Methodology, methodology_of
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
    "STATUS_LABELS",
    "CriterionLine",
    "Evaluation",
    "GateLine",
    "ScoringInputError",
    "UnknownScoringModel",
    "answers_as_json",
    "answers_for",
    "card_context",
    "compare_models",
    "compute_scorecard",
    "current_assessments",
    "evaluate",
    "explain_criteria",
    "explain_gates",
    "gate_titles",
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


# The card in words -------------------------------------------------------------------------------------------

STATUS_LABELS = {
    Status.SCORED: gettext_lazy("scored"),
    Status.NA: gettext_lazy("not applicable"),
    Status.INCONCLUSIVE: gettext_lazy("inconclusive"),
    Status.UNANSWERED: gettext_lazy("unanswered (0 points)"),
}


@dataclass(frozen=True)
class CriterionLine:
    """A criterion of a card as a page shows it: its title in the reader's language, then what counted."""

    code: str
    title: str
    answer: str
    result: CriterionResult
    status_label: str


@dataclass(frozen=True)
class GateLine:
    """A gate of a card as a page shows it: named by its title; `reason` says why it failed or is inconclusive."""

    code: str
    title: str
    result: GateResult
    reason: str


def reader_language() -> str:
    return get_language() or "en"


def _measured_answer(kind: MeasuredKind, value: Any, weeks: int | None) -> str:
    if value is None:
        return _("no data")
    if kind is MeasuredKind.WITHIN_NORM:
        return _("%(pct).2f%% removed within the norm") % {"pct": 100 * value}
    if kind is MeasuredKind.SLOWEST_DECILE:
        return _("90th percentile %(hours).2f hours") % {"hours": value}
    if kind is MeasuredKind.HASH_CHECK_WEEKS:
        return _("hash checks in %(count)s of the last %(weeks)s weeks") % {"count": value, "weeks": weeks}
    return _("%(count)s open beyond the norm") % {"count": value}


def criterion_title(model: ScoringModel, code: str) -> str:
    """A criterion's title in the reader's language: the question, or the measured criterion's title."""
    language = reader_language()
    for item in model.measured:
        if item.code == code:
            return item.title.get_text(language)
    criterion = model.criteria_by_code.get(code)
    return criterion.text.get_text(language) if criterion is not None else code


def _answer_text(model: ScoringModel, result: CriterionResult) -> str:
    measured = {item.code: item for item in model.measured}
    if result.code in measured:
        item = measured[result.code]
        return _measured_answer(item.kind, result.answer, item.weeks)
    if result.status is Status.NA:
        return _("not applicable")
    if result.answer is None:
        return _("not answered")
    criterion = model.criteria_by_code.get(result.code)
    try:
        return criterion.option(str(result.answer)).label.get_text(reader_language()) if criterion else ""
    except KeyError:
        return str(result.answer)


def explain_criteria(model: ScoringModel, card: ScoreCard) -> list[CriterionLine]:
    """Per criterion a line in the reader's language: what was answered or measured, points, weight, contribution."""
    return [
        CriterionLine(
            result.code,
            criterion_title(model, result.code),
            _answer_text(model, result),
            result,
            str(STATUS_LABELS[result.status]),
        )
        for result in card.criteria
    ]


def gate_titles(model: ScoringModel, codes: Iterable[str]) -> list[str]:
    """The gates' titles in the reader's language (the model's `title`), for naming gates in a sentence."""
    language = reader_language()
    titles = {gate.code: gate.title.get_text(language) for gate in model.gates}
    return [titles.get(code, code) for code in codes]


def explain_gates(model: ScoringModel, gates: Iterable[GateResult]) -> list[GateLine]:
    """Per gate its title and, when it failed or could not be judged, the reason, in the reader's language."""
    language = reader_language()
    gates = tuple(gates)
    titles = gate_titles(model, (gate.code for gate in gates))
    return [
        GateLine(
            gate.code,
            title,
            gate,
            gate.reason.get_text(language) if (not gate.passed or gate.inconclusive) else "",
        )
        for gate, title in zip(gates, titles, strict=True)
    ]


def card_context(model: ScoringModel, card: ScoreCard) -> dict[str, Any]:
    """What `scoring/scorecard/_card.html` shows: the card, its model's title, criteria and gates in words."""
    return {
        "card": card,
        "model": model,
        "model_title": model.title.get_text(reader_language()),
        "criteria_lines": explain_criteria(model, card),
        "gate_lines": explain_gates(model, card.gates),
        "contribution_total": round(sum(item.contribution for item in card.criteria), 2),
    }


@dataclass(frozen=True)
class MeasuredPeriod:
    """The days a metrics row covers and the moment its removal times were counted up to, for a caption."""

    first: date
    last: date
    as_of: datetime
    methodology: Methodology | None = None  # of figures computed now: the current one at the row's norm and cut-off


def measured_period(metrics: dict[str, Any] | None) -> MeasuredPeriod | None:
    """The period of a metrics row as `metrics_for` makes it (`from`, exclusive `to`, `as_of` in ISO 8601)."""
    if not metrics or not all(metrics.get(key) for key in ("from", "to", "as_of")):
        return None
    last = date.fromisoformat(metrics["to"]) - timedelta(days=1)
    as_of = datetime.fromisoformat(metrics["as_of"])
    used = methodology_of(metrics, float(metrics["norm_hours"])) if metrics.get("norm_hours") else None
    return MeasuredPeriod(date.fromisoformat(metrics["from"]), last, as_of, used)
