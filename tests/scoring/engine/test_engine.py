"""Tests of the pure scoring engine: formulas, gates, grades, the real 2020/2024 models and its laws."""

from __future__ import annotations

import copy
import math
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.catalogue import Questionnaire, load_questionnaire, parse_questionnaire
from scoring.engine import (
    WILSON_Z,
    Metrics,
    ModelError,
    ScoreCard,
    ScoringInputError,
    ScoringModel,
    Status,
    improvements,
    load_scoring_model,
    parse_scoring_model,
    score,
    wilson_upper_bound,
)
from scoring.engine import ScoredAnswer as AnswerInput

ROOT = Path(__file__).resolve().parents[3]
QUESTIONNAIRE = load_questionnaire(ROOT / "fixtures" / "questionnaires" / "good-hoster-2020.yaml")
MODEL_2020 = load_scoring_model(ROOT / "fixtures" / "scoring" / "good-hoster-2020.yaml", QUESTIONNAIRE)
MODEL_2024 = load_scoring_model(ROOT / "fixtures" / "scoring" / "good-hoster-2024.yaml", QUESTIONNAIRE)
SCORED = tuple(criterion for criterion in QUESTIONNAIRE.criteria if criterion.scored)
BEST: dict[str, str] = {
    criterion.code: max(criterion.options, key=lambda option: option.points).value for criterion in SCORED
}
# The 2020 letter: 179,610 notices in eight months, 86% removed within 24 h, 11% within
# 24-48 h and 3% later, more than 1% left open beyond the norm.
LETTER_HOSTER = Metrics(notices=179_610, within_norm=154_465, p90_hours=36.0, open_over_norm=2_000)
EXEMPLARY = Metrics(notices=250, within_norm=248, p90_hours=5.5, open_over_norm=0)


def _points(card: ScoreCard, code: str) -> float | None:
    return card.criterion(code).points


def _with(answers: Mapping[str, str], **changes: str) -> dict[str, str]:
    return {**answers, **{code.replace("_", "-"): value for code, value in changes.items()}}


# ---------------------------------------------------------------------------
# A tiny questionnaire and model for hand-computed totals

TINY_QUESTIONNAIRE: dict[str, Any] = {
    "code": "tiny",
    "version": 1,
    "title": {"nl": "Klein", "en": "Tiny"},
    "description": {"nl": "Test", "en": "Test"},
    "sections": [
        {
            "code": "KYC",
            "title": {"nl": "Klant", "en": "Customer"},
            "description": {"nl": "Klant", "en": "Customer"},
            "criteria": [
                {
                    "code": "KYC-1",
                    "text": {"nl": "Vraag", "en": "Question"},
                    "why": {"nl": "Omdat", "en": "Because"},
                    "type": "choice",
                    "options": [
                        {"value": "yes", "label": {"nl": "Ja", "en": "Yes"}, "points": 10},
                        {"value": "mostly", "label": {"nl": "Meestal", "en": "Mostly"}, "points": 9},
                        {"value": "partly", "label": {"nl": "Deels", "en": "Partly"}, "points": 5},
                        {"value": "no", "label": {"nl": "Nee", "en": "No"}, "points": 0},
                    ],
                    "weight": "critical",
                    "gate": True,
                    "required": True,
                    "na_allowed": False,
                    "evidence": "none",
                },
                {
                    "code": "KYC-2",
                    "text": {"nl": "Vraag", "en": "Question"},
                    "why": {"nl": "Omdat", "en": "Because"},
                    "type": "choice",
                    "options": [
                        {"value": "yes", "label": {"nl": "Ja", "en": "Yes"}, "points": 10},
                        {"value": "no", "label": {"nl": "Nee", "en": "No"}, "points": 0},
                    ],
                    "weight": "low",
                    "gate": False,
                    "required": True,
                    "na_allowed": True,
                    "evidence": "none",
                },
            ],
        }
    ],
}


