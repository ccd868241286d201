"""The score card: answers and metrics scored under a model, with per criterion and per gate what counted and why."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from assessments.catalogue import Criterion, LocalizedText
from scoring.engine.inputs import Answers, Metrics, ScoredAnswer, resolve_answers
from scoring.engine.model import Gate, MeasuredCriterion, ScoringModel
from scoring.engine.vocabulary import GateKind, MeasuredKind, ScoringInputError, Status

WILSON_Z = 1.959963984540054
"""The two-sided 95% normal quantile used for the Wilson score interval."""


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

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "answer": self.answer,
            "points": None if self.points is None else round(self.points, 2),
            "weight": self.weight,
            "contribution": self.contribution,
            "status": self.status.value,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CriterionResult:
        return cls(
            code=data["code"],
            answer=data["answer"],
            points=data["points"],
            weight=data["weight"],
            contribution=data["contribution"],
            status=Status(data["status"]),
        )


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

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GateResult:
        reason = LocalizedText(nl=data["reason_nl"], en=data["reason"])
        return cls(
            code=data["code"], passed=data["passed"], cap=data["cap"], reason=reason, inconclusive=data["inconclusive"]
        )


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

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScoreCard:
        """A stored card read back (``to_dict``'s shape), as a rating or certificate keeps it: points as stored,
        rounded to 0.01, and without what ``to_dict`` leaves out (the criterion behind an answer gate)."""
        return cls(
            model=data["model"],
            score=data["score"],
            grade=data["grade"],
            grade_by_score=data["grade_by_score"],
            certifiable_by_score=data["certifiable_by_score"],
            gates=tuple(GateResult.from_dict(gate) for gate in data["gates"]),
            criteria=tuple(CriterionResult.from_dict(criterion) for criterion in data["criteria"]),
        )


# Formulas -----------------------------------------------------------------------------------------------------


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
    """Points 0-10 of a measured criterion; ``metrics`` must hold at least one due notice, or for hash checks
    statistics that cover at least one of the weeks counted."""
    if measured.kind is MeasuredKind.HASH_CHECK_WEEKS:
        return _hash_check_points(measured, metrics)
    n = metrics.due
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


def _weeks_with_checks(weeks: int | None, metrics: Metrics | None) -> int | None:
    """How many of the period's last ``weeks`` ISO weeks had hash checks; None without statistics covering them."""
    if weeks is None or metrics is None or metrics.hash_checks is None:
        return None
    return metrics.hash_checks.weeks_with_checks(weeks)


def _hash_check_points(measured: MeasuredCriterion, metrics: Metrics) -> float:
    """10 · (weeks with checks among the period's last ``weeks`` weeks) / ``weeks`` (DESIGN §4.3, MEA-4)."""
    assert measured.weeks is not None  # required for this kind by the parser
    counted = _weeks_with_checks(measured.weeks, metrics)
    if counted is None:
        raise ScoringInputError(f"{measured.code}: no hash-check statistics cover the period's last weeks")
    return 10 * counted / measured.weeks


def _measured_answer(measured: MeasuredCriterion, metrics: Metrics) -> float | int | None:
    if measured.kind is MeasuredKind.HASH_CHECK_WEEKS:
        return _weeks_with_checks(measured.weeks, metrics)
    if measured.kind is MeasuredKind.WITHIN_NORM:
        return round(metrics.within_norm_share, 4) if metrics.due else None
    if measured.kind is MeasuredKind.SLOWEST_DECILE:
        return metrics.p90_hours
    return metrics.open_over_norm


class Weighed(Protocol):
    """A line of a card as the weighted average reads it."""

    @property
    def weight(self) -> float: ...

    @property
    def points(self) -> float | None: ...

    @property
    def status(self) -> Status: ...


def weighted_average(lines: Iterable[Weighed]) -> float | None:
    """10 · Σ(w·s) / Σ(w), 0-100, over the lines that count (scored, or unanswered at 0 points); None when none
    counts. The total of a card and the score of each of its sections are this one average."""
    included = [line for line in lines if line.status.included]
    weight = sum(line.weight for line in included)
    if not weight:
        return None
    return 10 * sum(line.weight * (line.points or 0.0) for line in included) / weight


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


# Scoring ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    code: str
    answer: str | float | int | None
    points: float | None
    weight: float
    status: Status


def _questionnaire_line(model: ScoringModel, criterion: Criterion, answer: ScoredAnswer | None) -> _Line:
    weight = model.weights[criterion.weight]
    if answer is not None and answer.na:
        return _Line(criterion.code, None, None, weight, Status.NA)
    if answer is None or answer.value is None:
        return _Line(criterion.code, None, 0.0, weight, Status.UNANSWERED)
    points = criterion.option(answer.value).points
    return _Line(criterion.code, answer.value, points, weight, Status.SCORED)


def _measured_line(model: ScoringModel, measured: MeasuredCriterion, metrics: Metrics | None) -> _Line:
    weight = model.weights[measured.weight]
    if metrics is None:
        return _Line(measured.code, None, None, weight, Status.INCONCLUSIVE)
    answer = _measured_answer(measured, metrics)
    if measured.kind is MeasuredKind.HASH_CHECK_WEEKS:
        # Hash checks need statistics, not notices: a hoster with few notices can still be measured checking.
        if answer is None:
            return _Line(measured.code, None, None, weight, Status.INCONCLUSIVE)
    elif metrics.due < model.min_sample:
        return _Line(measured.code, answer, None, weight, Status.INCONCLUSIVE)
    return _Line(measured.code, answer, measured_points(model, measured, metrics), weight, Status.SCORED)


def _evaluate_gate(
    model: ScoringModel, gate: Gate, answers: Mapping[str, ScoredAnswer], metrics: Metrics | None
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
    if gate.kind is GateKind.DECLARED_BUT_NO_HASH_CHECKS:
        return _hash_check_gate(model, gate, answers, metrics)
    if metrics is None or metrics.due < model.min_sample:
        return GateResult(gate.code, True, gate.cap, model.inconclusive_reason, inconclusive=True)
    threshold = gate.threshold
    assert threshold is not None  # required for measured gates by the parser
    if gate.kind is GateKind.WILSON_UPPER_BELOW:
        passed = wilson_upper_bound(metrics.within_norm, metrics.due) >= threshold
    else:
        passed = metrics.open_over_norm <= threshold * metrics.due
    return GateResult(gate.code, passed, gate.cap, gate.title if passed else gate.reason)


def _hash_check_gate(
    model: ScoringModel, gate: Gate, answers: Mapping[str, ScoredAnswer], metrics: Metrics | None
) -> GateResult:
    """Fails when the answer declares hash checks but statistics covering the period's last weeks show none; passes
    when the answer declares none (another gate judges that) and, as inconclusive, without statistics."""
    answer = answers.get(gate.criterion or "")
    declared = answer is not None and not answer.na and answer.value in gate.declared_values
    counted = _weeks_with_checks(gate.weeks, metrics)
    if not declared:
        return GateResult(gate.code, True, gate.cap, gate.title, criterion=gate.criterion)
    if counted is None:
        reason = gate.inconclusive_reason or model.inconclusive_reason
        return GateResult(gate.code, True, gate.cap, reason, inconclusive=True, criterion=gate.criterion)
    passed = counted > 0
    return GateResult(gate.code, passed, gate.cap, gate.title if passed else gate.reason, criterion=gate.criterion)


def _criteria(lines: Sequence[_Line], hundredths: int) -> tuple[CriterionResult, ...]:
    """The lines with their contributions, rounded so that they add up to the total of ``hundredths``."""
    included = [line for line in lines if line.status.included]
    total_weight = sum(line.weight for line in included)
    exact = [10 * line.weight * (line.points or 0.0) / total_weight for line in included]
    rounded = iter(_apportion(exact, hundredths))
    return tuple(
        CriterionResult(
            code=line.code,
            answer=line.answer,
            points=line.points,
            weight=line.weight,
            contribution=next(rounded) if line.status.included else 0.0,
            status=line.status,
        )
        for line in lines
    )


def score(model: ScoringModel, answers: Answers, metrics: Metrics | None = None) -> ScoreCard:
    """The score card of ``answers`` (criterion code to answer) and ``metrics`` under ``model``.

    Unscored criteria (numbers, texts, ...) in ``answers`` are ignored; an unknown code, an
    answer that is not an option, or N/A where it is not allowed raise ScoringInputError.
    """
    resolved = resolve_answers(model, answers)
    if metrics is not None and metrics.norm_hours is not None and metrics.norm_hours != model.norm_hours:
        raise ScoringInputError(
            f"metrics were computed at a {metrics.norm_hours:g}-hour norm;"
            f" model {model.code} uses {model.norm_hours:g} hours"
        )
    lines = [_questionnaire_line(model, criterion, resolved.get(criterion.code)) for criterion in model.scored_criteria]
    lines += [_measured_line(model, measured, metrics) for measured in model.measured]
    # The shown score is the rounded total; grading uses it too, so the card never shows 90.00 with a B.
    hundredths = round((weighted_average(lines) or 0.0) * 100)
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
        criteria=_criteria(lines, hundredths),
    )
