"""Tests of `manage.py compare_models` and the comparison service: grades moving between scoring models."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from scoring.rating import scorecards
from scoring.rating.models import Rating
from tests.scoring.rating.helpers import add_notices, best_answers, make_assessment

pytestmark = pytest.mark.django_db


@pytest.fixture
def assessments(hoster_a, hoster_b):
    """A removes everything in 20 hours (fine at 24, failing at 12); B removes within 2 hours but lacks HCS-1."""
    add_notices(hoster_a, [20.0] * 30)
    add_notices(hoster_b, [2.0] * 30)
    return make_assessment(hoster_a), make_assessment(hoster_b, {**best_answers(), "HCS-1": "no"})


def run(*args: str) -> str:
    out = StringIO()
    call_command("compare_models", *args, stdout=out)
    return out.getvalue()


def test_json_gives_both_cards_per_assessment_and_a_summary(assessments):
    result = json.loads(run("good-hoster-2020", "good-hoster-2024", "--json"))
    assert (result["model_a"], result["model_b"]) == ("good-hoster-2020 v1", "good-hoster-2024 v1")
    rows = {row["hoster"]: row for row in result["assessments"]}
    assert rows["hoster-a"]["a"] == {"score": 100.0, "grade": "A", "certifiable_by_score": True}
    assert rows["hoster-a"]["b"]["grade"] == "C" and not rows["hoster-a"]["b"]["certifiable_by_score"]
    assert rows["hoster-a"]["direction"] == "down"
    assert rows["hoster-b"]["a"]["grade"] == rows["hoster-b"]["b"]["grade"] == "B"
    assert rows["hoster-b"]["direction"] == "same"
    assert result["summary"] == {
        "assessments": 2,
        "up": 0,
        "down": 1,
        "same": 1,
        "lose_certifiability": ["hoster-a"],
        "gain_certifiability": [],
    }


def test_the_scores_are_the_engines_under_each_model(assessments):
    result = json.loads(run("good-hoster-2020", "good-hoster-2024", "--json"))
    for row, assessment in zip(result["assessments"], assessments, strict=True):
        for side, code in (("a", "good-hoster-2020"), ("b", "good-hoster-2024")):
            card = scorecards.compute_scorecard(assessment, scorecards.model_version(code))
            assert (row[side]["score"], row[side]["grade"]) == (card.score, card.grade)


def test_reversed_the_grade_goes_up_and_certifiability_is_gained(assessments):
    summary = json.loads(run("good-hoster-2024", "good-hoster-2020", "--json"))["summary"]
    assert (summary["up"], summary["down"], summary["gain_certifiability"]) == (1, 0, ["hoster-a"])


def test_text_output_names_the_hosters_that_lose_certifiability(assessments):
    text = run("good-hoster-2020", "good-hoster-2024")
    assert "grades up 0, down 1, same 1" in text
    assert "lose certifiability: hoster-a" in text
    assert "hoster-b" in text


def test_comparing_writes_nothing(assessments):
    run("good-hoster-2020", "good-hoster-2024")
    assert Rating.objects.count() == 0


def test_without_assessments_the_summary_is_empty(db):
    assert json.loads(run("good-hoster-2020", "good-hoster-2024", "--json"))["summary"]["assessments"] == 0


def test_an_unknown_model_is_refused(db):
    with pytest.raises(
        CommandError,
        match=r"unknown scoring model 'nope' \(published: good-hoster-2020, good-hoster-2024, good-hoster-2026\)",
    ):
        run("good-hoster-2020", "nope")