def _tiny_model_data() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "fixtures" / "scoring" / "good-hoster-2020.yaml").read_text(encoding="utf-8"))
    data.update(code="tiny", questionnaire="tiny")
    data["gates"] = [gate for gate in data["gates"] if gate["kind"] != "answer"] + [
        {
            "code": "kyc-1-answered",
            "cap": "D",
            "kind": "answer",
            "criterion": "KYC-1",
            "fail_values": ["no"],
            "title": {"nl": "Goed", "en": "Fine"},
            "reason": {"nl": "Fout", "en": "Wrong"},
        }
    ]
    return data


TINY_Q = parse_questionnaire(TINY_QUESTIONNAIRE, "tiny.yaml")
TINY = parse_scoring_model(_tiny_model_data(), TINY_Q, "tiny.yaml")


# ---------------------------------------------------------------------------
# Formulas


@pytest.mark.parametrize(
    ("within_norm", "expected"),
    [(86, 7.2), (50, 0.0), (40, 0.0), (100, 10.0), (75, 5.0), (95, 9.0)],
)
def test_within_norm_scores_twenty_points_per_share_above_half(within_norm: int, expected: float) -> None:
    card = score(MODEL_2020, {}, Metrics(notices=100, within_norm=within_norm, p90_hours=10, open_over_norm=0))
    assert _points(card, "MEA-1") == pytest.approx(expected)
    assert card.criterion("MEA-1").answer == within_norm / 100


@pytest.mark.parametrize(
    ("p90_hours", "expected"),
    [(40.0, 7.374875587), (24.0, 10.0), (3.0, 10.0), (168.0, 0.0), (500.0, 0.0), (None, 0.0)],
)
def test_slowest_decile_falls_logarithmically_from_norm_to_a_week(p90_hours: float | None, expected: float) -> None:
    metrics = Metrics(notices=100, within_norm=90, p90_hours=p90_hours, open_over_norm=0)
    card = score(MODEL_2020, {}, metrics)
    assert _points(card, "MEA-2") == pytest.approx(expected)
    assert card.criterion("MEA-2").answer == p90_hours


def test_slowest_decile_at_40_hours_is_about_7_37() -> None:
    card = score(MODEL_2020, {}, Metrics(notices=100, within_norm=90, p90_hours=40.0, open_over_norm=0))
    assert card.criterion("MEA-2").to_dict()["points"] == 7.37


@pytest.mark.parametrize(
    ("notices", "open_over_norm", "expected"),
    [(1000, 0, 10.0), (1000, 5, 5.0), (1000, 10, 0.0), (1000, 11, 0.0), (179_610, 2_000, 0.0), (50, 1, 0.0)],
)
def test_left_open_loses_all_points_at_one_percent(notices: int, open_over_norm: int, expected: float) -> None:
    metrics = Metrics(notices=notices, within_norm=0, p90_hours=None, open_over_norm=open_over_norm)
    assert _points(score(MODEL_2020, {}, metrics), "MEA-3") == pytest.approx(expected)


def test_left_open_tolerates_one_notice_below_a_hundred() -> None:
    # max(1, 0.01 N): with 20 notices one open notice already costs all points, none costs nothing
    assert _points(score(MODEL_2020, {}, Metrics(20, 19, 5.0, 0)), "MEA-3") == 10.0
    assert _points(score(MODEL_2020, {}, Metrics(20, 19, 5.0, 1)), "MEA-3") == 0.0


def test_wilson_upper_bound_matches_hand_value() -> None:
    # p = 0.86, n = 100: (0.86 + z²/200 + z·sqrt(0.86·0.14/100 + z²/40000)) / (1 + z²/100)
    assert wilson_upper_bound(86, 100) == pytest.approx(0.914736, abs=1e-6)
    assert round(WILSON_Z, 2) == 1.96
    assert wilson_upper_bound(154_465, 179_610) == pytest.approx(0.861599, abs=1e-6)
    assert wilson_upper_bound(10, 10) == pytest.approx(1.0)
    assert wilson_upper_bound(0, 10) > 0
    with pytest.raises(ValueError):
        wilson_upper_bound(0, 0)


