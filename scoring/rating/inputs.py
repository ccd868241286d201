"""The engine's inputs from the database: an assessment's answers (self-assessed or verified) and the hoster's
metrics over the assessment's period — with its hash-check statistics when the model reads them — one at a time or
for a batch, and answers and metrics as JSON."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, TypeAlias

from django.utils import timezone

from assessments.models import Answer, Assessment, QuestionnaireVersion
from assessments.review import accepted_answers
from portal.models import Hoster
from scoring.engine import HashChecks, HashCheckWeek, Metrics, ScoredAnswer, ScoringInputError, ScoringModel
from scoring.measurement.hashchecks import hash_check_windows, last_whole_week
from scoring.measurement.metrics import as_datetime, hoster_metrics
from scoring.rating.models import Rating, ScoringModelVersion

Basis = Rating.Basis
EngineAnswers: TypeAlias = dict[str, ScoredAnswer | None]
AcceptedCodes: TypeAlias = Collection[str]
AcceptedSource: TypeAlias = AcceptedCodes | Callable[[Assessment], AcceptedCodes] | Mapping[int, AcceptedCodes]
"""Which answers an auditor accepted: codes for one assessment, a callable, or assessment pk -> codes."""


# Answers, and what-if answers and metrics as JSON ----------------------------------------------------------


def _accepted_map(assessments: Sequence[Assessment], accepted: AcceptedSource | None) -> Mapping[int, AcceptedCodes]:
    if accepted is None:
        return accepted_answers(assessments)
    if callable(accepted):
        return {assessment.pk: accepted(assessment) for assessment in assessments}
    if isinstance(accepted, Mapping):
        return accepted
    return {assessment.pk: accepted for assessment in assessments}


def _engine_answers(
    rows: Iterable[tuple[str, str, bool]], scored: Collection[str], basis: str, accepted: AcceptedCodes
) -> EngineAnswers:
    """Current answers as the engine takes them; for the verified basis an answer not accepted counts 0 points."""
    answers: EngineAnswers = {}
    for code, value, na in rows:
        if code not in scored:
            continue
        if basis == Basis.VERIFIED and code not in accepted:
            answers[code] = None
        elif na:
            answers[code] = ScoredAnswer(value=None, na=True)
        else:
            answers[code] = ScoredAnswer(value=value) if value else None
    return answers


def _scored_codes(questionnaire: QuestionnaireVersion) -> frozenset[str]:
    return frozenset(criterion.code for criterion in questionnaire.parsed.criteria if criterion.scored)


def answers_for(
    assessment: Assessment, basis: str = Basis.SELF_ASSESSED, accepted: AcceptedSource | None = None
) -> EngineAnswers:
    """The engine's answers of `assessment`: every current answer (self-assessed) or only accepted ones (verified)."""
    rows = assessment.answers.values_list("criterion_code", "value", "na")
    codes = _accepted_map([assessment], accepted).get(assessment.pk, ()) if basis == Basis.VERIFIED else ()
    return _engine_answers(rows, _scored_codes(assessment.questionnaire), basis, codes)


def answers_as_json(answers: Mapping[str, ScoredAnswer | None]) -> dict[str, Any]:
    """The answers in the form `score --answers` reads: `{code: value}`, null, or `{"na": true}`."""
    result: dict[str, Any] = {}
    for code, answer in sorted(answers.items()):
        if answer is None:
            result[code] = None
        elif answer.na:
            result[code] = {"na": True}
        else:
            result[code] = answer.value
    return result


def parse_answers_json(data: object) -> EngineAnswers:
    """Answers from JSON: `{code: value | null | {"value": ..., "na": bool}}`; raises ScoringInputError."""
    if not isinstance(data, dict):
        raise ScoringInputError(f"answers: expected a JSON object {{criterion code: option value}}, got {_kind(data)}")
    answers: EngineAnswers = {}
    for code, given in data.items():
        if isinstance(given, dict):
            unknown = sorted(set(given) - {"value", "na"})
            if unknown:
                raise ScoringInputError(f"answers: {code}: unknown key(s) {', '.join(unknown)}; use value and na")
            na, value = given.get("na", False), given.get("value")
            if not isinstance(na, bool):
                raise ScoringInputError(f"answers: {code}: na must be true or false, got {na!r}")
        else:
            na, value = False, given
        if value is not None and not isinstance(value, str):
            raise ScoringInputError(f"answers: {code}: the answer must be an option value in quotes, got {value!r}")
        answers[code] = ScoredAnswer(value=value, na=na) if (na or value) else None
    return answers


def parse_metrics_json(data: object) -> Metrics:
    """One metrics row as DESIGN §4.2 (keys the engine does not use are ignored); raises ScoringInputError."""
    if not isinstance(data, dict):
        raise ScoringInputError(f"metrics: expected a JSON object with the keys of one hoster row, got {_kind(data)}")
    return Metrics.from_dict(data)


def _kind(data: object) -> str:
    return {list: "a list", str: "text", type(None): "null"}.get(type(data), type(data).__name__)


# Metrics ------------------------------------------------------------------------------------------------------


