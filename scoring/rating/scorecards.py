"""Score-card services: publishing scoring models, the engine's inputs from the database, ratings, rescoring, impact."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import F, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from assessments.models import Answer, Assessment, Decision, QuestionnaireVersion
from assessments.review import accepted_answers
from portal.audit import log_action
from portal.models import User
from portal.versioning import Published, checksum, publish_once
from scoring.engine import (
    AnswerInput,
    Metrics,
    ModelError,
    ScoreCard,
    ScoringInputError,
    ScoringModel,
    parse_scoring_model,
    score,
)
from scoring.measurement.metrics import as_datetime, hoster_metrics
from scoring.rating.models import Rating, ScoringModelVersion

Basis = Rating.Basis
EngineAnswers = dict[str, AnswerInput | None]
AcceptedCodes = Collection[str]
AcceptedSource = AcceptedCodes | Callable[[Assessment], AcceptedCodes] | Mapping[int, AcceptedCodes]
"""Which answers an auditor accepted: codes for one assessment, a callable, or assessment pk -> codes."""


class UnknownScoringModel(LookupError):
    """No published scoring model has the requested code."""


# Publishing ---------------------------------------------------------------------------------------------------


def scoring_model_dir() -> Path:
    return Path(settings.BASE_DIR) / "fixtures" / "scoring"


def _read_model_file(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ModelError(f"{path.name}: cannot read the file: {error.strerror}") from error
    except yaml.YAMLError as error:
        raise ModelError(f"{path.name}: not valid YAML: {error}") from error


def _questionnaire_of(data: Any, source: str) -> QuestionnaireVersion:
    """The published questionnaire the model names; with a malformed name, any one, so the engine explains."""
    code = data.get("questionnaire") if isinstance(data, dict) else None
    if isinstance(code, str) and code:
        questionnaire = QuestionnaireVersion.objects.current(code)
        if questionnaire is None:
            raise ModelError(f"{source}: questionnaire: '{code}' is not published; publish the questionnaire first")
        return questionnaire
    questionnaire = QuestionnaireVersion.objects.first()
    if questionnaire is None:
        raise ModelError(f"{source}: no questionnaire is published yet")
    return questionnaire


@transaction.atomic
def publish_scoring_model(path: Path) -> Published:
    """Validate `path` with the engine and store it once; the same code and version with other content is refused."""
    source = path.name
    data = _read_model_file(path)
    questionnaire = _questionnaire_of(data, source)
    model = parse_scoring_model(data, questionnaire.parsed, source)
    if path.stem != model.code:
        raise ModelError(f"{source}: code '{model.code}' does not match the file name (expected {model.code}.yaml)")
    digest = checksum(data)
    published = publish_once(
        ScoringModelVersion,
        code=model.code,
        version=model.version,
        checksum=digest,
        refusal=lambda existing: ModelError(
            f"{source}: {model.code} version {model.version} is already published with different content"
            f" (published {existing.published_at:%Y-%m-%d}); a published scoring model is immutable, so give"
            f" the changed model a new version number"
        ),
        questionnaire=questionnaire,
        title=model.title.to_dict(),
        norm_hours=model.norm_hours,
        definition=data,
        source=source,
    )
    if published.created:
        log_action(
            None,
            "scoring.model.published",
            published.version,
            {"code": model.code, "version": model.version, "checksum": digest, "source": source},
        )
    return published


def load_scoring_models(directory: Path | None = None) -> list[Published]:
    """Publish every `<code>.yaml` of the directory (fixtures/scoring by default); refuses the first bad file loudly."""
    directory = directory or scoring_model_dir()
    if not directory.is_dir():
        return []
    return [publish_scoring_model(path) for path in sorted(directory.glob("*.yaml"))]


def model_version(code: str | None = None) -> ScoringModelVersion:
    """The latest published version of `code` (the model in force when None)."""
    found = ScoringModelVersion.objects.select_related("questionnaire").current(code)
    if found is None:
        known = ", ".join(sorted(set(ScoringModelVersion.objects.values_list("code", flat=True)))) or "none"
        raise UnknownScoringModel(f"unknown scoring model {code!r} (published: {known})")
    return found


def engine_model(version: ScoringModelVersion, assessment: Assessment) -> ScoringModel:
    if version.questionnaire.code != assessment.questionnaire.code:
        raise ScoringInputError(
            f"model {version.code} scores questionnaire {version.questionnaire.code}, but the assessment"
            f" answers {assessment.questionnaire.code}"
        )
    return version.parsed_for(assessment.questionnaire)


# Inputs -------------------------------------------------------------------------------------------------------


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
            answers[code] = AnswerInput(value=None, na=True)
        else:
            answers[code] = AnswerInput(value=value) if value else None
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


def answers_as_json(answers: Mapping[str, AnswerInput | None]) -> dict[str, Any]:
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
        answers[code] = AnswerInput(value=value, na=na) if (na or value) else None
    return answers


def parse_metrics_json(data: object) -> Metrics:
    """One metrics row as DESIGN §4.2 (keys the engine does not use are ignored); raises ScoringInputError."""
    if not isinstance(data, dict):
        raise ScoringInputError(f"metrics: expected a JSON object with the keys of one hoster row, got {_kind(data)}")
    return Metrics.from_dict(data)


def _kind(data: object) -> str:
    return {list: "a list", str: "text", type(None): "null"}.get(type(data), type(data).__name__)


def measurement_window(assessment: Assessment, now: datetime | None = None) -> tuple[datetime, datetime, datetime]:
    """`[from, to)` of the assessment's period and the cut-off: the period's end, or now while it runs."""
    start = as_datetime(assessment.period_start)
    end = as_datetime(assessment.period_end_exclusive)
    return start, end, min(end, now or timezone.now())


def _metrics_row(row: Mapping[str, Any], norm_hours: float, start: datetime, end: datetime, as_of: datetime) -> dict:
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
    return _metrics_row(row, model.norm_hours, start, end, as_of)


# Computing ----------------------------------------------------------------------------------------------------


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


def _new_rating(
    card: ScoreCard, assessment: Assessment, version: ScoringModelVersion, basis: str, **fields: Any
) -> Rating:
    return Rating(
        assessment=assessment,
        model_version=version,
        basis=basis,
        score=Decimal(str(card.score)),
        grade=card.grade,
        grade_by_score=card.grade_by_score,
        certifiable_by_score=card.certifiable_by_score,
        scorecard=card.to_dict(),
        **fields,
    )


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
    rating = _new_rating(
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


# Batches ------------------------------------------------------------------------------------------------------


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


def _prepare_batch(assessments: Iterable[Assessment] | None) -> list[Assessment]:
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


def _batch_answers(
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


def _batch_metrics(assessments: Sequence[Assessment], norm_hours: float) -> dict[int, dict[str, Any]]:
    """Every assessment's metrics with one `hoster_metrics` query per distinct period."""
    by_period: dict[tuple[date, date], list[Assessment]] = {}
    for assessment in assessments:
        by_period.setdefault((assessment.period_start, assessment.period_end), []).append(assessment)
    result: dict[int, dict[str, Any]] = {}
    for group in by_period.values():
        start, end, as_of = measurement_window(group[0])
        rows = {row["hoster"]: row for row in hoster_metrics(start, end, as_of=as_of, norm_hours=norm_hours)}
        for assessment in group:
            row = rows.get(assessment.hoster.slug)
            if row is None:  # a hoster registered after the query started
                [row] = hoster_metrics(start, end, as_of=as_of, norm_hours=norm_hours, hoster=assessment.hoster)
            result[assessment.pk] = _metrics_row(row, norm_hours, start, end, as_of)
    return result