def test_total_is_weighted_mean_and_na_leaves_the_denominator() -> None:
    metrics = Metrics(notices=100, within_norm=86, p90_hours=40.0, open_over_norm=0)
    with_na = score(TINY, {"KYC-1": "partly", "KYC-2": AnswerInput(None, na=True)}, metrics)
    # (10·5 + 10·7.2 + 7.5·7.374876 + 7.5·10) / (10 + 10 + 7.5 + 7.5) · 10
    assert with_na.score == 72.09
    assert with_na.criterion("KYC-2").status is Status.NA
    assert with_na.criterion("KYC-2").points is None
    assert with_na.criterion("KYC-2").contribution == 0
    unanswered = score(TINY, {"KYC-1": "partly"}, metrics)
    # the unanswered criterion keeps its 2.5 weight with 0 points
    assert unanswered.score == 67.28
    assert unanswered.criterion("KYC-2").status is Status.UNANSWERED
    assert unanswered.criterion("KYC-2").points == 0


def test_no_included_criteria_scores_zero() -> None:
    card = score(TINY, {"KYC-1": AnswerInput("yes"), "KYC-2": AnswerInput(None, na=True)}, None)
    assert card.score == 100.0
    only_na = parse_scoring_model(_tiny_model_data() | {"measured": []}, TINY_Q, "tiny.yaml")
    assert score(only_na, {"KYC-1": "yes", "KYC-2": AnswerInput("yes", na=True)}).score == 100.0


def test_contributions_add_up_to_the_score_and_are_rounded() -> None:
    card = score(MODEL_2020, _with(BEST, KYC_2="payment", CON_2="within_12h"), LETTER_HOSTER)
    contributions = [criterion.contribution for criterion in card.criteria]
    assert sum(contributions) == pytest.approx(card.score, abs=1e-9)
    assert all(round(value, 2) == value for value in contributions)


# ---------------------------------------------------------------------------
# Grades and gates


@pytest.mark.parametrize(
    ("total", "grade"),
    [
        (100, "A"),
        (90, "A"),
        (89.99, "B"),
        (75, "B"),
        (74.99, "C"),
        (60, "C"),
        (59.99, "D"),
        (40, "D"),
        (39.99, "F"),
        (0, "F"),
    ],
)
def test_grade_boundaries(total: float, grade: str) -> None:
    assert MODEL_2020.grade_for(total) == grade


def test_score_of_exactly_90_is_an_a() -> None:
    card = score(TINY, {"KYC-1": "mostly", "KYC-2": AnswerInput(None, na=True)})
    assert card.score == 90.0
    assert card.grade_by_score == "A"


@pytest.mark.parametrize(
    ("changes", "gate", "grade"),
    [
        ({"CON-1": "no"}, "terms-forbid-csam", "F"),
        ({"NTD-1": "no"}, "accepts-meldpunt", "F"),
        ({"KYC-2": "none"}, "identity-verification", "C"),
        ({"HCS-1": "no"}, "hashcheck-connected", "B"),
    ],
)
def test_answer_gate_caps_the_grade(changes: dict[str, str], gate: str, grade: str) -> None:
    card = score(MODEL_2020, {**BEST, **changes}, EXEMPLARY)
    assert card.grade_by_score == "A"
    assert card.grade == grade
    assert [failed.code for failed in card.failed_gates] == [gate]
    result = card.gate(gate).to_dict()
    assert result["passed"] is False
    assert result["cap"] == grade
    assert next(iter(changes)) in result["reason"]


@pytest.mark.parametrize("code", ["CON-1", "NTD-1", "KYC-2", "HCS-1"])
def test_unanswered_gate_criterion_fails_its_gate(code: str) -> None:
    answers = {key: value for key, value in BEST.items() if key != code}
    card = score(MODEL_2020, answers, EXEMPLARY)
    assert [gate.criterion for gate in card.failed_gates] == [code]


def test_na_on_a_gate_criterion_fails_the_gate() -> None:
    data = copy.deepcopy(TINY_QUESTIONNAIRE)
    data["sections"][0]["criteria"][0]["na_allowed"] = True
    questionnaire = parse_questionnaire(data, "tiny.yaml")
    model = parse_scoring_model(_tiny_model_data(), questionnaire, "tiny.yaml")
    card = score(model, {"KYC-1": AnswerInput(None, na=True), "KYC-2": "yes"})
    assert card.score == 100.0
    assert card.gate("kyc-1-answered").passed is False
    assert card.grade == "D"


