"""Tests of `manage.py score`: what-if scoring from real JSON files, and the web card it reproduces."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from scoring.engine import Metrics, score
from scoring.rating import scorecards
from tests.scoring.rating.helpers import add_notices, best_answers, make_assessment

pytestmark = pytest.mark.django_db

METRICS = {
    "hoster": "hoster-a",
    "notices": 200,
    "share_pct": 12.5,
    "within_norm": 196,
    "within_norm_pct": 98.0,
    "within_24h": 196,
    "between_24_48h": 2,
    "over_48h_or_open": 2,
    "median_hours": 3.1,
    "p90_hours": 9.5,
    "open": 1,
    "open_over_norm": 1,
}


def write(tmp_path: Path, name: str, data: object) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    return path


def run_score(*args: str) -> dict:
    out = StringIO()
    call_command("score", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_answers_only_leave_the_measured_criteria_inconclusive(tmp_path):
    card = run_score("--answers", str(write(tmp_path, "answers.json", best_answers())))
    assert card["model"] == "good-hoster-2020"
    assert (card["score"], card["grade"], card["certifiable_by_score"]) == (100.0, "A", True)
    measured = [item for item in card["criteria"] if item["code"].startswith("MEA-")]
    assert [item["code"] for item in measured] == ["MEA-1", "MEA-2", "MEA-3"]
    assert {item["status"] for item in measured} == {"inconclusive"}
    assert set(card) == {"model", "score", "grade", "grade_by_score", "certifiable_by_score", "gates", "criteria"}
    assert set(card["gates"][0]) >= {"code", "passed", "cap", "reason"}
    assert set(card["criteria"][0]) == {"code", "answer", "points", "weight", "contribution", "status"}


def test_answers_and_metrics_give_the_engines_card(tmp_path):
    answers = {**best_answers(), "HCS-1": "no", "COM-5": None}
    card = run_score(
        "--answers",
        str(write(tmp_path, "answers.json", answers)),
        "--metrics",
        str(write(tmp_path, "metrics.json", METRICS)),
    )
    model = scorecards.model_version().parsed
    assert card == score(model, answers, Metrics.from_dict(METRICS)).to_dict()
    assert card["grade"] == "B"  # not connected to the HashCheckService caps at B
    assert next(item for item in card["criteria"] if item["code"] == "COM-5")["status"] == "unanswered"
    assert round(sum(item["contribution"] for item in card["criteria"]), 2) == card["score"]


def test_unanswered_scored_criteria_count_zero(tmp_path):
    card = run_score("--answers", str(write(tmp_path, "answers.json", {"CON-1": "yes", "NTD-1": "yes"})))
    unanswered = [item for item in card["criteria"] if item["status"] == "unanswered"]
    assert unanswered and all(item["points"] == 0 and item["contribution"] == 0 for item in unanswered)
    assert card["score"] < 20


def test_na_answers_are_left_out(tmp_path):
    answers = {**best_answers(), "HCS-2": {"na": True}}
    card = run_score("--answers", str(write(tmp_path, "answers.json", answers)))
    assert next(item for item in card["criteria"] if item["code"] == "HCS-2")["status"] == "na"


def test_another_model_is_chosen_by_code(tmp_path):
    metrics = {**METRICS, "p90_hours": 20.0}
    args = [
        "--answers",
        str(write(tmp_path, "a.json", best_answers())),
        "--metrics",
        str(write(tmp_path, "m.json", metrics)),
    ]
    at_24 = run_score(*args)
    at_12 = run_score(*args, "--model", "good-hoster-2024")
    assert at_12["model"] == "good-hoster-2024"
    assert at_12["score"] < at_24["score"]


def test_text_output_without_json(tmp_path):
    out = StringIO()
    call_command("score", "--answers", str(write(tmp_path, "a.json", best_answers())), stdout=out)
    text = out.getvalue()
    assert "score 100.00, grade A" in text and "MEA-1" in text


@pytest.mark.parametrize(
    ("answers", "metrics", "model", "message"),
    [
        ('{"CON-1": "yes",}', None, None, "answers file .*: not valid JSON: line 1 column 17"),
        (["CON-1"], None, None, "answers: expected a JSON object"),
        ({"XYZ-9": "yes"}, None, None, "unknown criterion 'XYZ-9'"),
        ({"CON-1": "maybe"}, None, None, r"criterion CON-1: 'maybe' is not an option \(options: yes, no\)"),
        ({"CON-1": 1}, None, None, "CON-1: the answer must be an option value in quotes"),
        ({"CON-1": "yes"}, {"notices": 10}, None, "metrics: missing within_norm, p90_hours, open_over_norm"),
        ({"CON-1": "yes"}, {**METRICS, "within_norm": 500}, None, r"exceeds the due notices \(200\)"),
        ({"CON-1": "yes"}, {**METRICS, "norm_hours": 24}, "good-hoster-2024", "computed at a 24-hour norm"),
        ({"CON-1": "yes"}, None, "no-such-model", "unknown scoring model 'no-such-model'"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(tmp_path, answers, metrics, model, message):
    args = ["score", "--answers", str(write(tmp_path, "answers.json", answers)), "--json"]
    if metrics is not None:
        args += ["--metrics", str(write(tmp_path, "metrics.json", metrics))]
    if model:
        args += ["--model", model]
    with pytest.raises(CommandError, match=message):
        call_command(*args)


def test_bad_input_exits_with_status_1(tmp_path, capsys):
    from django.core.management import ManagementUtility

    missing = tmp_path / "missing.json"
    with pytest.raises(SystemExit) as exited:
        ManagementUtility(["manage.py", "score", "--answers", str(missing), "--json"]).execute()
    assert exited.value.code == 1
    assert f"answers file {missing}: cannot read it" in capsys.readouterr().err


def test_the_web_card_is_what_the_command_prints_for_the_same_input(tmp_path, hoster_a, owner_a, client_for):
    add_notices(hoster_a, [1.0] * 15 + [30.0, 50.0, None])
    assessment = make_assessment(hoster_a, {**best_answers(), "KYC-2": "payment", "HCS-3": "no"})
    response = client_for(owner_a).get(reverse("scorecard_detail", args=[assessment.pk]))
    assert response.status_code == 200
    web_card = response.context["card"].to_dict()
    answers = write(tmp_path, "answers.json", response.context["evaluation"].answers_json)
    metrics = write(tmp_path, "metrics.json", response.context["evaluation"].metrics)
    assert run_score("--answers", str(answers), "--metrics", str(metrics)) == web_card
    assert web_card == scorecards.compute_scorecard(assessment).to_dict()
