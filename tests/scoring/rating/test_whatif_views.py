"""Tests of the score-card pages: the hoster's preview and explained card, and model impact (the what-if page itself
is tested in test_whatif_page)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from scoring.engine import Metrics, improvements
from scoring.rating import scorecards
from scoring.rating.models import Rating
from tests.scoring.certification.helpers import certify
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
    questionnaire = evaluation.model.questionnaire
    for change in expected.changes:
        criterion = questionnaire.criterion(change.criterion)
        assert f'{criterion.text.en} <small class="text-body-secondary">{change.criterion}</small>' in html
        assert f"<strong>{criterion.option(change.to_value).label.en}</strong>" in html
    # answering KYC-2 better lifts that gate, named in words
    assert "lifts the gate: The identity of new customers is verified." in html
    assert "identity-verification" not in html


def test_the_preview_shows_the_measured_data_of_the_period(assessment_a, owner_a, client_for):
    response = client_for(owner_a).get(reverse("scorecard_preview", args=[assessment_a.pk]))
    metrics = response.context["metrics"]
    assert (metrics["notices"], metrics["open"], metrics["from"], metrics["to"]) == (20, 2, "2025-01-01", "2026-01-01")
    caption = "Notices reported from 1 January 2025 to 31 December 2025; removal times counted up to 1 January 2026"
    assert caption in response.content.decode()


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


# Supervisors ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["owner_a", "editor_a", "viewer_b", "auditor"])
def test_only_supervisors_see_the_impact_page(persona, request, client_for):
    assert client_for(request.getfixturevalue(persona)).get(reverse("scorecard_impact")).status_code == 403


def test_supervisors_are_offered_what_if_from_the_card_and_hosters_are_not(
    assessment_a, owner_a, supervisor, client_for
):
    whatif = f"{reverse('scorecard_whatif')}?assessment={assessment_a.pk}&amp;model=good-hoster-2020"
    assert whatif in client_for(supervisor).get(reverse("scorecard_detail", args=[assessment_a.pk])).content.decode()
    assert whatif not in client_for(owner_a).get(reverse("scorecard_detail", args=[assessment_a.pk])).content.decode()


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
    assert "Summary: Good hosting 2020 (24-hour norm) → Good hosting 2024 (12-hour norm)" in html
    assert "<td>Hoster A</td>" in html  # who loses certifiability, by name
    assert response.context["rows"][0].hoster == "hoster-a"  # changes first


def test_the_impact_page_defaults_to_the_model_in_force_against_the_other(supervisor, client_for):
    response = client_for(supervisor).get(reverse("scorecard_impact"))
    assert (response.context["code_a"], response.context["code_b"]) == ("good-hoster-2020", "good-hoster-2024")
    assert client_for(supervisor).get(reverse("scorecard_impact"), {"b": "nope"}).status_code == 404


def test_saved_ratings_name_their_model_in_words(owner_a, hoster_a, supervisor, client_for):
    certificate = certify(owner_a, hoster_a, supervisor)
    html = client_for(owner_a).get(reverse("scorecard_detail", args=[certificate.assessment_id])).content.decode()
    assert "Saved ratings" in html and "<td>Good hosting 2020 (24-hour norm)</td>" in html
    assert "good-hoster-2020 v1" not in html