def test_identity_check_gate_passes_on_any_verification() -> None:
    for value in ("contact", "payment", "identity", "identity_and_registry"):
        assert score(MODEL_2020, _with(BEST, KYC_2=value), EXEMPLARY).gate("identity-verification").passed


def test_wilson_gate_caps_at_c_when_demonstrably_under_ninety_percent() -> None:
    demonstrably_under = score(MODEL_2020, BEST, Metrics(1000, 880, 20.0, 0))
    assert demonstrably_under.gate("within-norm-wilson").passed is False
    assert demonstrably_under.grade == "C"
    # 86 of 100 is under 90% but not demonstrably so
    not_shown = score(MODEL_2020, BEST, Metrics(100, 86, 20.0, 0))
    assert not_shown.gate("within-norm-wilson").passed is True
    assert not_shown.grade == "A"


def test_open_over_norm_gate_fails_above_one_percent() -> None:
    at_limit = score(MODEL_2020, BEST, Metrics(1000, 980, 5.0, 10))
    assert at_limit.gate("open-over-norm").passed is True
    over = score(MODEL_2020, BEST, Metrics(1000, 980, 5.0, 11))
    assert over.gate("open-over-norm").passed is False
    assert over.grade == "C"
    assert over.gate("open-over-norm").reason.en == "More than 1% of notices are open beyond 24 hours."


def test_small_sample_is_inconclusive_and_gates_pass() -> None:
    card = score(MODEL_2020, BEST, Metrics(notices=9, within_norm=0, p90_hours=None, open_over_norm=9))
    for code in ("MEA-1", "MEA-2", "MEA-3"):
        assert card.criterion(code).status is Status.INCONCLUSIVE
        assert card.criterion(code).points is None
    for code in ("within-norm-wilson", "open-over-norm"):
        gate = card.gate(code)
        assert gate.passed and gate.inconclusive
        assert "fewer than 10 notices" in gate.reason.en
    assert card.score == 100.0
    assert card.grade == "A"
    at_min_sample = score(MODEL_2020, BEST, Metrics(notices=10, within_norm=0, p90_hours=None, open_over_norm=9))
    assert at_min_sample.criterion("MEA-1").status is Status.SCORED
    assert at_min_sample.grade == "C"


def test_absent_metrics_leave_measured_criteria_out() -> None:
    card = score(MODEL_2020, BEST)
    assert [card.criterion(code).answer for code in ("MEA-1", "MEA-2", "MEA-3")] == [None, None, None]
    assert card.score == 100.0


# ---------------------------------------------------------------------------
# The 2020 letter with the real fixtures


def test_letter_hoster_is_capped_at_c_and_not_certifiable_with_best_answers() -> None:
    card = score(MODEL_2020, BEST, LETTER_HOSTER)
    assert card.grade_by_score == "A"
    assert card.grade == "C"
    assert card.certifiable_by_score is False
    assert {gate.code for gate in card.failed_gates} == {"within-norm-wilson", "open-over-norm"}
    assert _points(card, "MEA-1") == pytest.approx(7.2, abs=0.001)
    assert _points(card, "MEA-3") == 0.0


answer_strategy = st.fixed_dictionaries(
    {},
    optional={
        criterion.code: st.sampled_from(
            [*criterion.option_values, None] + ([AnswerInput(None, na=True)] if criterion.na_allowed else [])
        )
        for criterion in SCORED
    },
)


@settings(max_examples=100, deadline=None)
@given(answers=answer_strategy)
def test_letter_hoster_is_never_certifiable_whatever_it_answers(answers: dict[str, Any]) -> None:
    card = score(MODEL_2020, answers, LETTER_HOSTER)
    assert card.grade in {"C", "D", "F"}
    assert not card.certifiable_by_score


