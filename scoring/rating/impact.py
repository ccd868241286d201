"""The impact of a model change: every current assessment scored under two models, and what moves."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from assessments.models import Assessment
from scoring.measurement.methodology import Methodology, current, differences
from scoring.rating.inputs import Basis, batch_answers
from scoring.rating.models import ScoringModelVersion
from scoring.rating.rescoring import prepare_batch, score_many


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
    # The methodology of each model's figures: the measured criteria compare only when the two do not differ.
    methodology_a: Methodology | None = None
    methodology_b: Methodology | None = None

    @property
    def methodology_differences(self) -> list[str]:
        """What differs between the two models' figures, in the reader's language (empty: they compare)."""
        if self.methodology_a is None or self.methodology_b is None:
            return []
        return differences(self.methodology_a, self.methodology_b)

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
            "methodology_a": self.methodology_a.as_dict() if self.methodology_a else None,
            "methodology_b": self.methodology_b.as_dict() if self.methodology_b else None,
            "methodology_differences": self.methodology_differences,
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
    batch = prepare_batch(assessments)
    answers = batch_answers(batch, basis, None)
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
    return Impact(str(version_a), str(version_b), tuple(rows), current(model_a.norm_hours), current(model_b.norm_hours))
