"""Tests of `GET /api/v1/assessments/<id>/score/`: the engine's card for a hoster key or a member's session."""

from __future__ import annotations

import pytest
from django.test import Client

from portal.api import create_api_key
from portal.models import ApiKey
from scoring.rating import scorecards
from tests.scoring.rating.helpers import add_notices, best_answers, make_assessment

pytestmark = pytest.mark.django_db


@pytest.fixture
def assessment_a(hoster_a):
    add_notices(hoster_a, [3.0] * 25)
    return make_assessment(hoster_a, {**best_answers(), "KYC-2": "contact"})


def url(assessment) -> str:
    return f"/api/v1/assessments/{assessment.pk}/score/"


def key_client(user, hoster) -> Client:
    _key, token = create_api_key(user, "ci", ApiKey.Scope.HOSTER, hoster)
    return Client(HTTP_AUTHORIZATION=f"Api-Key {token}")


def test_a_hoster_key_reads_its_own_score_card(assessment_a, owner_a, hoster_a):
    response = key_client(owner_a, hoster_a).get(url(assessment_a))
    assert response.status_code == 200
    body = response.json()
    card = scorecards.compute_scorecard(assessment_a).to_dict()
    assert {key: body[key] for key in card} == card
    assert (body["assessment"], body["hoster"], body["basis"]) == (assessment_a.pk, "hoster-a", "self_assessed")
    assert body["model"] == "good-hoster-2020" and body["model_version"] == 1
    assert body["metrics"]["notices"] == 25 and body["metrics"]["norm_hours"] == 24


def test_another_hosters_key_gets_404(assessment_a, owner_b, hoster_b):
    response = key_client(owner_b, hoster_b).get(url(assessment_a))
    assert response.status_code == 404


def test_a_key_of_b_made_by_a_member_of_both_still_gets_404(assessment_a, owner_b, hoster_a, hoster_b):
    from portal.models import Membership

    Membership.objects.create(user=owner_b, hoster=hoster_a, role="viewer")
    response = key_client(owner_b, hoster_b).get(url(assessment_a))
    assert response.status_code == 404


def test_another_hosters_session_gets_404(assessment_a, owner_b, client_for):
    assert client_for(owner_b).get(url(assessment_a)).status_code == 404


@pytest.mark.parametrize("persona", ["owner_a", "viewer_a", "supervisor"])
def test_members_and_supervisors_read_it_with_a_session(assessment_a, persona, request, client_for):
    response = client_for(request.getfixturevalue(persona)).get(url(assessment_a))
    assert response.status_code == 200
    assert response.json()["grade"] == scorecards.compute_scorecard(assessment_a).grade


def test_anonymous_is_refused(assessment_a):
    assert Client().get(url(assessment_a)).status_code in {401, 403}


def test_an_unknown_assessment_is_404(owner_a, hoster_a):
    assert key_client(owner_a, hoster_a).get("/api/v1/assessments/999999/score/").status_code == 404


def test_another_model_by_code(assessment_a, owner_a, client_for):
    body = client_for(owner_a).get(url(assessment_a), {"model": "good-hoster-2024"}).json()
    assert body["model"] == "good-hoster-2024" and body["metrics"]["norm_hours"] == 12
    expected = scorecards.compute_scorecard(assessment_a, scorecards.model_version("good-hoster-2024"))
    assert body["score"] == expected.score


def test_the_verified_basis(assessment_a, owner_a, client_for):
    body = client_for(owner_a).get(url(assessment_a), {"basis": "verified"}).json()
    assert body["basis"] == "verified" and body["grade"] == "F"


@pytest.mark.parametrize(
    ("params", "message"), [({"model": "nope"}, "unknown scoring model"), ({"basis": "x"}, "basis")]
)
def test_bad_parameters_are_400(assessment_a, owner_a, client_for, params, message):
    response = client_for(owner_a).get(url(assessment_a), params)
    assert response.status_code == 400
    assert message in response.json()["detail"]


def test_the_endpoint_is_documented(supervisor, client_for):
    schema = client_for(supervisor).get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/assessments/{id}/score/"]["get"]
    assert operation["operationId"] == "assessment_score_read"
    assert {parameter["name"] for parameter in operation["parameters"]} >= {"model", "basis"}
    assert set(operation["responses"]) == {"200", "400", "404", "401", "403"}