def test_hoster_refusing_meldpunt_notices_gets_f() -> None:
    card = score(MODEL_2020, _with(BEST, NTD_1="no"), EXEMPLARY)
    assert card.grade == "F"
    assert card.certifiable_by_score is False
    assert card.gate("accepts-meldpunt").reason.nl.startswith("Meldingen van het Meldpunt")


def test_exemplary_hoster_gets_a() -> None:
    card = score(MODEL_2020, BEST, EXEMPLARY)
    # only MEA-1 falls short: 248/250 within norm is 9.84 points at weight 10 of 192.5
    assert card.score == 99.92
    assert card.grade == "A"
    assert card.certifiable_by_score is True
    assert all(gate.passed and not gate.inconclusive for gate in card.gates)


def test_good_but_imperfect_hoster_is_certifiable_with_b() -> None:
    answers = _with(BEST, KYC_2="payment", CON_2="within_24h", NTD_3="within_24h", COM_4="no", HCS_3="no")
    card = score(MODEL_2020, answers, Metrics(notices=400, within_norm=380, p90_hours=30.0, open_over_norm=1))
    assert card.grade == "B"
    assert card.certifiable_by_score is True


def test_2024_model_judges_the_same_data_at_its_twelve_hour_norm() -> None:
    metrics = Metrics(notices=250, within_norm=245, p90_hours=20.0, open_over_norm=0)
    card_2020 = score(MODEL_2020, BEST, metrics)
    card_2024 = score(MODEL_2024, BEST, metrics)
    assert MODEL_2024.norm_hours == 12 and MODEL_2020.norm_hours == 24
    assert _points(card_2020, "MEA-2") == 10.0
    assert _points(card_2024, "MEA-2") == pytest.approx(10 * (1 - math.log(20 / 12) / math.log(168 / 12)))
    assert card_2024.score < card_2020.score
    assert card_2024.gate("open-over-norm").reason.en == "At most 1% of notices are open beyond 12 hours."
    # the letter hoster's slowest decile (36 h) still earns points at 24 h, fewer at 12 h
    assert _points(score(MODEL_2024, BEST, LETTER_HOSTER), "MEA-2") < _points(
        score(MODEL_2020, BEST, LETTER_HOSTER), "MEA-2"
    )


def test_2024_model_differs_from_2020_only_in_norm_and_identity() -> None:
    def essentials(model: ScoringModel) -> tuple[Any, ...]:
        return (
            model.min_sample,
            model.max_hours,
            model.weights,
            model.measured,
            model.grades,
            model.certifiable_grades,
        )

    assert essentials(MODEL_2020) == essentials(MODEL_2024)
    assert [gate.code for gate in MODEL_2020.gates] == [gate.code for gate in MODEL_2024.gates]


def test_metrics_computed_at_another_norm_are_refused() -> None:
    metrics = Metrics(notices=250, within_norm=245, p90_hours=20.0, open_over_norm=0, norm_hours=24)
    assert score(MODEL_2020, BEST, metrics).grade == "A"
    with pytest.raises(ScoringInputError, match="24-hour norm; model good-hoster-2024 uses 12 hours"):
        score(MODEL_2024, BEST, metrics)


# ---------------------------------------------------------------------------
# The card's shape and bad input


def test_card_to_dict_has_the_documented_shape() -> None:
    data = score(MODEL_2020, _with(BEST, HCS_1="no"), LETTER_HOSTER).to_dict()
    assert list(data) == ["model", "score", "grade", "grade_by_score", "certifiable_by_score", "gates", "criteria"]
    assert data["model"] == "good-hoster-2020"
    assert {"code", "passed", "cap", "reason"} <= set(data["gates"][0])
    assert isinstance(data["gates"][0]["reason"], str) and isinstance(data["gates"][0]["reason_nl"], str)
    assert all(set(row) == {"code", "answer", "points", "weight", "contribution", "status"} for row in data["criteria"])
    codes = [row["code"] for row in data["criteria"]]
    assert codes[-3:] == ["MEA-1", "MEA-2", "MEA-3"]
    assert len(codes) == len(SCORED) + 3
    assert data["criteria"][-3]["answer"] == 0.86
    assert data["criteria"][-2]["answer"] == 36.0
    assert data["criteria"][-1]["answer"] == 2000
    assert {row["status"] for row in data["criteria"]} == {"scored"}


