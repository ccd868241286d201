"""Scoring engine: turn questionnaire answers and measured takedown data into a score card.

Pure Python (no Django): a scoring model parsed from YAML, plain answers and metrics
in, a frozen :class:`ScoreCard` out. The rules are DESIGN §4.3; every weight,
threshold and text comes from the model file.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from assessments.catalogue import (
    WEIGHTS,
    Criterion,
    LocalizedText,
    Questionnaire,
    YamlChecker,
)

WILSON_Z = 1.959963984540054
"""The two-sided 95% normal quantile used for the Wilson score interval."""

_PLACEHOLDERS = ("norm_hours", "min_sample", "max_hours", "threshold_pct")


class ModelError(ValueError):
    """A scoring-model file is malformed; the message names the file, the item and the problem."""


class ScoringInputError(ValueError):
    """Answers or metrics handed to the engine do not fit the model."""


class Status(StrEnum):
    SCORED = "scored"
    NA = "na"
    INCONCLUSIVE = "inconclusive"
    UNANSWERED = "unanswered"


class MeasuredKind(StrEnum):
    WITHIN_NORM = "within_norm"
    SLOWEST_DECILE = "slowest_decile"
    LEFT_OPEN = "left_open"


class GateKind(StrEnum):
    ANSWER = "answer"
    WILSON_UPPER_BELOW = "wilson_upper_below"
    OPEN_OVER_NORM_SHARE_ABOVE = "open_over_norm_share_above"


# ---------------------------------------------------------------------------
# Inputs


@dataclass(frozen=True)
class AnswerInput:
    """One answer: an option value, or ``na=True`` for a justified N/A (N/A wins over a value).

    For the verified score the caller passes ``None`` for an answer the auditor
    rejected, which then counts as unanswered: 0 points, weight kept.
    """

    value: str | None
    na: bool = False


@dataclass(frozen=True)
class Metrics:
    """A hoster's measured takedown data over a period (DESIGN §4.2), at the model's norm."""

    notices: int
    within_norm: int
    p90_hours: float | None
    open_over_norm: int
    norm_hours: float | None = None

    def __post_init__(self) -> None:
        for name in ("notices", "within_norm", "open_over_norm"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ScoringInputError(f"metrics: {name} must be a whole number >= 0, got {value!r}")
        if self.within_norm + self.open_over_norm > self.notices:
            raise ScoringInputError(
                f"metrics: within_norm ({self.within_norm}) plus open_over_norm"
                f" ({self.open_over_norm}) exceeds notices ({self.notices})"
            )
        for name in ("p90_hours", "norm_hours"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0):
                raise ScoringInputError(f"metrics: {name} must be a number >= 0 or null, got {value!r}")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Metrics:
        """Build from a metrics row of ``hoster_metrics``; keys the engine does not use are ignored."""
        missing = [key for key in ("notices", "within_norm", "p90_hours", "open_over_norm") if key not in data]
        if missing:
            raise ScoringInputError(f"metrics: missing {', '.join(missing)}")
        return cls(
            notices=_whole(data["notices"], "notices"),
            within_norm=_whole(data["within_norm"], "within_norm"),
            p90_hours=data["p90_hours"],
            open_over_norm=_whole(data["open_over_norm"], "open_over_norm"),
            norm_hours=data.get("norm_hours"),
        )

    @property
    def within_norm_share(self) -> float:
        return self.within_norm / self.notices if self.notices else 0.0


def _whole(value: object, name: str) -> int:
    # JSON tools sometimes write counts as 12.0; accept those, refuse 12.5.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ScoringInputError(f"metrics: {name} must be a whole number, got {value!r}")
    return value


# ---------------------------------------------------------------------------
# The model


@dataclass(frozen=True)
class MeasuredCriterion:
    code: str
    kind: MeasuredKind
    weight: str
    title: LocalizedText
    zero_at: float | None = None
    """within_norm: the share removed within norm that scores 0 (10 at a share of 1)."""
    tolerance: float | None = None
    """left_open: the share of notices open beyond the norm that scores 0."""


@dataclass(frozen=True)
class GradeBoundary:
    grade: str
    min: float


@dataclass(frozen=True)
class Gate:
    code: str
    cap: str
    kind: GateKind
    title: LocalizedText
    reason: LocalizedText
    criterion: str | None = None
    pass_values: tuple[str, ...] = ()
    fail_values: tuple[str, ...] = ()
    threshold: float | None = None


@dataclass(frozen=True)
class ScoringModel:
    code: str
    version: int
    questionnaire: Questionnaire
    title: LocalizedText
    norm_hours: float
    min_sample: int
    max_hours: float
    weights: Mapping[str, float]
    measured: tuple[MeasuredCriterion, ...]
    grades: tuple[GradeBoundary, ...]
    certifiable_grades: tuple[str, ...]
    gates: tuple[Gate, ...]
    inconclusive_reason: LocalizedText

    @cached_property
    def criteria_by_code(self) -> Mapping[str, Criterion]:
        """Every questionnaire criterion by code; scoring thousands of cards looks them up often."""
        return {criterion.code: criterion for criterion in self.questionnaire.criteria}

    @cached_property
    def scored_criteria(self) -> tuple[Criterion, ...]:
        return tuple(criterion for criterion in self.questionnaire.criteria if criterion.scored)

    def grade_for(self, score: float) -> str:
        """The grade of ``score`` by the boundaries alone (no gates)."""
        for boundary in self.grades:
            if score >= boundary.min:
                return boundary.grade
        return self.grades[-1].grade

    def grade_rank(self, grade: str) -> int:
        """0 for the best grade, increasing towards the worst."""
        for rank, boundary in enumerate(self.grades):
            if boundary.grade == grade:
                return rank
        raise KeyError(f"model {self.code} has no grade '{grade}'")

    def lower_grade(self, first: str, second: str) -> str:
        return first if self.grade_rank(first) >= self.grade_rank(second) else second

    def next_grade(self, grade: str) -> str | None:
        rank = self.grade_rank(grade)
        return self.grades[rank - 1].grade if rank > 0 else None


def load_scoring_model(path: str | Path, questionnaire: Questionnaire) -> ScoringModel:
    """Read and validate ``path`` against ``questionnaire``; the file name must be ``<code>.yaml``."""
    path = Path(path)
    source = path.name
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ModelError(f"{source}: cannot read the file: {error.strerror}") from error
    except yaml.YAMLError as error:
        raise ModelError(f"{source}: not valid YAML: {error}") from error
    model = parse_scoring_model(data, questionnaire, source)
    if path.stem != model.code:
        raise ModelError(f"{source}: code '{model.code}' does not match the file name (expected {model.code}.yaml)")
    return model


_MODEL_KEYS = (
    "code",
    "version",
    "questionnaire",
    "title",
    "norm_hours",
    "min_sample",
    "max_hours",
    "weights",
    "measured",
    "grades",
    "certifiable_grades",
    "gates",
    "inconclusive_reason",
)


def parse_scoring_model(data: object, questionnaire: Questionnaire, source: str) -> ScoringModel:
    """Validate parsed YAML ``data`` as a scoring model for ``questionnaire``."""
    check = YamlChecker(ModelError, source)
    data = check.mapping(data, "the file")
    check.keys(data, _MODEL_KEYS)
    code = check.text(data, "code")
    questionnaire_code = check.text(data, "questionnaire")
    if questionnaire_code != questionnaire.code:
        check.fail(
            f"questionnaire: the model is for '{questionnaire_code}' but was given questionnaire '{questionnaire.code}'"
        )
    norm_hours = check.number(data, "norm_hours", 0.001)
    max_hours = check.number(data, "max_hours", 0.001)
    if max_hours <= norm_hours:
        check.fail(f"max_hours ({max_hours:g}) must be greater than norm_hours ({norm_hours:g})")
    min_sample = check.integer(data, "min_sample", 1)
    placeholders = {"norm_hours": f"{norm_hours:g}", "min_sample": str(min_sample), "max_hours": f"{max_hours:g}"}

    grades = _parse_grades(check, check.sequence(data, "grades"))
    grade_letters = tuple(boundary.grade for boundary in grades)
    certifiable = check.sequence(data, "certifiable_grades")
    if not certifiable:
        check.fail("certifiable_grades must not be empty")
    for grade in certifiable:
        if grade not in grade_letters:
            check.fail(f"certifiable_grades: unknown grade {grade!r} (grades are {', '.join(grade_letters)})")

    measured = _parse_measured(check, check.sequence(data, "measured"), questionnaire)
    gates = _parse_gates(check, check.sequence(data, "gates"), questionnaire, grade_letters, placeholders)
    return ScoringModel(
        code=code,
        version=check.integer(data, "version", 1),
        questionnaire=questionnaire,
        title=check.localized(data, "title"),
        norm_hours=norm_hours,
        min_sample=min_sample,
        max_hours=max_hours,
        weights=_parse_weights(check, data["weights"]),
        measured=measured,
        grades=grades,
        certifiable_grades=tuple(certifiable),
        gates=gates,
        inconclusive_reason=_expand(check, check.localized(data, "inconclusive_reason"), placeholders),
    )


def _parse_weights(check: YamlChecker, raw: object) -> dict[str, float]:
    data = check.mapping(raw, "weights")
    here = check.at("weights")
    here.keys(data, WEIGHTS)
    return {level: here.number(data, level, 0.001) for level in WEIGHTS}


def _parse_grades(check: YamlChecker, raw: Sequence[Any]) -> tuple[GradeBoundary, ...]:
    if len(raw) < 2:
        check.fail("grades needs at least 2 grades")
    grades: list[GradeBoundary] = []
    for position, item in enumerate(raw, start=1):
        data = check.mapping(item, f"grades #{position}")
        here = check.at(f"grades #{position}")
        here.keys(data, ("grade", "min"))
        boundary = GradeBoundary(grade=here.text(data, "grade"), min=here.number(data, "min", 0, 100))
        if grades and boundary.min >= grades[-1].min:
            here.fail(f"min must be lower than the grade above ({grades[-1].grade} at {grades[-1].min:g})")
        if any(existing.grade == boundary.grade for existing in grades):
            here.fail(f"duplicate grade {boundary.grade!r}")
        grades.append(boundary)
    if grades[-1].min != 0:
        check.fail(f"grades: the lowest grade ({grades[-1].grade}) must start at min 0")
    return tuple(grades)


def _parse_measured(
    check: YamlChecker, raw: Sequence[Any], questionnaire: Questionnaire
) -> tuple[MeasuredCriterion, ...]:
    known = {criterion.code for criterion in questionnaire.criteria}
    measured: list[MeasuredCriterion] = []
    for position, item in enumerate(raw, start=1):
        data = check.mapping(item, f"measured #{position}")
        code = check.at(f"measured #{position}").text(data, "code") if "code" in data else f"#{position}"
        here = check.at(f"measured {code}")
        here.keys(data, ("code", "kind", "weight", "title"), ("zero_at", "tolerance"))
        if code in known:
            here.fail("code is already a questionnaire criterion")
        if any(existing.code == code for existing in measured):
            here.fail("duplicate measured criterion code")
        kind = MeasuredKind(here.one_of(data, "kind", tuple(MeasuredKind)))
        if any(existing.kind == kind for existing in measured):
            here.fail(f"kind {kind} is already measured")
        wanted = {MeasuredKind.WITHIN_NORM: "zero_at", MeasuredKind.LEFT_OPEN: "tolerance"}.get(kind)
        for key in ("zero_at", "tolerance"):
            if key == wanted and key not in data:
                here.fail(f"missing key '{key}' (required for kind {kind})")
            if key != wanted and key in data:
                here.fail(f"{key} does not apply to kind {kind}")
        measured.append(
            MeasuredCriterion(
                code=code,
                kind=kind,
                weight=here.one_of(data, "weight", WEIGHTS),
                title=here.localized(data, "title"),
                zero_at=here.number(data, "zero_at", 0, 0.999) if "zero_at" in data else None,
                tolerance=here.number(data, "tolerance", 0.0001, 1) if "tolerance" in data else None,
            )
        )
    return tuple(measured)


def _parse_gates(
    check: YamlChecker,
    raw: Sequence[Any],
    questionnaire: Questionnaire,
    grade_letters: tuple[str, ...],
    placeholders: Mapping[str, str],
) -> tuple[Gate, ...]:
    gates: list[Gate] = []
    for position, item in enumerate(raw, start=1):
        data = check.mapping(item, f"gates #{position}")
        code = check.at(f"gates #{position}").text(data, "code") if "code" in data else f"#{position}"
        here = check.at(f"gate {code}")
        kind = GateKind(here.one_of(data, "kind", tuple(GateKind))) if "kind" in data else None
        if kind is GateKind.ANSWER:
            here.keys(data, ("code", "cap", "kind", "criterion", "title", "reason"), ("pass_values", "fail_values"))
        else:
            here.keys(data, ("code", "cap", "kind", "threshold", "title", "reason"))
        if any(existing.code == code for existing in gates):
            here.fail("duplicate gate code")
        cap = data["cap"]
        if cap not in grade_letters:
            here.fail(f"unknown cap grade {cap!r} (grades are {', '.join(grade_letters)})")
        gate = Gate(
            code=code,
            cap=cap,
            kind=kind,
            title=here.localized(data, "title"),
            reason=here.localized(data, "reason"),
        )
        if kind is GateKind.ANSWER:
            gate = _answer_gate(here, data, gate, questionnaire)
            texts = dict(placeholders)
        else:
            threshold = here.number(data, "threshold", 0, 1)
            gate = replace(gate, threshold=threshold)
            texts = {**placeholders, "threshold_pct": f"{threshold * 100:g}"}
        gates.append(replace(gate, title=_expand(here, gate.title, texts), reason=_expand(here, gate.reason, texts)))
    return tuple(gates)


def _answer_gate(here: YamlChecker, data: Mapping[str, Any], gate: Gate, questionnaire: Questionnaire) -> Gate:
    code = here.text(data, "criterion")
    try:
        criterion = questionnaire.criterion(code)
    except KeyError:
        here.fail(f"unknown criterion {code!r} (not in questionnaire {questionnaire.code})")
    if not criterion.scored:
        here.fail(f"criterion {code} is a {criterion.type}; a gate needs a choice")
    if not criterion.gate:
        here.fail(f"criterion {code} is not marked gate: true in questionnaire {questionnaire.code}")
    if ("pass_values" in data) == ("fail_values" in data):
        here.fail("give exactly one of pass_values and fail_values")
    key = "pass_values" if "pass_values" in data else "fail_values"
    values = here.sequence(data, key)
    if not values:
        here.fail(f"{key} must not be empty")
    for value in values:
        if value not in criterion.option_values:
            here.fail(f"{key}: {value!r} is not an option of {code} (options: {', '.join(criterion.option_values)})")
    return replace(gate, criterion=code, **{key: tuple(values)})


def _expand(check: YamlChecker, text: LocalizedText, values: Mapping[str, str]) -> LocalizedText:
    try:
        return LocalizedText(nl=text.nl.format_map(values), en=text.en.format_map(values))
    except (KeyError, IndexError, ValueError) as error:
        check.fail(f"text {text.en!r}: bad placeholder {error} (known: {', '.join(_PLACEHOLDERS)})")


# ---------------------------------------------------------------------------
# The score card


@dataclass(frozen=True)
class CriterionResult:
    """One criterion on the card. ``points`` is exact; ``contribution`` is rounded to 0.01
    so that the contributions of the card add up to its score exactly."""

    code: str
    answer: str | float | int | None
    points: float | None
    weight: float
    contribution: float
    status: Status
    measured: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "answer": self.answer,
            "points": None if self.points is None else round(self.points, 2),
            "weight": self.weight,
            "contribution": self.contribution,
            "status": self.status.value,
        }


@dataclass(frozen=True)
class GateResult:
    """One gate on the card; a measured gate without enough data passes as inconclusive."""

    code: str
    passed: bool
    cap: str
    reason: LocalizedText
    inconclusive: bool = False
    criterion: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "passed": self.passed,
            "cap": self.cap,
            "reason": self.reason.en,
            "reason_nl": self.reason.nl,
            "inconclusive": self.inconclusive,
        }


@dataclass(frozen=True)
class ScoreCard:
    model: str
    score: float
    grade: str
    grade_by_score: str
    certifiable_by_score: bool
    gates: tuple[GateResult, ...]
    criteria: tuple[CriterionResult, ...]

    def criterion(self, code: str) -> CriterionResult:
        for result in self.criteria:
            if result.code == code:
                return result
        raise KeyError(code)

    def gate(self, code: str) -> GateResult:
        for result in self.gates:
            if result.code == code:
                return result
        raise KeyError(code)

    @property
    def failed_gates(self) -> tuple[GateResult, ...]:
        return tuple(gate for gate in self.gates if not gate.passed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "score": self.score,
            "grade": self.grade,
            "grade_by_score": self.grade_by_score,
            "certifiable_by_score": self.certifiable_by_score,
            "gates": [gate.to_dict() for gate in self.gates],
            "criteria": [criterion.to_dict() for criterion in self.criteria],
        }


def wilson_upper_bound(successes: int, trials: int, z: float = WILSON_Z) -> float:
    """Upper end of the Wilson score interval for the proportion ``successes / trials``."""
    if trials <= 0:
        raise ValueError("the Wilson bound needs at least one trial")
    p = successes / trials
    z2 = z * z
    centre = p + z2 / (2 * trials)
    margin = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    return min(1.0, (centre + margin) / (1 + z2 / trials))


def measured_points(model: ScoringModel, measured: MeasuredCriterion, metrics: Metrics) -> float:
    """Points 0-10 of a measured criterion; ``metrics`` must hold at least one notice."""
    n = metrics.notices
    if measured.kind is MeasuredKind.WITHIN_NORM:
        assert measured.zero_at is not None  # required for this kind by the parser
        zero_at = measured.zero_at
        return _clamp((metrics.within_norm / n - zero_at) * 10 / (1 - zero_at))
    if measured.kind is MeasuredKind.SLOWEST_DECILE:
        p90, norm = metrics.p90_hours, model.norm_hours
        if p90 is None or p90 >= model.max_hours:
            return 0.0
        if p90 <= norm:
            return 10.0
        return _clamp(10 * (1 - math.log(p90 / norm) / math.log(model.max_hours / norm)))
    assert measured.tolerance is not None  # required for this kind by the parser
    return max(0.0, 10 - 10 * metrics.open_over_norm / max(1.0, measured.tolerance * n))


def _clamp(value: float) -> float:
    return min(10.0, max(0.0, value))


def _measured_answer(measured: MeasuredCriterion, metrics: Metrics) -> float | int | None:
    if measured.kind is MeasuredKind.WITHIN_NORM:
        return round(metrics.within_norm_share, 4) if metrics.notices else None
    if measured.kind is MeasuredKind.SLOWEST_DECILE:
        return metrics.p90_hours
    return metrics.open_over_norm


def _resolve_answers(model: ScoringModel, answers: Mapping[str, AnswerInput | str | None]) -> dict[str, AnswerInput]:
    """Answers of the scored criteria, checked against their options."""
    questionnaire = model.questionnaire
    resolved: dict[str, AnswerInput] = {}
    for code, given in answers.items():
        criterion = model.criteria_by_code.get(code)
        if criterion is None:
            raise ScoringInputError(f"unknown criterion {code!r} (not in questionnaire {questionnaire.code})")
        if not criterion.scored:
            continue
        answer = given if isinstance(given, AnswerInput) else AnswerInput(value=given)
        if answer.na:
            if not criterion.na_allowed:
                raise ScoringInputError(f"criterion {code}: N/A is not allowed")
        elif answer.value is not None and answer.value not in criterion.option_values:
            raise ScoringInputError(
                f"criterion {code}: {answer.value!r} is not an option (options: {', '.join(criterion.option_values)})"
            )
        resolved[code] = answer
    return resolved


@dataclass(frozen=True)
class _Line:
    code: str
    answer: str | float | int | None
    points: float | None
    weight: float
    status: Status
    measured: bool

    @property
    def included(self) -> bool:
        return self.status in (Status.SCORED, Status.UNANSWERED)


def _questionnaire_line(model: ScoringModel, criterion: Criterion, answer: AnswerInput | None) -> _Line:
    weight = model.weights[criterion.weight]
    if answer is not None and answer.na:
        return _Line(criterion.code, None, None, weight, Status.NA, False)
    if answer is None or answer.value is None:
        return _Line(criterion.code, None, 0.0, weight, Status.UNANSWERED, False)
    points = criterion.option(answer.value).points
    return _Line(criterion.code, answer.value, points, weight, Status.SCORED, False)


def _measured_line(model: ScoringModel, measured: MeasuredCriterion, metrics: Metrics | None) -> _Line:
    weight = model.weights[measured.weight]
    if metrics is None:
        return _Line(measured.code, None, None, weight, Status.INCONCLUSIVE, True)
    answer = _measured_answer(measured, metrics)
    if metrics.notices < model.min_sample:
        return _Line(measured.code, answer, None, weight, Status.INCONCLUSIVE, True)
    return _Line(measured.code, answer, measured_points(model, measured, metrics), weight, Status.SCORED, True)


def _evaluate_gate(
    model: ScoringModel, gate: Gate, answers: Mapping[str, AnswerInput], metrics: Metrics | None
) -> GateResult:
    if gate.kind is GateKind.ANSWER:
        answer = answers.get(gate.criterion or "")
        value = None if answer is None or answer.na else answer.value
        if value is None:
            passed = False  # an unanswered or N/A gate shows nothing, so it cannot pass
        elif gate.pass_values:
            passed = value in gate.pass_values
        else:
            passed = value not in gate.fail_values
        return GateResult(
            code=gate.code,
            passed=passed,
            cap=gate.cap,
            reason=gate.title if passed else gate.reason,
            criterion=gate.criterion,
        )
    if metrics is None or metrics.notices < model.min_sample:
        return GateResult(gate.code, True, gate.cap, model.inconclusive_reason, inconclusive=True)
    threshold = gate.threshold
    assert threshold is not None  # required for measured gates by the parser
    if gate.kind is GateKind.WILSON_UPPER_BELOW:
        passed = wilson_upper_bound(metrics.within_norm, metrics.notices) >= threshold
    else:
        passed = metrics.open_over_norm <= threshold * metrics.notices
    return GateResult(gate.code, passed, gate.cap, gate.title if passed else gate.reason)


def _apportion(values: Sequence[float], target_hundredths: int) -> list[float]:
    """Round ``values`` to hundredths so that they add up to ``target_hundredths``/100
    (largest-remainder method)."""
    scaled = [value * 100 for value in values]
    floors = [math.floor(value) for value in scaled]
    remainder = target_hundredths - sum(floors)
    by_fraction = sorted(range(len(values)), key=lambda i: (floors[i] - scaled[i], i))
    for index in by_fraction[: max(0, remainder)]:
        floors[index] += 1
    return [hundredths / 100 for hundredths in floors]


def score(
    model: ScoringModel,
    answers: Mapping[str, AnswerInput | str | None],
    metrics: Metrics | None = None,
) -> ScoreCard:
    """The score card of ``answers`` (criterion code to answer) and ``metrics`` under ``model``.

    Unscored criteria (numbers, texts, ...) in ``answers`` are ignored; an unknown code, an
    answer that is not an option, or N/A where it is not allowed raise ScoringInputError.
    """
    resolved = _resolve_answers(model, answers)
    if metrics is not None and metrics.norm_hours is not None and metrics.norm_hours != model.norm_hours:
        raise ScoringInputError(
            f"metrics were computed at a {metrics.norm_hours:g}-hour norm;"
            f" model {model.code} uses {model.norm_hours:g} hours"
        )
    lines = [_questionnaire_line(model, criterion, resolved.get(criterion.code)) for criterion in model.scored_criteria]
    lines += [_measured_line(model, measured, metrics) for measured in model.measured]

    included = [line for line in lines if line.included]
    total_weight = sum(line.weight for line in included)
    exact = [10 * line.weight * (line.points or 0.0) / total_weight if total_weight else 0.0 for line in included]
    # The shown score is the rounded total; grading uses it too, so the card never shows
    # 90.00 with a B.
    hundredths = round(sum(exact) * 100)
    rounded = iter(_apportion(exact, hundredths))
    criteria = tuple(
        CriterionResult(
            code=line.code,
            answer=line.answer,
            points=line.points,
            weight=line.weight,
            contribution=next(rounded) if line.included else 0.0,
            status=line.status,
            measured=line.measured,
        )
        for line in lines
    )
    total = hundredths / 100
    gates = tuple(_evaluate_gate(model, gate, resolved, metrics) for gate in model.gates)
    grade_by_score = model.grade_for(total)
    grade = grade_by_score
    for gate in gates:
        if not gate.passed:
            grade = model.lower_grade(grade, gate.cap)
    return ScoreCard(
        model=model.code,
        score=total,
        grade=grade,
        grade_by_score=grade_by_score,
        certifiable_by_score=grade in model.certifiable_grades,
        gates=gates,
        criteria=criteria,
    )


# ---------------------------------------------------------------------------
# What to improve


@dataclass(frozen=True)
class AnswerChange:
    """Moving one answer up: ``steps`` is how many rungs of the option ladder it climbs."""

    criterion: str
    from_value: str | None
    to_value: str
    steps: int
    score_gain: float
    grade_after: str
    lifts_gates: tuple[str, ...]

    @property
    def gain_per_step(self) -> float:
        return self.score_gain / self.steps

    def to_dict(self) -> dict[str, Any]:
        return {
            "criterion": self.criterion,
            "from": self.from_value,
            "to": self.to_value,
            "steps": self.steps,
            "score_gain": self.score_gain,
            "grade_after": self.grade_after,
            "lifts_gates": list(self.lifts_gates),
        }


@dataclass(frozen=True)
class Improvements:
    grade: str
    next_grade: str | None
    score: float
    blocking_gates: tuple[GateResult, ...]
    """Failed gates whose cap alone keeps the grade below ``next_grade``."""
    changes: tuple[AnswerChange, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "grade": self.grade,
            "next_grade": self.next_grade,
            "score": self.score,
            "blocking_gates": [gate.to_dict() for gate in self.blocking_gates],
            "changes": [change.to_dict() for change in self.changes],
        }


def improvements(
    model: ScoringModel,
    answers: Mapping[str, AnswerInput | str | None],
    metrics: Metrics | None = None,
    limit: int = 5,
) -> Improvements:
    """What to do to reach the next grade: the gates that cap the grade, and per criterion the
    answer change with the best score gain per step, best first (at most ``limit``)."""
    card = score(model, answers, metrics)
    resolved = _resolve_answers(model, answers)
    next_grade = model.next_grade(card.grade)
    blocking = tuple(
        gate
        for gate in card.failed_gates
        if next_grade is not None and model.grade_rank(gate.cap) > model.grade_rank(next_grade)
    )
    failed = {gate.code for gate in card.failed_gates}
    changes: list[AnswerChange] = []
    for criterion in model.questionnaire.criteria:
        answer = resolved.get(criterion.code)
        if not criterion.scored or (answer is not None and answer.na):
            continue
        current = answer.value if answer is not None else None
        candidates = [
            _try_change(model, answers, metrics, card, failed, criterion, current, option.value)
            for option in criterion.options
            if option.points > _points_of(criterion, current)
        ]
        if candidates:
            changes.append(max(candidates, key=lambda change: (change.gain_per_step, change.score_gain)))
    changes.sort(key=lambda change: (-change.gain_per_step, -change.score_gain, change.criterion))
    return Improvements(
        grade=card.grade,
        next_grade=next_grade,
        score=card.score,
        blocking_gates=blocking,
        changes=tuple(changes[:limit]),
    )


def _points_of(criterion: Criterion, value: str | None) -> float:
    # Unanswered counts as 0 points, like the worst option.
    return criterion.option(value).points if value is not None else 0.0


def _try_change(
    model: ScoringModel,
    answers: Mapping[str, AnswerInput | str | None],
    metrics: Metrics | None,
    card: ScoreCard,
    failed: set[str],
    criterion: Criterion,
    current: str | None,
    target: str,
) -> AnswerChange:
    changed = score(model, {**answers, criterion.code: AnswerInput(target)}, metrics)
    low, high = _points_of(criterion, current), criterion.option(target).points
    rungs = {option.points for option in criterion.options if low < option.points <= high}
    return AnswerChange(
        criterion=criterion.code,
        from_value=current,
        to_value=target,
        steps=len(rungs),
        score_gain=round(changed.score - card.score, 2),
        grade_after=changed.grade,
        lifts_gates=tuple(sorted(failed - {gate.code for gate in changed.failed_gates})),
    )
