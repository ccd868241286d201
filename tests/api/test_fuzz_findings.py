"""Regression tests for what the API fuzzing found: undocumented statuses, HTML error pages, accepted invalid input."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.core.cache import cache
from django.test import Client

from assessments import services
from portal.api import create_api_key
from portal.models import ApiKey


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def draft_a(owner_a, hoster_a):
    return services.start_assessment(owner_a, hoster_a, date(2025, 1, 1), date(2025, 12, 31))


@pytest.fixture
def hoster_client(owner_a, hoster_a) -> Client:
    _key, token = create_api_key(owner_a, "test", ApiKey.Scope.HOSTER, hoster_a)
    return Client(HTTP_AUTHORIZATION=f"Api-Key {token}")


@pytest.fixture
def supervisor_client(supervisor) -> Client:
    _key, token = create_api_key(supervisor, "test", ApiKey.Scope.SUPERVISOR)
    return Client(HTTP_AUTHORIZATION=f"Api-Key {token}")


@pytest.mark.django_db
def test_the_schema_documents_refusals():
    paths = Client().get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    for path, method in [
        ("/api/v1/assessments/{id}/answers/", "get"),
        ("/api/v1/assessments/{id}/answers/", "put"),
        ("/api/v1/assessments/{id}/score/", "get"),
        ("/api/v1/notices/", "post"),
    ]:
        assert {"401", "403"} <= set(paths[path][method]["responses"]), (method, path)
    for path in ["/api/v1/registry/", "/api/v1/hosters/{slug}/", "/api/v1/certificates/{serial}/"]:
        assert "404" in paths[path]["get"]["responses"], path
    assert "404" in paths["/api/v1/assessments/{id}/answers/"]["get"]["responses"]
    assert list(paths["/api/v1/notices/"]["post"]["requestBody"]["content"]) == ["application/json"]
    assert list(paths["/api/v1/assessments/{id}/answers/"]["put"]["requestBody"]["content"]) == ["application/json"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/nothing-here/"),
        ("GET", "/api/v1/assessments/not-a-number/answers/"),
        ("PUT", "/api/v1/assessments/-1/answers/"),  # no CSRF token: still a JSON 404, not the HTML 403 page
        ("GET", "/api/v1/assessments/%0A/score/"),  # a newline in the path
        ("POST", "/api/v2/notices/"),
    ],
)
def test_an_unknown_api_path_is_a_json_404(method, path):
    response = Client(enforce_csrf_checks=True).generic(method, path, "{}", content_type="application/json")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


@pytest.mark.django_db
def test_an_api_path_without_the_slash_is_still_redirected():
    response = Client().get("/api/v1/registry")
    assert response.status_code == 301 and response["Location"] == "/api/v1/registry/"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("", 200),
        ("?grade=A&sort=score&page=1", 200),
        ("?grade=C", 400),
        ("?grade=b", 200),
        ("?grade=", 400),
        ("?sort=price", 400),
        ("?sort=", 400),
        ("?page=", 404),
        ("?page=last", 404),
        ("?page=-1", 404),
        ("?page=2", 404),
        ("?q=" + "x" * 600, 200),  # a long query: the cache key is hashed, not the URL itself
    ],
)
def test_registry_parameters_are_checked(query, status):
    response = Client().get(f"/api/v1/registry/{query}")
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    if status != 200:
        assert set(response.json()) == {"detail"}


@pytest.mark.django_db
def test_score_basis_must_be_named(hoster_client, draft_a):
    url = f"/api/v1/assessments/{draft_a.pk}/score/"
    assert hoster_client.get(url).status_code == 200
    assert hoster_client.get(url + "?basis=verified").status_code == 200
    response = hoster_client.get(url + "?basis=")
    assert response.status_code == 400 and "Unknown basis" in response.json()["detail"]


@pytest.mark.django_db
def test_answers_take_json_only(hoster_client, draft_a):
    url = f"/api/v1/assessments/{draft_a.pk}/answers/"
    response = hoster_client.put(url, "answers=x", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    response = hoster_client.put(url, "{not json", content_type="application/json")
    assert response.status_code == 400 and "detail" in response.json()


@pytest.mark.django_db
def test_answers_accept_the_documented_plain_values(hoster_client, draft_a):
    url = f"/api/v1/assessments/{draft_a.pk}/answers/"
    body = {"answers": {"KYC-2": "identity", "HCS-2": {"na": True, "justification": "No upload services."}}}
    response = hoster_client.put(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["answers"]["KYC-2"]["value"] == "identity"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "content_type", "query", "status"),
    [
        ("[]", "application/json", "?dry_run=true", 200),
        ("[]", "application/json", "?dry_run=0", 201),
        ("[]", "application/json", "?dry_run=", 400),
        ("[]", "application/json", "?dry_run=maybe", 400),
        ("{not json", "application/json", "", 400),
        ("notice_id=1", "application/x-www-form-urlencoded", "", 415),
        ("--x\r\n\r\n--x--", "multipart/form-data; boundary=x", "", 415),
    ],
)
def test_notice_import_checks_its_input(supervisor_client, body, content_type, query, status):
    response = supervisor_client.post(f"/api/v1/notices/{query}", body, content_type=content_type)
    assert response.status_code == status, response.content
    data = response.json()
    if status == 400:
        assert data["rejected"] == 0 and data["errors"], data
    elif status == 415:
        assert "detail" in data


# NUL characters: PostgreSQL cannot hold them in text, so every lookup or store of one used to be a 500 there.


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/certificates/GH-2025%00/", 404),
        ("/api/v1/registry/?q=a%00b", 400),
        ("/verify/GH-2025%00/", 404),
        ("/certificates/GH-2025%00.pdf", 404),
    ],
)
def test_a_nul_in_a_public_url_is_refused(path, status):
    assert Client().get(path).status_code == status


@pytest.mark.django_db
def test_a_nul_in_a_score_model_is_refused(hoster_client, draft_a):
    response = hoster_client.get(f"/api/v1/assessments/{draft_a.pk}/score/?model=a%00b")
    assert response.status_code == 400 and "NUL" in response.json()["detail"]


@pytest.mark.django_db
def test_a_nul_in_an_answer_is_refused(hoster_client, draft_a):
    body = {"answers": {"KYC-2": {"value": "identity", "comment": "a\x00b"}}}
    response = hoster_client.put(
        f"/api/v1/assessments/{draft_a.pk}/answers/", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 400 and "NUL" in response.json()["detail"]
    assert not draft_a.answers.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "body"),
    [
        ("", [{"notice_id": "a\x00b", "reported_at": "2025-01-01T00:00:00+00:00", "hoster": "hoster-a"}]),
        ("?source=a%00b", [{"notice_id": "n1", "reported_at": "2025-01-01T00:00:00+00:00", "hoster": "hoster-a"}]),
        ("?timezone=Europe/Amsterdam%00", []),
    ],
)
def test_a_nul_in_a_notice_import_is_refused(supervisor_client, hoster_a, query, body):
    response = supervisor_client.post(f"/api/v1/notices/{query}", json.dumps(body), content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["rejected"] == 0 and "NUL" in response.json()["errors"][0]