def test_answer_that_is_not_an_option_is_refused() -> None:
    with pytest.raises(ScoringInputError, match=r"^criterion CON-1: 'maybe' is not an option \(options: yes, no\)$"):
        score(MODEL_2020, {"CON-1": "maybe"})


def test_unknown_criterion_is_refused_and_unscored_answers_are_ignored() -> None:
    with pytest.raises(ScoringInputError, match="unknown criterion 'XYZ-1'"):
        score(MODEL_2020, {"XYZ-1": "yes"})
    assert score(MODEL_2020, {**BEST, "CON-5": "12", "HCS-5": "4031"}).score == 100.0


def test_na_where_not_allowed_is_refused() -> None:
    with pytest.raises(ScoringInputError, match=r"^criterion CON-1: N/A is not allowed$"):
        score(MODEL_2020, {"CON-1": AnswerInput(None, na=True)})


def test_metrics_from_a_design_metrics_row() -> None:
    row = {
        "hoster": "bulk-hosting",
        "notices": 179_610,
        "share_pct": 93.57,
        "within_norm": 154_465,
        "within_norm_pct": 86.0,
        "within_24h": 154_465,
        "between_24_48h": 19_757,
        "over_48h_or_open": 5_388,
        "median_hours": 6.5,
        "p90_hours": 36.0,
        "open": 2_100,
        "open_over_norm": 2_000,
    }
    assert Metrics.from_dict(row) == LETTER_HOSTER
    assert Metrics.from_dict({**row, "notices": 179_610.0}) == LETTER_HOSTER
    with pytest.raises(ScoringInputError, match="missing p90_hours"):
        Metrics.from_dict({key: value for key, value in row.items() if key != "p90_hours"})
    with pytest.raises(ScoringInputError, match="exceeds the due notices"):
        Metrics.from_dict({**row, "open_over_norm": 30_000})
    with pytest.raises(ScoringInputError, match="notices must be a whole number"):
        Metrics.from_dict({**row, "notices": "many"})


def test_engine_and_catalogue_import_no_django() -> None:
    code = "import sys, scoring.engine, assessments.catalogue; print(any(m.startswith('django') for m in sys.modules))"
    output = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert output.stdout.strip() == "False"


# ---------------------------------------------------------------------------
# Model validation


def _model_data() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "fixtures" / "scoring" / "good-hoster-2020.yaml").read_text(encoding="utf-8"))


def _model_error(data: dict[str, Any], questionnaire: Questionnaire = QUESTIONNAIRE) -> str:
    with pytest.raises(ModelError) as caught:
        parse_scoring_model(data, questionnaire, "good-hoster-2020.yaml")
    return str(caught.value)


def test_model_gate_with_unknown_criterion_is_refused() -> None:
    data = _model_data()
    data["gates"][0]["criterion"] = "CON-9"
    assert _model_error(data) == (
        "good-hoster-2020.yaml: gate terms-forbid-csam: unknown criterion 'CON-9'"
        " (not in questionnaire good-hoster-2020)"
    )


def test_model_gate_value_must_be_an_option() -> None:
    data = _model_data()
    data["gates"][4]["fail_values"] = ["nothing"]
    assert _model_error(data).startswith(
        "good-hoster-2020.yaml: gate identity-verification: fail_values: 'nothing' is not an option of KYC-2"
    )


def test_model_gate_on_a_criterion_not_flagged_as_gate_is_refused() -> None:
    data = _model_data()
    data["gates"][0]["criterion"] = "CON-3"
    assert _model_error(data) == (
        "good-hoster-2020.yaml: gate terms-forbid-csam: criterion CON-3 is not marked gate: true"
        " in questionnaire good-hoster-2020"
    )


