"""Tests of section scores and stored cards read back: the certificate's per-section scores come from the engine's
one weighted average, and equal what certification computed on its own before."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.catalogue import Questionnaire, load_questionnaire
from scoring.engine import (
    MEASURED_SECTION_CODE,
    Metrics,
    ScoreCard,
    ScoredAnswer,
    ScoringModel,
    Status,
    load_scoring_model,
    score,
    section_scores,
    weighted_average,
)

ROOT = Path(__file__).resolve().parents[3]
QUESTIONNAIRE = load_questionnaire(ROOT / "fixtures" / "questionnaires" / "good-hoster-2020.yaml")
MODELS = [
    load_scoring_model(ROOT / "fixtures" / "scoring" / f"{code}.yaml", QUESTIONNAIRE)
    for code in ("good-hoster-2020", "good-hoster-2024")
]
SCORED = tuple(criterion for criterion in QUESTIONNAIRE.criteria if criterion.scored)
BEST = {criterion.code: criterion.best_option.value for criterion in SCORED}
EXEMPLARY = Metrics(notices=250, within_norm=248, p90_hours=5.5, open_over_norm=0)


def reference_section_scores(scorecard: dict[str, Any], questionnaire: Questionnaire) -> list[dict[str, Any]]:
    """The function scoring/certification/services.py had before the engine computed section scores, verbatim."""
    measured_section = {"code": "MEA", "title": {"nl": "Gemeten verwijdertijden", "en": "Measured removal times"}}
    included_statuses = ("scored", "unanswered")
    lines = {line["code"]: line for line in scorecard["criteria"]}
    groups = [
        {"code": section.code, "title": section.title.to_dict(), "codes": [c.code for c in section.criteria]}
        for section in questionnaire.sections
    ]
    questionnaire_codes = {code for group in groups for code in group["codes"]}
    groups.append({**measured_section, "codes": [code for code in lines if code not in questionnaire_codes]})
    result = []
    for group in groups:
        included = [
            lines[code] for code in group["codes"] if code in lines and lines[code]["status"] in included_statuses
        ]
        weight = sum(line["weight"] for line in included)
        value = 10 * sum(line["weight"] * (line["points"] or 0) for line in included) / weight if weight else None
        result.append(
            {"code": group["code"], "title": group["title"], "score": None if value is None else round(value, 1)}
        )
    return result


def certificate_sections(stored: dict[str, Any]) -> list[dict[str, Any]]:
    """What certification stores: the sections of a rating's stored card, as JSON."""
    return [section.to_dict() for section in section_scores(ScoreCard.from_dict(stored), QUESTIONNAIRE)]


@st.composite
def answers_strategy(draw: st.DrawFn) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for criterion in SCORED:
        kind = draw(st.sampled_from(["option", "option", "option", "unanswered", "na"]))
        if kind == "option":
            answers[criterion.code] = draw(st.sampled_from(criterion.option_values))
        elif kind == "na" and criterion.na_allowed:
            answers[criterion.code] = ScoredAnswer(None, na=True)
    return answers


@st.composite
def metrics_strategy(draw: st.DrawFn) -> Metrics:
    notices = draw(st.integers(min_value=0, max_value=5000))
    within = draw(st.integers(min_value=0, max_value=notices))
    open_over = draw(st.integers(min_value=0, max_value=notices - within))
    p90 = draw(st.none() | st.floats(min_value=0, max_value=400, allow_nan=False))
    return Metrics(notices=notices, within_norm=within, p90_hours=p90, open_over_norm=open_over)


@settings(max_examples=300, deadline=None)
@given(model=st.sampled_from(MODELS), answers=answers_strategy(), metrics=st.none() | metrics_strategy())
def test_section_scores_equal_the_certificates_former_computation(
    model: ScoringModel, answers: dict[str, Any], metrics: Metrics | None
) -> None:
    # A certificate is built from the card as a rating stored it (JSON), so compare on that.
    stored = json.loads(json.dumps(score(model, answers, metrics).to_dict()))
    assert certificate_sections(stored) == reference_section_scores(stored, QUESTIONNAIRE)


def test_section_scores_name_every_section_then_the_measured_criteria() -> None:
    card = score(MODELS[0], BEST, EXEMPLARY)
    sections = section_scores(card, QUESTIONNAIRE)
    assert [section.code for section in sections] == [*(s.code for s in QUESTIONNAIRE.sections), MEASURED_SECTION_CODE]
    assert all(section.score == 100.0 for section in sections[:-1])
    assert sections[-1].to_dict()["title"] == {"nl": "Gemeten verwijdertijden", "en": "Measured removal times"}


def test_a_section_without_counted_criteria_has_no_score() -> None:
    sections = section_scores(score(MODELS[0], BEST, None), QUESTIONNAIRE)
    assert sections[-1].code == MEASURED_SECTION_CODE and sections[-1].score is None


def test_the_total_is_the_same_weighted_average_over_the_whole_card() -> None:
    answers = {**BEST, "KYC-2": "payment", "CON-2": "within_12h", "HCS-2": ScoredAnswer(None, na=True)}
    answers.pop("COM-5")
    card = score(MODELS[1], answers, Metrics(notices=400, within_norm=330, p90_hours=30.0, open_over_norm=3))
    assert round(weighted_average(card.criteria) or 0.0, 2) == card.score
    assert card.criterion("COM-5").status is Status.UNANSWERED
    assert weighted_average([line for line in card.criteria if line.status is Status.NA]) is None


def test_a_stored_card_reads_back_as_it_was_stored() -> None:
    card = score(MODELS[0], {**BEST, "KYC-2": "contact"}, Metrics(100, 86, 40.0, 0))
    stored = json.loads(json.dumps(card.to_dict()))
    read_back = ScoreCard.from_dict(stored)
    assert read_back.to_dict() == stored
    assert read_back.criterion("KYC-2").status is Status.SCORED
    assert read_back.gate("identity-verification").reason == card.gate("identity-verification").reason
    assert [gate.code for gate in read_back.failed_gates] == [gate.code for gate in card.failed_gates]
