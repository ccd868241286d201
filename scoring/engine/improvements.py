"""What to improve: the gates that keep a card below the next grade, and the answer changes that gain most per step."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assessments.catalogue import Criterion
from scoring.engine.inputs import Answers, Metrics, ScoredAnswer, resolve_answers
from scoring.engine.model import ScoringModel
from scoring.engine.scorecard import GateResult, ScoreCard, score


@dataclass(frozen=True)
class SuggestedChange:
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
    changes: tuple[SuggestedChange, ...]

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
    answers: Answers,
    metrics: Metrics | None = None,
    limit: int = 5,
) -> Improvements:
    """What to do to reach the next grade: the gates that cap the grade, and per criterion the
    answer change with the best score gain per step, best first (at most ``limit``)."""
    card = score(model, answers, metrics)
    resolved = resolve_answers(model, answers)
    next_grade = model.next_grade(card.grade)
    blocking = tuple(
        gate
        for gate in card.failed_gates
        if next_grade is not None and model.grade_rank(gate.cap) > model.grade_rank(next_grade)
    )
    failed = {gate.code for gate in card.failed_gates}
    changes: list[SuggestedChange] = []
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
    answers: Answers,
    metrics: Metrics | None,
    card: ScoreCard,
    failed: set[str],
    criterion: Criterion,
    current: str | None,
    target: str,
) -> SuggestedChange:
    changed = score(model, {**answers, criterion.code: ScoredAnswer(target)}, metrics)
    low, high = _points_of(criterion, current), criterion.option(target).points
    rungs = {option.points for option in criterion.options if low < option.points <= high}
    return SuggestedChange(
        criterion=criterion.code,
        from_value=current,
        to_value=target,
        steps=len(rungs),
        score_gain=round(changed.score - card.score, 2),
        grade_after=changed.grade,
        lifts_gates=tuple(sorted(failed - {gate.code for gate in changed.failed_gates})),
    )
