"""Scoring engine: turn questionnaire answers and measured data into a score card.

Pure Python (no Django): a scoring model parsed from YAML, plain answers and metrics
in, a frozen :class:`ScoreCard` out. The rules are DESIGN §4.3; every weight,
threshold and text comes from the model file. The modules, in the order they build on each other:
``vocabulary`` (statuses, kinds, errors), ``model`` (the scoring model), ``hash_checks`` (hash-check statistics),
``inputs`` (answers and metrics), ``scorecard`` (``score``), ``sections`` (section scores) and ``improvements``
(the way to the next grade).
"""

from scoring.engine.hash_checks import HashChecks, HashCheckWeek, iso_week, parse_week
from scoring.engine.improvements import Improvements, SuggestedChange, improvements
from scoring.engine.inputs import Answers, Metrics, ScoredAnswer
from scoring.engine.model import (
    Gate,
    GradeBoundary,
    MeasuredCriterion,
    ScoringModel,
    load_scoring_model,
    parse_scoring_model,
)
from scoring.engine.scorecard import (
    WILSON_Z,
    CriterionResult,
    GateResult,
    ScoreCard,
    measured_points,
    score,
    weighted_average,
    wilson_upper_bound,
)
from scoring.engine.sections import MEASURED_SECTION_CODE, MEASURED_SECTION_TITLE, SectionScore, section_scores
from scoring.engine.vocabulary import GateKind, MeasuredKind, ModelError, ScoringInputError, Status

__all__ = [
    "MEASURED_SECTION_CODE",
    "MEASURED_SECTION_TITLE",
    "WILSON_Z",
    "Answers",
    "CriterionResult",
    "Gate",
    "GateKind",
    "GateResult",
    "GradeBoundary",
    "HashCheckWeek",
    "HashChecks",
    "Improvements",
    "MeasuredCriterion",
    "MeasuredKind",
    "Metrics",
    "ModelError",
    "ScoreCard",
    "ScoredAnswer",
    "ScoringInputError",
    "ScoringModel",
    "SectionScore",
    "Status",
    "SuggestedChange",
    "improvements",
    "iso_week",
    "load_scoring_model",
    "measured_points",
    "parse_scoring_model",
    "parse_week",
    "score",
    "section_scores",
    "weighted_average",
    "wilson_upper_bound",
]