def measurement_window(assessment: Assessment, now: datetime | None = None) -> tuple[datetime, datetime, datetime]:
    """`[from, to)` of the assessment's period and the cut-off: the period's end, or now while it runs."""
    start = as_datetime(assessment.period_start)
    end = as_datetime(assessment.period_end_exclusive)
    return start, end, min(end, now or timezone.now())


def _metrics_row(
    row: Mapping[str, Any], norm_hours: float, start: datetime, end: datetime, as_of: datetime
) -> dict[str, Any]:
    return {
        **row,
        "norm_hours": norm_hours,
        "from": timezone.localtime(start).date().isoformat(),
        "to": timezone.localtime(end).date().isoformat(),
        "as_of": timezone.localtime(as_of).isoformat(),
    }


def metrics_for(assessment: Assessment, model: ScoringModelVersion | ScoringModel) -> dict[str, Any]:
    """The hoster's measured data over the assessment's period at the model's norm, as stored with a rating."""
    start, end, as_of = measurement_window(assessment)
    [row] = hoster_metrics(start, end, as_of=as_of, norm_hours=model.norm_hours, hoster=assessment.hoster)
    return with_hash_checks(_metrics_row(row, model.norm_hours, start, end, as_of), model, assessment.hoster, as_of)


def _hash_check_weeks(model: ScoringModelVersion | ScoringModel) -> int | None:
    return (model.parsed if isinstance(model, ScoringModelVersion) else model).hash_check_weeks


def _hash_checks_json(window: Sequence[tuple[date, int, int]], last_week: date) -> dict[str, Any]:
    """The engine's `hash_checks` (`scoring.engine.HashChecks`) as JSON: the covered weeks up to `last_week`."""
    weeks = tuple(HashCheckWeek(week, checks, hits) for week, checks, hits in window)
    return HashChecks(last_week=last_week, weeks=weeks).to_dict()


def with_hash_checks(
    row: dict[str, Any], model: ScoringModelVersion | ScoringModel, hoster: Hoster, as_of: datetime
) -> dict[str, Any]:
    """`row` with the hoster's hash-check statistics over the last weeks whole at `as_of` when `model` reads them
    (MEA-4 and its gate, from good-hoster-2026); unchanged for a model that does not. Statistics that cover none of
    those weeks are given as an empty list, which the engine judges inconclusive."""
    weeks = _hash_check_weeks(model)
    if weeks is None:
        return row
    last_week = last_whole_week(as_of)
    window = hash_check_windows([hoster.pk], last_week, weeks)[hoster.pk]
    return {**row, "hash_checks": _hash_checks_json(window, last_week)}


# A batch's inputs with a few queries --------------------------------------------------------------------------


def batch_answers(
    assessments: Sequence[Assessment], basis: str, accepted: AcceptedSource | None
) -> dict[int, EngineAnswers]:
    """Every assessment's answers with one query."""
    rows: dict[int, list[tuple[str, str, bool]]] = {assessment.pk: [] for assessment in assessments}
    answers = Answer.objects.filter(assessment__in=[a.pk for a in assessments]).values_list(
        "assessment_id", "criterion_code", "value", "na"
    )
    for assessment_id, code, value, na in answers.iterator(chunk_size=10_000):
        rows[assessment_id].append((code, value, na))
    accepted_map = _accepted_map(assessments, accepted) if basis == Basis.VERIFIED else {}
    scored: dict[int, frozenset[str]] = {}
    result: dict[int, EngineAnswers] = {}
    for assessment in assessments:
        questionnaire = assessment.questionnaire
        if questionnaire.pk not in scored:
            scored[questionnaire.pk] = _scored_codes(questionnaire)
        codes = accepted_map.get(assessment.pk, ())
        result[assessment.pk] = _engine_answers(rows[assessment.pk], scored[questionnaire.pk], basis, codes)
    return result


def batch_metrics(
    assessments: Sequence[Assessment], norm_hours: float, hash_check_weeks: int | None = None
) -> dict[int, dict[str, Any]]:
    """Every assessment's metrics with one `hoster_metrics` query per distinct period, and with `hash_check_weeks`
    (the model's `hash_check_weeks`) the hash-check statistics over that many weeks, one more query per period."""
    by_period: dict[tuple[date, date], list[Assessment]] = {}
    for assessment in assessments:
        by_period.setdefault((assessment.period_start, assessment.period_end), []).append(assessment)
    result: dict[int, dict[str, Any]] = {}
    for group in by_period.values():
        start, end, as_of = measurement_window(group[0])
        rows = {row["hoster"]: row for row in hoster_metrics(start, end, as_of=as_of, norm_hours=norm_hours)}
        last_week = last_whole_week(as_of)
        windows = (
            hash_check_windows([assessment.hoster_id for assessment in group], last_week, hash_check_weeks)
            if hash_check_weeks is not None
            else {}
        )
        for assessment in group:
            row = rows.get(assessment.hoster.slug)
            if row is None:  # a hoster registered after the query started
                [row] = hoster_metrics(start, end, as_of=as_of, norm_hours=norm_hours, hoster=assessment.hoster)
            result[assessment.pk] = _metrics_row(row, norm_hours, start, end, as_of)
            if hash_check_weeks is not None:
                result[assessment.pk]["hash_checks"] = _hash_checks_json(windows[assessment.hoster_id], last_week)
    return result
