"""Section scores: a card's weighted average per questionnaire section and for the measured criteria, as a
certificate shows them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assessments.catalogue import LocalizedText, Questionnaire
from scoring.engine.scorecard import CriterionResult, ScoreCard, weighted_average

MEASURED_SECTION_CODE = "MEA"
MEASURED_SECTION_TITLE = LocalizedText(nl="Gemeten verwijdertijden", en="Measured removal times")
"""The measured criteria form a section of their own, titled in both languages like the questionnaire's."""


@dataclass(frozen=True)
class SectionScore:
    code: str
    title: LocalizedText
    score: float | None
    """0-100 to one decimal, like the total; None when nothing in the section counts (all N/A or inconclusive)."""

    def to_dict(self) -> dict[str, Any]:
        """The shape a certificate keeps: ``{"code", "title": {"nl", "en"}, "score"}``."""
        return {"code": self.code, "title": self.title.to_dict(), "score": self.score}


def section_scores(card: ScoreCard, questionnaire: Questionnaire) -> list[SectionScore]:
    """Per section of ``questionnaire``, then for the card's other (measured) criteria, the same weighted average
    as the card's total (DESIGN §4.3), rounded to one decimal."""
    lines = {result.code: result for result in card.criteria}
    known = {criterion.code for criterion in questionnaire.criteria}
    groups = [
        (section.code, section.title, [lines[c.code] for c in section.criteria if c.code in lines])
        for section in questionnaire.sections
    ]
    groups.append((MEASURED_SECTION_CODE, MEASURED_SECTION_TITLE, [r for r in card.criteria if r.code not in known]))
    return [SectionScore(code, title, _rounded(results)) for code, title, results in groups]


def _rounded(results: list[CriterionResult]) -> float | None:
    average = weighted_average(results)
    return None if average is None else round(average, 1)