def test_model_unknown_cap_grade_is_refused() -> None:
    data = _model_data()
    data["gates"][5]["cap"] = "E"
    assert _model_error(data) == (
        "good-hoster-2020.yaml: gate hashcheck-connected: unknown cap grade 'E' (grades are A, B, C, D, F)"
    )


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ({"critical": 10, "high": 7.5, "medium": 5}, "weights: missing key 'low'"),
        ({"critical": 10, "high": -7.5, "medium": 5, "low": 2.5}, "weights: high must be a number of at least 0.001"),
        ({"critical": 10, "high": 7.5, "medium": 5, "low": 2.5, "tiny": 1}, "weights: unknown key 'tiny'"),
    ],
)
def test_model_bad_weights_are_refused(weights: dict[str, float], message: str) -> None:
    data = _model_data()
    data["weights"] = weights
    assert _model_error(data).startswith(f"good-hoster-2020.yaml: {message}")


def test_model_for_another_questionnaire_is_refused() -> None:
    assert _model_error(_model_data(), TINY_Q) == (
        "good-hoster-2020.yaml: questionnaire: the model is for 'good-hoster-2020' but was given questionnaire 'tiny'"
    )


def test_model_missing_dutch_reason_is_refused() -> None:
    data = _model_data()
    del data["gates"][2]["reason"]["nl"]
    assert _model_error(data) == "good-hoster-2020.yaml: gate within-norm-wilson: reason: missing the nl text"


def test_model_grades_must_descend_to_zero() -> None:
    data = _model_data()
    data["grades"][2]["min"] = 80
    assert _model_error(data).startswith("good-hoster-2020.yaml: grades #3: min must be lower than the grade above")
    data = _model_data()
    data["grades"][-1]["min"] = 10
    assert _model_error(data) == "good-hoster-2020.yaml: grades: the lowest grade (F) must start at min 0"


def test_model_measured_code_must_not_clash_and_placeholders_must_exist() -> None:
    data = _model_data()
    data["measured"][0]["code"] = "KYC-1"
    assert _model_error(data) == "good-hoster-2020.yaml: measured KYC-1: code is already a questionnaire criterion"
    data = _model_data()
    data["gates"][3]["title"]["en"] = "At most {tolerance} open"
    assert "gate open-over-norm: text 'At most {tolerance} open': bad placeholder" in _model_error(data)


def test_model_file_name_must_match_code(tmp_path: Path) -> None:
    path = tmp_path / "other.yaml"
    path.write_text(yaml.safe_dump(_model_data()), encoding="utf-8")
    with pytest.raises(ModelError, match=r"^other.yaml: code 'good-hoster-2020' does not match"):
        load_scoring_model(path, QUESTIONNAIRE)


# ---------------------------------------------------------------------------
# Improvements


def test_improvements_name_the_blocking_gate_and_the_change_that_lifts_it() -> None:
    result = improvements(MODEL_2020, _with(BEST, HCS_1="no"), EXEMPLARY)
    assert (result.grade, result.next_grade) == ("B", "A")
    assert [gate.code for gate in result.blocking_gates] == ["hashcheck-connected"]
    assert len(result.changes) == 1
    change = result.changes[0]
    assert (change.criterion, change.from_value, change.to_value, change.steps) == ("HCS-1", "no", "yes", 1)
    assert change.grade_after == "A"
    assert change.lifts_gates == ("hashcheck-connected",)
    assert change.score_gain == pytest.approx(score(MODEL_2020, BEST, EXEMPLARY).score - result.score)


def test_improvements_order_by_gain_per_step() -> None:
    answers = _with(BEST, KYC_2="none", NTD_3="within_24h", COM_3="no", COM_5="no", KYC_4="no")
    result = improvements(MODEL_2020, answers, EXEMPLARY, limit=4)
    assert result.grade == "C" and result.next_grade == "B"
    assert [gate.code for gate in result.blocking_gates] == ["identity-verification"]
    assert len(result.changes) == 4
    per_step = [change.gain_per_step for change in result.changes]
    assert per_step == sorted(per_step, reverse=True)
    kyc_2 = next(change for change in result.changes if change.criterion == "KYC-2")
    # none→identity is 8 points over 3 rungs, better per step than 2/1, 5/2 or 10/4
    assert (kyc_2.to_value, kyc_2.steps) == ("identity", 3)
    assert kyc_2.lifts_gates == ("identity-verification",)


