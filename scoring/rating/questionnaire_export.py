"""The questionnaire catalogue as open data with its weights: the numbers come from the scoring model that scores it."""

from __future__ import annotations

from typing import Any

from assessments import export
from assessments.catalogue import Questionnaire
from scoring.rating.publishing import weights_for


def export_dict(questionnaire: Questionnaire) -> dict[str, Any]:
    """`export_questionnaire --format json`: sections and criteria, each with its weight's number."""
    return export.export_dict(questionnaire, weights_for(questionnaire.code))


def export_csv(questionnaire: Questionnaire) -> str:
    """`export_questionnaire --format csv`: a row per option of each choice, a row for any other criterion."""
    return export.export_csv(questionnaire, weights_for(questionnaire.code))