def score_many(
    version: ScoringModelVersion,
    assessments: Iterable[Assessment] | None = None,
    basis: str = Basis.SELF_ASSESSED,
    *,
    accepted: AcceptedSource | None = None,
    answers: Mapping[int, EngineAnswers] | None = None,
) -> list[Scored]:
    """Score many assessments at once (the current ones by default); reads only."""
    batch = _prepare_batch(assessments)
    answers = answers if answers is not None else _batch_answers(batch, basis, accepted)
    metrics = _batch_metrics(batch, version.norm_hours)
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
            _new_rating(
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


# Impact of a model change -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImpactRow:
    assessment: int
    hoster: str
    hoster_name: str
    score_a: float
    grade_a: str
    certifiable_a: bool
    score_b: float
    grade_b: str
    certifiable_b: bool
    direction: str
    """`up`, `down` or `same`: how the grade moves from model A to model B."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "assessment": self.assessment,
            "hoster": self.hoster,
            "a": {"score": self.score_a, "grade": self.grade_a, "certifiable_by_score": self.certifiable_a},
            "b": {"score": self.score_b, "grade": self.grade_b, "certifiable_by_score": self.certifiable_b},
            "direction": self.direction,
        }


@dataclass(frozen=True)
class Impact:
    model_a: str
    model_b: str
    rows: tuple[ImpactRow, ...]

    def count(self, direction: str) -> int:
        return sum(1 for row in self.rows if row.direction == direction)

    @property
    def losing_certifiability(self) -> tuple[ImpactRow, ...]:
        return tuple(row for row in self.rows if row.certifiable_a and not row.certifiable_b)

    @property
    def gaining_certifiability(self) -> tuple[ImpactRow, ...]:
        return tuple(row for row in self.rows if row.certifiable_b and not row.certifiable_a)

    def summary(self) -> dict[str, Any]:
        return {
            "assessments": len(self.rows),
            "up": self.count("up"),
            "down": self.count("down"),
            "same": self.count("same"),
            "lose_certifiability": [row.hoster for row in self.losing_certifiability],
            "gain_certifiability": [row.hoster for row in self.gaining_certifiability],
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "model_a": self.model_a,
            "model_b": self.model_b,
            "summary": self.summary(),
            "assessments": [row.to_dict() for row in self.rows],
        }


def compare_models(
    version_a: ScoringModelVersion,
    version_b: ScoringModelVersion,
    assessments: Iterable[Assessment] | None = None,
    basis: str = Basis.SELF_ASSESSED,
) -> Impact:
    """Every current assessment (or the given ones) under both models; reads only."""
    batch = _prepare_batch(assessments)
    answers = _batch_answers(batch, basis, None)
    under_a = score_many(version_a, batch, basis, answers=answers)
    under_b = score_many(version_b, batch, basis, answers=answers)
    model_a, model_b = version_a.parsed, version_b.parsed
    rows = []
    for a, b in zip(under_a, under_b, strict=True):
        rank_a, rank_b = model_a.grade_rank(a.card.grade), model_b.grade_rank(b.card.grade)
        direction = "same" if rank_a == rank_b else ("up" if rank_b < rank_a else "down")
        rows.append(
            ImpactRow(
                assessment=a.assessment.pk,
                hoster=a.assessment.hoster.slug,
                hoster_name=a.assessment.hoster.name,
                score_a=a.card.score,
                grade_a=a.card.grade,
                certifiable_a=a.card.certifiable_by_score,
                score_b=b.card.score,
                grade_b=b.card.grade,
                certifiable_b=b.card.certifiable_by_score,
                direction=direction,
            )
        )
    rows.sort(key=lambda row: (row.hoster, row.assessment))
    return Impact(str(version_a), str(version_b), tuple(rows))
