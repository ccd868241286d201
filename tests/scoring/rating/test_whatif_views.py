"""Tests of the score-card pages: the hoster's preview and explained card, what-if scoring and model impact."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from scoring.engine import Metrics, improvements
from scoring.rating import scorecards
from scoring.rating.models import Rating
from tests.scoring.rating.helpers import add_notices, best_answers, make_assessment

pytestmark = pytest.mark.django_db


@pytest.fixture
def assessment_a(hoster_a):
    add_notices(hoster_a, [3.0] * 16 + [40.0, 60.0, None, None])
    return make_assessment(hoster_a, {**best_answers(), "KYC-2": "none", "COM-3": "no", "COM-5": ""})


# The preview ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["owner_a", "editor_a", "viewer_a", "supervisor"])
def test_members_and_supervisors_see_the_preview(assessment_a, persona, request, client_for):
    response = client_for(request.getfixturevalue(persona)).get(reverse("scorecard_preview", args=[assessment_a.pk]))
    assert response.status_code == 200


@pytest.mark.parametrize("persona", ["owner_b", "viewer_b", "auditor"])
def test_others_get_404_for_the_preview_and_the_card(assessment_a, persona, request, client_for):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("scorecard_preview", args=[assessment_a.pk])).status_code == 404
    assert client.get(reverse("scorecard_detail", args=[assessment_a.pk])).status_code == 404


def test_the_preview_matches_the_engine(assessment_a, owner_a, client_for):
    response = client_for(owner_a).get(reverse("scorecard_preview", args=[assessment_a.pk]), HTTP_HX_REQUEST="true")
    card = scorecards.compute_scorecard(assessment_a)
    evaluation = response.context["evaluation"]
    expected = improvements(evaluation.model, evaluation.answers, Metrics.from_dict(evaluation.metrics), limit=5)
    assert response.context["card"] == card
    assert response.context["improvements"] == expected
    html = response.content.decode()
    assert "<html" not in html  # a partial for htmx
    assert f'data-score="{card.score:.2f}"' in html and f'data-grade="{card.grade}"' in html
    assert card.grade == "C"  # capped: no identity verification
    assert "The identity of new customers is not verified" in html
    assert f"What to do to reach {expected.next_grade}" in html
    for change in expected.changes:
        assert f"<strong>{change.criterion}</strong>" in html
    assert "lifts gate identity-verification" in html  # answering KYC-2 better lifts that gate


def test_the_preview_shows_the_measured_data_of_the_period(assessment_a, owner_a, client_for):
    response = client_for(owner_a).get(reverse("scorecard_preview", args=[assessment_a.pk]))
    metrics = response.context["metrics"]
    assert (metrics["notices"], metrics["open"], metrics["from"], metrics["to"]) == (20, 2, "2025-01-01", "2026-01-01")
    assert "Notices reported from 2025-01-01 up to (not including) 2026-01-01" in response.content.decode()


def test_the_preview_follows_the_answers(assessment_a, owner_a, client_for):
    from tests.scoring.rating.helpers import set_answers

    client = client_for(owner_a)
    before = client.get(reverse("scorecard_preview", args=[assessment_a.pk])).context["card"]
    set_answers(assessment_a, {"KYC-2": "identity_and_registry"})
    after = client.get(reverse("scorecard_preview", args=[assessment_a.pk])).context["card"]
    assert after.score > before.score
    assert not before.gate("identity-verification").passed and after.gate("identity-verification").passed


def test_previewing_writes_nothing(assessment_a, owner_a, client_for):
    client_for(owner_a).get(reverse("scorecard_preview", args=[assessment_a.pk]))
    client_for(owner_a).get(reverse("scorecard_detail", args=[assessment_a.pk]))
    assert Rating.objects.count() == 0


# The explained card ---------------------------------------------------------------------------------------------


def test_the_card_explains_every_criterion_and_gate(assessment_a, owner_a, client_for):
    response = client_for(owner_a).get(reverse("scorecard_detail", args=[assessment_a.pk]))
    card = response.context["card"]
    lines = response.context["criteria_lines"]
    assert [line.code for line in lines] == [item.code for item in card.criteria]
    assert response.context["contribution_total"] == card.score
    assert len(response.context["gate_lines"]) == len(card.gates)
    html = response.content.decode()
    assert "<caption>" in html and 'scope="col"' in html
    assert "<td>No verification</td>" in html  # the label of KYC-2's chosen option
    assert "not answered" in html  # COM-5
    assert "Total (the contributions add up to the score)" in html


def test_gate_reasons_follow_the_users_language(assessment_a, owner_a, client_for):
    client = client_for(owner_a)
    client.cookies["django_language"] = "nl"
    html = client.get(reverse("scorecard_detail", args=[assessment_a.pk]), HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "De identiteit van nieuwe klanten wordt niet gecontroleerd" in html


def test_the_card_under_another_model_and_basis(assessment_a, owner_a, client_for):
    response = client_for(owner_a).get(
        reverse("scorecard_detail", args=[assessment_a.pk]), {"model": "good-hoster-2024", "basis": "verified"}
    )
    expected = scorecards.compute_scorecard(assessment_a, scorecards.model_version("good-hoster-2024"), "verified")
    assert response.context["card"] == expected
    assert (
        client_for(owner_a).get(reverse("scorecard_detail", args=[assessment_a.pk]), {"model": "x"}).status_code == 404
    )


# What-if --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["owner_a", "editor_a", "viewer_b"])
def test_hosters_may_not_use_what_if_or_impact(persona, request, client_for):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("scorecard_whatif")).status_code == 403
    assert client.post(reverse("scorecard_whatif"), {"answers": "{}"}).status_code == 403
    assert client.get(reverse("scorecard_impact")).status_code == 403


def test_auditors_may_not_see_the_impact_page(auditor, client_for):
    assert client_for(auditor).get(reverse("scorecard_impact")).status_code == 403


@pytest.mark.parametrize("persona", ["supervisor", "auditor"])
def test_what_if_scores_pasted_answers_and_metrics(persona, request, client_for):
    metrics = {"notices": 100, "within_norm": 80, "p90_hours": 40.0, "open_over_norm": 3}
    answers = {**best_answers(), "HCS-1": "no"}
    response = client_for(request.getfixturevalue(persona)).post(
        reverse("scorecard_whatif"),
        {"model": "good-hoster-2020", "answers": json.dumps(answers), "metrics": json.dumps(metrics)},
    )
    assert response.status_code == 200
    expected = scorecards.score(scorecards.model_version().parsed, answers, Metrics.from_dict(metrics))
    assert response.context["card"] == expected
    assert expected.grade == "C"
    assert json.loads(response.context["card_json"]) == expected.to_dict()


def test_what_if_without_metrics_leaves_the_measured_criteria_inconclusive(supervisor, client_for):
    response = client_for(supervisor).post(
        reverse("scorecard_whatif"), {"model": "good-hoster-2024", "answers": json.dumps(best_answers())}
    )
    card = response.context["card"]
    assert card.model == "good-hoster-2024" and card.criterion("MEA-1").status == "inconclusive"


@pytest.mark.parametrize(
    ("answers", "metrics", "message"),
    [
        ('{"CON-1": }', "", "Not valid JSON: line 1, column 11"),
        ('{"CON-1": "maybe"}', "", "criterion CON-1: &#x27;maybe&#x27; is not an option"),
        ('{"CON-1": "yes"}', '{"notices": 3}', "metrics: missing within_norm"),
        (
            '{"CON-1": "yes"}',
            '{"notices": 30, "within_norm": 30, "p90_hours": 1, "open_over_norm": 0, "norm_hours": 24}',
            "computed at a 24-hour norm",
        ),
    ],
)
def test_what_if_explains_bad_input(supervisor, client_for, answers, metrics, message):
    response = client_for(supervisor).post(
        reverse("scorecard_whatif"), {"model": "good-hoster-2024", "answers": answers, "metrics": metrics}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "card" not in response.context


def test_what_if_prefills_an_assessment(assessment_a, supervisor, client_for):
    response = client_for(supervisor).get(reverse("scorecard_whatif"), {"assessment": assessment_a.pk})
    form = response.context["form"]
    assert json.loads(form.initial["answers"]) == scorecards.answers_as_json(scorecards.answers_for(assessment_a))
    assert json.loads(form.initial["metrics"])["notices"] == 20
    scored = client_for(supervisor).post(
        reverse("scorecard_whatif"),
        {"model": "good-hoster-2020", "answers": form.initial["answers"], "metrics": form.initial["metrics"]},
    )
    assert scored.context["card"] == scorecards.compute_scorecard(assessment_a)


def test_what_if_prefill_respects_access(assessment_a, auditor, client_for):
    assert client_for(auditor).get(reverse("scorecard_whatif"), {"assessment": assessment_a.pk}).status_code == 404


# Impact ---------------------------------------------------------------------------------------------------------


def test_the_impact_page_compares_every_current_assessment(hoster_a, hoster_b, supervisor, client_for):
    add_notices(hoster_a, [20.0] * 30)
    make_assessment(hoster_a)
    make_assessment(hoster_b, {**best_answers(), "NTD-1": "no"})
    response = client_for(supervisor).get(
        reverse("scorecard_impact"), {"a": "good-hoster-2020", "b": "good-hoster-2024"}
    )
    assert response.status_code == 200
    summary = response.context["summary"]
    assert (summary["down"], summary["same"], summary["lose_certifiability"]) == (1, 1, ["hoster-a"])
    html = response.content.decode()
    assert "loses certifiability" in html and "<caption>" in html
    assert response.context["rows"][0].hoster == "hoster-a"  # changes first


def test_the_impact_page_defaults_to_the_model_in_force_against_the_other(supervisor, client_for):
    response = client_for(supervisor).get(reverse("scorecard_impact"))
    assert (response.context["code_a"], response.context["code_b"]) == ("good-hoster-2020", "good-hoster-2024")
    assert client_for(supervisor).get(reverse("scorecard_impact"), {"b": "nope"}).status_code == 404
