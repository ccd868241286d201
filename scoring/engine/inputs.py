"""The engine's inputs: the answers it scores and a hoster's measured data (takedown figures and, where the model
measures them, hash-check statistics), checked against the model."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

from scoring.engine.hash_checks import HashChecks
from scoring.engine.model import ScoringModel
from scoring.engine.vocabulary import ScoringInputError


@dataclass(frozen=True)
class ScoredAnswer:
    """The answer the engine scores: an option value, or ``na=True`` for a justified N/A (N/A wins over a value).

    For the verified score the caller passes ``None`` for an answer the auditor
    rejected, which then counts as unanswered: 0 points, weight kept.
    """

    value: str | None
    na: bool = False


Answers: TypeAlias = Mapping[str, ScoredAnswer | str | None]
"""Criterion code to answer: a ScoredAnswer, a plain option value, or None for unanswered."""


@dataclass(frozen=True)
class Metrics:
    """A hoster's measured takedown data over a period (DESIGN §4.2), at the model's norm.

    ``pending`` notices were open at the cut-off but not yet past the norm: they are not yet due, so the measured
    criteria, the sample size and the gates count only the ``due`` ones (``notices`` - ``pending``).
    ``hash_checks`` None means no hash-check statistics were given: a criterion or gate that measures them is then
    inconclusive.
    """

    notices: int
    within_norm: int
    p90_hours: float | None
    open_over_norm: int
    norm_hours: float | None = None
    hash_checks: HashChecks | None = None
    pending: int = 0

    def __post_init__(self) -> None:
        for name in ("notices", "within_norm", "open_over_norm", "pending"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ScoringInputError(f"metrics: {name} must be a whole number >= 0, got {value!r}")
        if self.pending > self.notices:
            raise ScoringInputError(f"metrics: pending ({self.pending}) exceeds notices ({self.notices})")
        if self.within_norm + self.open_over_norm > self.due:
            raise ScoringInputError(
                f"metrics: within_norm ({self.within_norm}) plus open_over_norm"
                f" ({self.open_over_norm}) exceeds the due notices ({self.due})"
            )
        for name in ("p90_hours", "norm_hours"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0):
                raise ScoringInputError(f"metrics: {name} must be a number >= 0 or null, got {value!r}")
        if self.hash_checks is not None and not isinstance(self.hash_checks, HashChecks):
            raise ScoringInputError(f"metrics: hash_checks must be HashChecks or None, got {self.hash_checks!r}")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Metrics:
        """Build from a metrics row of ``hoster_metrics``; keys the engine does not use are ignored, and a row
        without ``pending`` (one computed or frozen before notices could be pending) has none pending."""
        missing = [key for key in ("notices", "within_norm", "p90_hours", "open_over_norm") if key not in data]
        if missing:
            raise ScoringInputError(f"metrics: missing {', '.join(missing)}")
        return cls(
            notices=_whole(data["notices"], "notices"),
            within_norm=_whole(data["within_norm"], "within_norm"),
            p90_hours=data["p90_hours"],
            open_over_norm=_whole(data["open_over_norm"], "open_over_norm"),
            norm_hours=data.get("norm_hours"),
            hash_checks=None if data.get("hash_checks") is None else HashChecks.from_dict(data["hash_checks"]),
            pending=_whole(data.get("pending") or 0, "pending"),
        )

    @property
    def due(self) -> int:
        """The notices that count in the measured criteria and gates: all but the pending ones."""
        return self.notices - self.pending

    @property
    def within_norm_share(self) -> float:
        return self.within_norm / self.due if self.due else 0.0


def _whole(value: object, name: str) -> int:
    # JSON tools sometimes write counts as 12.0; accept those, refuse 12.5.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ScoringInputError(f"metrics: {name} must be a whole number, got {value!r}")
    return value


def resolve_answers(model: ScoringModel, answers: Answers) -> dict[str, ScoredAnswer]:
    """The answers of the scored criteria, checked against their options; unscored answers are left out."""
    questionnaire = model.questionnaire
    resolved: dict[str, ScoredAnswer] = {}
    for code, given in answers.items():
        criterion = model.criteria_by_code.get(code)
        if criterion is None:
            raise ScoringInputError(f"unknown criterion {code!r} (not in questionnaire {questionnaire.code})")
        if not criterion.scored:
            continue
        answer = given if isinstance(given, ScoredAnswer) else ScoredAnswer(value=given)
        if answer.na:
            if not criterion.na_allowed:
                raise ScoringInputError(f"criterion {code}: N/A is not allowed")
        elif answer.value is not None and answer.value not in criterion.option_values:
            raise ScoringInputError(
                f"criterion {code}: {answer.value!r} is not an option (options: {', '.join(criterion.option_values)})"
            )
        resolved[code] = answer
    return resolved