def test_improvements_for_the_letter_hoster_are_its_measured_gates() -> None:
    result = improvements(MODEL_2020, BEST, LETTER_HOSTER)
    assert result.next_grade == "B"
    assert {gate.code for gate in result.blocking_gates} == {"within-norm-wilson", "open-over-norm"}
    assert result.changes == ()
    assert result.to_dict()["blocking_gates"][0]["cap"] == "C"


# ---------------------------------------------------------------------------
# Laws


@st.composite
def metrics_strategy(draw: st.DrawFn) -> Metrics:
    notices = draw(st.integers(min_value=0, max_value=5000))
    within = draw(st.integers(min_value=0, max_value=notices))
    open_over = draw(st.integers(min_value=0, max_value=notices - within))
    p90 = draw(st.none() | st.floats(min_value=0, max_value=400, allow_nan=False))
    return Metrics(notices=notices, within_norm=within, p90_hours=p90, open_over_norm=open_over)


models = st.sampled_from([MODEL_2020, MODEL_2024])


@settings(max_examples=200, deadline=None)
@given(model=models, answers=answer_strategy, metrics=st.none() | metrics_strategy(), data=st.data())
def test_better_answer_never_lowers_score_or_grade(
    model: ScoringModel, answers: dict[str, Any], metrics: Metrics | None, data: st.DataObject
) -> None:
    criterion = data.draw(st.sampled_from(SCORED))
    current = answers.get(criterion.code)
    if isinstance(current, AnswerInput):
        return  # N/A is not a point level to improve from
    floor = criterion.option(current).points if current is not None else -1
    better = [option.value for option in criterion.options if option.points >= floor]
    improved = {**answers, criterion.code: data.draw(st.sampled_from(better))}
    before, after = score(model, answers, metrics), score(model, improved, metrics)
    assert after.score >= before.score
    assert model.grade_rank(after.grade) <= model.grade_rank(before.grade)


@settings(max_examples=200, deadline=None)
@given(model=models, answers=answer_strategy, metrics=metrics_strategy(), data=st.data())
def test_better_measured_data_never_lowers_score_or_grade(
    model: ScoringModel, answers: dict[str, Any], metrics: Metrics, data: st.DataObject
) -> None:
    n = metrics.notices
    within = data.draw(st.integers(min_value=metrics.within_norm, max_value=n - metrics.open_over_norm))
    open_over = data.draw(st.integers(min_value=0, max_value=metrics.open_over_norm))
    p90_ceiling = metrics.p90_hours if metrics.p90_hours is not None else 400.0
    p90 = data.draw(st.floats(min_value=0, max_value=p90_ceiling, allow_nan=False))
    if metrics.p90_hours is None and data.draw(st.booleans()):
        p90 = None
    better = Metrics(notices=n, within_norm=within, p90_hours=p90, open_over_norm=open_over)
    before, after = score(model, answers, metrics), score(model, answers, better)
    assert after.score >= before.score
    assert model.grade_rank(after.grade) <= model.grade_rank(before.grade)


@settings(max_examples=200, deadline=None)
@given(model=models, answers=answer_strategy, metrics=st.none() | metrics_strategy())
def test_contributions_add_up_to_the_score(
    model: ScoringModel, answers: dict[str, Any], metrics: Metrics | None
) -> None:
    card = score(model, answers, metrics)
    assert sum(criterion.contribution for criterion in card.criteria) == pytest.approx(card.score, abs=1e-6)
    assert 0 <= card.score <= 100
    assert card.grade == max([card.grade_by_score, *(gate.cap for gate in card.failed_gates)], key=model.grade_rank)
    assert card.certifiable_by_score == (card.grade in {"A", "B"})


@settings(max_examples=100, deadline=None)
@given(model=models, answers=answer_strategy, metrics=st.none() | metrics_strategy(), seed=st.randoms())
def test_result_does_not_depend_on_answer_order(
    model: ScoringModel, answers: dict[str, Any], metrics: Metrics | None, seed: Any
) -> None:
    items = list(answers.items())
    seed.shuffle(items)
    assert score(model, dict(items), metrics).to_dict() == score(model, answers, metrics).to_dict()
