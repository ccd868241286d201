"""Tests of MEA-4 (hash checks measured) and its gate in the good-hoster-2026 model: formula edges, the gate, the
inputs, the model file and the laws they keep."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.catalogue import load_questionnaire
from scoring.engine import (
    GateKind,
    HashChecks,
    HashCheckWeek,
    MeasuredKind,
    Metrics,
    ModelError,
    ScoringInputError,
    ScoringModel,
    Status,
    load_scoring_model,
    parse_scoring_model,
    parse_week,
    score,
)

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "fixtures" / "scoring"
QUESTIONNAIRE = load_questionnaire(ROOT / "fixtures" / "questionnaires" / "good-hoster-2020.yaml")
MODEL_2024 = load_scoring_model(FIXTURES / "good-hoster-2024.yaml", QUESTIONNAIRE)
MODEL_2026 = load_scoring_model(FIXTURES / "good-hoster-2026.yaml", QUESTIONNAIRE)
SCORED = tuple(criterion for criterion in QUESTIONNAIRE.criteria if criterion.scored)
BEST = {criterion.code: max(criterion.options, key=lambda option: option.points).value for criterion in SCORED}
EXEMPLARY = {"notices": 250, "within_norm": 248, "p90_hours": 5.5, "open_over_norm": 0}
LAST_WEEK = date(2026, 11, 23)  # a Monday: ISO week 2026-W48


def weeks_back(count: int, checks: int = 100, hits: int = 0, start: date = LAST_WEEK) -> tuple[HashCheckWeek, ...]:
    """`count` covered weeks ending with `start`, each with `checks` checks."""
    return tuple(HashCheckWeek(start - timedelta(weeks=i), checks, hits) for i in range(count))


def metrics(weeks: tuple[HashCheckWeek, ...] | None, **figures: Any) -> Metrics:
    hash_checks = None if weeks is None else HashChecks(last_week=LAST_WEEK, weeks=weeks)
    return Metrics(**{**EXEMPLARY, **figures}, hash_checks=hash_checks)


def mea4(card: Any) -> Any:
    return card.criterion("MEA-4")


# ---------------------------------------------------------------------------
# The model file


def test_2026_is_the_2024_rules_plus_mea4_and_its_gate() -> None:
    assert MODEL_2026.norm_hours == 12 == MODEL_2024.norm_hours
    assert (MODEL_2026.weights, MODEL_2026.grades, MODEL_2026.min_sample, MODEL_2026.max_hours) == (
        MODEL_2024.weights,
        MODEL_2024.grades,
        MODEL_2024.min_sample,
        MODEL_2024.max_hours,
    )
    assert MODEL_2026.measured[:3] == MODEL_2024.measured
    [added] = MODEL_2026.measured[3:]
    assert (added.code, added.kind, added.weight, added.weeks) == ("MEA-4", MeasuredKind.HASH_CHECK_WEEKS, "high", 12)
    assert MODEL_2026.gates[:-1] == MODEL_2024.gates
    gate = MODEL_2026.gates[-1]
    assert (gate.kind, gate.cap, gate.criterion, gate.declared_values, gate.weeks) == (
        GateKind.DECLARED_BUT_NO_HASH_CHECKS,
        "C",
        "HCS-1",
        ("yes",),
        12,
    )


def test_2026_has_human_titles_in_both_languages() -> None:
    [added] = MODEL_2026.measured[3:]
    assert added.title.en == "Hash checks measured" and added.title.nl == "Hashchecks gemeten"
    gate = MODEL_2026.gates[-1]
    assert "12 weeks" in gate.reason.en and "12 weken" in gate.reason.nl
    assert gate.inconclusive_reason is not None and "hash-check statistics" in gate.inconclusive_reason.en
    assert "{" not in gate.reason.nl + gate.reason.en + gate.title.nl + gate.title.en


def test_2026_comes_into_force_on_new_year_and_the_older_models_name_no_date() -> None:
    assert MODEL_2026.in_force_from == date(2026, 1, 1)
    assert MODEL_2024.in_force_from is None
    assert (MODEL_2026.hash_check_weeks, MODEL_2024.hash_check_weeks) == (12, None)


def _data_2026() -> dict[str, Any]:
    return yaml.safe_load((FIXTURES / "good-hoster-2026.yaml").read_text(encoding="utf-8"))


def _parse(data: dict[str, Any]) -> ScoringModel:
    return parse_scoring_model(data, QUESTIONNAIRE, "good-hoster-2026.yaml")


def _mea4_data(data: dict[str, Any]) -> dict[str, Any]:
    return next(item for item in data["measured"] if item["code"] == "MEA-4")


def _gate_data(data: dict[str, Any]) -> dict[str, Any]:
    return next(item for item in data["gates"] if item["code"] == "hashcheck-measured")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: _mea4_data(d).pop("weeks"),
            "measured MEA-4: missing key 'weeks' (required for kind hash_check_weeks)",
        ),
        (lambda d: _mea4_data(d).update(weeks=0), "measured MEA-4: weeks must be a whole number of at least 1, got 0"),
        (lambda d: _mea4_data(d).update(weeks=60), "measured MEA-4: weeks must be at most 53, got 60"),
        (lambda d: d["measured"][0].update(weeks=12), "measured MEA-1: weeks does not apply to kind within_norm"),
        (
            lambda d: _gate_data(d).update(declared_values=["maybe"]),
            "gate hashcheck-measured: declared_values: 'maybe' is not an option of HCS-1 (options: yes, no)",
        ),
        (lambda d: _gate_data(d).update(criterion="HCS-2"), "criterion HCS-2 is not marked gate: true"),
        (
            lambda d: _gate_data(d).pop("inconclusive_reason"),
            "gate hashcheck-measured: missing key 'inconclusive_reason'",
        ),
        (lambda d: _gate_data(d).update(threshold=0.5), "gate hashcheck-measured: unknown key 'threshold'"),
        (
            lambda d: d.update(in_force_from=date(2026, 1, 1)),
            'in_force_from must be a date in quotes, such as "2026-01-01"',
        ),
        (
            lambda d: d.update(in_force_from="1 januari"),
            "in_force_from must be a date written YYYY-MM-DD, got '1 januari'",
        ),
        (lambda d: d.update(in_force_from="2026-02-30"), "in_force_from must be a date written YYYY-MM-DD"),
    ],
)
def test_a_malformed_2026_model_names_its_problem(change: Any, message: str) -> None:
    data = _data_2026()
    change(data)
    with pytest.raises(ModelError) as raised:
        _parse(data)
    assert message in str(raised.value)


def test_the_unchanged_2026_data_parses() -> None:
    assert _parse(copy.deepcopy(_data_2026())) == _parse(_data_2026())


# ---------------------------------------------------------------------------
# MEA-4: 10 · (weeks with checks among the period's last 12 weeks) / 12


def test_twelve_weeks_with_checks_score_ten() -> None:
    line = mea4(score(MODEL_2026, BEST, metrics(weeks_back(12))))
    assert (line.status, line.points, line.answer) == (Status.SCORED, 10.0, 12)


def test_covered_weeks_without_checks_score_zero() -> None:
    line = mea4(score(MODEL_2026, BEST, metrics(weeks_back(12, checks=0))))
    assert (line.status, line.points, line.answer) == (Status.SCORED, 0.0, 0)


@pytest.mark.parametrize("with_checks", [1, 5, 7, 11])
def test_partial_weeks_score_pro_rata(with_checks: int) -> None:
    weeks = weeks_back(with_checks) + weeks_back(
        12 - with_checks, checks=0, start=LAST_WEEK - timedelta(weeks=with_checks)
    )
    line = mea4(score(MODEL_2026, BEST, metrics(weeks)))
    assert line.points == pytest.approx(10 * with_checks / 12)
    assert line.answer == with_checks


def test_weeks_nobody_measured_count_as_weeks_without_checks_once_some_are_covered() -> None:
    # Three covered weeks, two of them with checks: 2 of 12, not 2 of 3.
    weeks = (*weeks_back(2), HashCheckWeek(LAST_WEEK - timedelta(weeks=5), 0, 0))
    assert mea4(score(MODEL_2026, BEST, metrics(weeks))).points == pytest.approx(10 * 2 / 12)


def test_only_the_last_twelve_weeks_count() -> None:
    early = weeks_back(10, start=LAST_WEEK - timedelta(weeks=12))  # weeks 13-22 back: before the window
    late = (HashCheckWeek(LAST_WEEK + timedelta(weeks=1), 50, 0),)  # after the period's last whole week
    line = mea4(score(MODEL_2026, BEST, metrics((*weeks_back(3), *early, *late))))
    assert line.answer == 3 and line.points == pytest.approx(2.5)


@pytest.mark.parametrize(
    "given",
    [None, (), weeks_back(4, start=LAST_WEEK - timedelta(weeks=12))],
    ids=["no statistics", "statistics without weeks", "statistics only before the window"],
)
def test_without_statistics_covering_the_window_mea4_is_inconclusive(given: Any) -> None:
    card = score(MODEL_2026, BEST, metrics(given))
    line = mea4(card)
    assert (line.status, line.points, line.answer, line.contribution) == (Status.INCONCLUSIVE, None, None, 0.0)
    # left out of the total, as N/A is: the rest still adds up
    assert sum(item.contribution for item in card.criteria) == pytest.approx(card.score)


def test_without_any_metrics_mea4_is_inconclusive() -> None:
    assert mea4(score(MODEL_2026, BEST, None)).status is Status.INCONCLUSIVE


def test_mea4_needs_statistics_not_notices() -> None:
    card = score(MODEL_2026, BEST, metrics(weeks_back(6), notices=3, within_norm=3))
    assert card.criterion("MEA-1").status is Status.INCONCLUSIVE
    assert mea4(card).status is Status.SCORED and mea4(card).points == 5.0


def test_older_models_ignore_hash_checks() -> None:
    with_checks = score(MODEL_2024, BEST, metrics(weeks_back(12, checks=0)))
    assert with_checks.to_dict() == score(MODEL_2024, BEST, metrics(None)).to_dict()


# ---------------------------------------------------------------------------
# The gate: HCS-1 = yes, but no checks measured in the period's last 12 weeks → C


def test_declared_but_no_checks_caps_at_c() -> None:
    card = score(MODEL_2026, BEST, metrics(weeks_back(12, checks=0)))
    gate = card.gate("hashcheck-measured")
    assert (gate.passed, gate.inconclusive, gate.cap) == (False, False, "C")
    assert gate.reason.en.startswith("Connected to the HashCheckService according to the answer (HCS-1)")
    assert card.grade_by_score == "A" and card.grade == "C" and not card.certifiable_by_score


def test_declared_with_one_week_of_checks_passes() -> None:
    weeks = (HashCheckWeek(LAST_WEEK - timedelta(weeks=11), 1, 0), *weeks_back(11, checks=0))
    card = score(MODEL_2026, BEST, metrics(weeks))
    assert card.gate("hashcheck-measured").passed
    assert card.grade == "A"


def test_not_declared_is_not_this_gates_business() -> None:
    card = score(MODEL_2026, {**BEST, "HCS-1": "no"}, metrics(weeks_back(12, checks=0)))
    assert card.gate("hashcheck-measured").passed
    assert not card.gate("hashcheck-connected").passed
    assert [gate.code for gate in card.failed_gates] == ["hashcheck-connected"]
    assert card.grade == "B"


def test_unanswered_hcs1_is_not_this_gates_business_either() -> None:
    answers = {code: value for code, value in BEST.items() if code != "HCS-1"}
    card = score(MODEL_2026, answers, metrics(weeks_back(12, checks=0)))
    assert card.gate("hashcheck-measured").passed
    assert [gate.code for gate in card.failed_gates] == ["hashcheck-connected"]


@pytest.mark.parametrize("given", [None, ()], ids=["no statistics", "statistics without weeks"])
def test_without_statistics_the_gate_does_not_fire(given: Any) -> None:
    card = score(MODEL_2026, BEST, metrics(given))
    gate = card.gate("hashcheck-measured")
    assert gate.passed and gate.inconclusive
    assert gate.reason.en == "Not assessed; there are no hash-check statistics for the last 12 weeks of the period."
    assert card.grade == "A"


def test_declaring_a_connection_nobody_measures_is_worse_than_saying_no() -> None:
    # The one place where a better answer lowers the grade: the gate exists to catch exactly this.
    measured = metrics(weeks_back(12, checks=0))
    assert score(MODEL_2026, {**BEST, "HCS-1": "no"}, measured).grade == "B"
    assert score(MODEL_2026, BEST, measured).grade == "C"


# ---------------------------------------------------------------------------
# The inputs


def test_metrics_without_hash_checks_mean_no_statistics() -> None:
    assert Metrics.from_dict(EXEMPLARY).hash_checks is None
    assert Metrics.from_dict({**EXEMPLARY, "hash_checks": None}).hash_checks is None


def test_hash_checks_round_trip_through_json() -> None:
    given = metrics(weeks_back(3, checks=40, hits=2))
    data = {**EXEMPLARY, "hash_checks": given.hash_checks.to_dict()}
    assert data["hash_checks"]["last_week"] == "2026-W48"
    assert data["hash_checks"]["weeks"][0] == {"week": "2026-W48", "checks": 40, "hits": 2}
    assert Metrics.from_dict(data) == given


def test_a_week_may_be_its_monday() -> None:
    data = {"last_week": "2026-11-23", "weeks": [{"week": "2026-11-16", "checks": 3.0, "hits": 0}]}
    assert HashChecks.from_dict(data) == HashChecks(LAST_WEEK, (HashCheckWeek(date(2026, 11, 16), 3, 0),))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"last_week": "2026-11-24", "weeks": []},
            "2026-11-24 is not a Monday; give the week as 2026-W48 or its Monday",
        ),
        ({"last_week": "2026-W54", "weeks": []}, "2026-W54 is not a week of that year"),
        ({"last_week": "W48", "weeks": []}, "expected an ISO week such as 2026-W07 or its Monday, got 'W48'"),
        ({"last_week": "2026-W48"}, "missing: weeks"),
        ({"last_week": "2026-W48", "weeks": [], "extra": 1}, "unknown: extra"),
        ({"last_week": "2026-W48", "weeks": "all"}, "weeks must be a list"),
        (
            {"last_week": "2026-W48", "weeks": [{"week": "2026-W47", "checks": 1, "hits": 2}]},
            "week 2026-W47: hits (2) exceed checks (1)",
        ),
        ({"last_week": "2026-W48", "weeks": [{"week": "2026-W47", "checks": -1, "hits": 0}]}, "checks must be a whole"),
        ({"last_week": "2026-W48", "weeks": [{"week": "2026-W47", "checks": 1.5, "hits": 0}]}, "got 1.5"),
        (
            {"last_week": "2026-W48", "weeks": [{"week": "2026-W47", "checks": 1}]},
            "expected an object with week, checks",
        ),
        (
            {"last_week": "2026-W48", "weeks": [{"week": "2026-W47", "checks": 1, "hits": 0}] * 2},
            "a week appears more than once",
        ),
        ("2026-W48", "expected an object with last_week and weeks"),
    ],
)
def test_bad_hash_checks_are_refused_with_a_reason(data: Any, message: str) -> None:
    with pytest.raises(ScoringInputError) as raised:
        Metrics.from_dict({**EXEMPLARY, "hash_checks": data})
    assert message in str(raised.value)


def test_a_huge_bad_value_is_quoted_short() -> None:
    with pytest.raises(ScoringInputError) as raised:
        parse_week("x" * 100_000, "week")
    assert len(str(raised.value)) < 200


# ---------------------------------------------------------------------------
# Laws

answer_strategy = st.fixed_dictionaries(
    {}, optional={criterion.code: st.sampled_from([*criterion.option_values, None]) for criterion in SCORED}
)


@st.composite
def hash_checks_strategy(draw: st.DrawFn) -> HashChecks:
    """Statistics over the 20 weeks up to LAST_WEEK (some weeks not covered), plus a few weeks after it."""
    offsets = draw(st.sets(st.integers(min_value=-3, max_value=19), max_size=23))
    weeks = []
    for offset in sorted(offsets):
        checks = draw(st.integers(min_value=0, max_value=1000) | st.just(0))
        hits = draw(st.integers(min_value=0, max_value=checks))
        weeks.append(HashCheckWeek(LAST_WEEK - timedelta(weeks=offset), checks, hits))
    return HashChecks(LAST_WEEK, tuple(weeks))


@settings(max_examples=200, deadline=None)
@given(hash_checks=hash_checks_strategy())
def test_mea4_is_ten_times_the_share_of_the_last_twelve_weeks_with_checks(hash_checks: HashChecks) -> None:
    window = [w for w in hash_checks.weeks if LAST_WEEK - timedelta(weeks=11) <= w.week <= LAST_WEEK]
    line = mea4(score(MODEL_2026, BEST, Metrics(**EXEMPLARY, hash_checks=hash_checks)))
    if not window:
        assert line.status is Status.INCONCLUSIVE
    else:
        assert line.points == pytest.approx(10 * sum(1 for w in window if w.checks) / 12)
        assert 0 <= line.points <= 10


@settings(max_examples=200, deadline=None)
@given(answers=answer_strategy, hash_checks=hash_checks_strategy(), data=st.data())
def test_more_weeks_with_checks_never_lower_score_or_grade(
    answers: dict[str, Any], hash_checks: HashChecks, data: st.DataObject
) -> None:
    if not hash_checks.weeks:
        return
    # Checks found in one more covered week (or more checks in a week that had some).
    index = data.draw(st.integers(min_value=0, max_value=len(hash_checks.weeks) - 1))
    week = hash_checks.weeks[index]
    more = HashCheckWeek(week.week, week.checks + data.draw(st.integers(min_value=1, max_value=50)), week.hits)
    better = HashChecks(LAST_WEEK, (*hash_checks.weeks[:index], more, *hash_checks.weeks[index + 1 :]))
    before = score(MODEL_2026, answers, Metrics(**EXEMPLARY, hash_checks=hash_checks))
    after = score(MODEL_2026, answers, Metrics(**EXEMPLARY, hash_checks=better))
    assert after.score >= before.score
    assert MODEL_2026.grade_rank(after.grade) <= MODEL_2026.grade_rank(before.grade)


@settings(max_examples=200, deadline=None)
@given(answers=answer_strategy, hash_checks=st.none() | hash_checks_strategy())
def test_the_gate_fires_exactly_when_declared_and_measured_without_checks(
    answers: dict[str, Any], hash_checks: HashChecks | None
) -> None:
    card = score(MODEL_2026, answers, Metrics(**EXEMPLARY, hash_checks=hash_checks))
    counted = None if hash_checks is None else hash_checks.weeks_with_checks(12)
    fires = answers.get("HCS-1") == "yes" and counted == 0
    assert card.gate("hashcheck-measured").passed is not fires
    assert sum(item.contribution for item in card.criteria) == pytest.approx(card.score, abs=1e-6)
    assert card.grade == max([card.grade_by_score, *(g.cap for g in card.failed_gates)], key=MODEL_2026.grade_rank)
