"""Hostile JSON bodies get a 400 with a message, never a 500: deep nesting, oversized bodies, NUL characters."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.test import Client

from assessments import services
from portal.api import JSON_DEPTH_MAX, create_api_key, json_problem
from portal.models import ApiKey
from scoring.measurement.models import Notice

pytestmark = pytest.mark.django_db

NOTICES = "/api/v1/notices/"


@pytest.fixture
def supervisor_client(supervisor) -> Client:
    _key, token = create_api_key(supervisor, "test", ApiKey.Scope.SUPERVISOR)
    return Client(HTTP_AUTHORIZATION=f"Api-Key {token}", raise_request_exception=False)


@pytest.fixture
def hoster_client(owner_a, hoster_a) -> Client:
    _key, token = create_api_key(owner_a, "test", ApiKey.Scope.HOSTER, hoster_a)
    return Client(HTTP_AUTHORIZATION=f"Api-Key {token}", raise_request_exception=False)


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("depth", [JSON_DEPTH_MAX + 1, 900, 5000, 100_000])
def test_deeply_nested_json_is_a_400_on_the_notice_import(supervisor_client, depth):
    response = supervisor_client.post(NOTICES, nested(depth), content_type="application/json")
    assert response.status_code == 400, response.content[:200]
    assert response.json()["rejected"] == 0
    assert f"nested at most {JSON_DEPTH_MAX} levels deep" in response.json()["errors"][0]


@pytest.mark.parametrize("depth", [JSON_DEPTH_MAX + 1, 100_000])
def test_deeply_nested_json_is_a_400_on_the_answers(hoster_client, owner_a, hoster_a, depth):
    draft = services.start_assessment(owner_a, hoster_a, date(2025, 1, 1), date(2025, 12, 31))
    body = '{"answers": ' + nested(depth) + "}"
    response = hoster_client.put(f"/api/v1/assessments/{draft.pk}/answers/", body, content_type="application/json")
    assert response.status_code == 400 and "nested at most" in response.json()["detail"]


def test_deeply_nested_objects_count_alike():
    deep: dict = {}
    inner = deep
    for _ in range(JSON_DEPTH_MAX):
        inner["k"] = {}
        inner = inner["k"]
    assert json_problem(deep) is not None
    assert json_problem({"a": [{"b": "c"}]}) is None
    assert json_problem({"a\x00": 1}) is not None and json_problem(["ok", ["a\x00"]]) is not None


def test_a_body_over_djangos_limit_is_a_400(supervisor_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps([{"notice_id": f"n{i}", "reported_at": "2024-03-01T10:00:00Z"} for i in range(40)])
    response = supervisor_client.post(NOTICES, body, content_type="application/json")
    assert response.status_code == 400 and "at most 1000 bytes" in response.json()["errors"][0]
    assert not Notice.objects.exists()


def test_a_body_at_the_limit_is_read(supervisor_client, hoster_a, settings):
    body = json.dumps([{"notice_id": "n1", "reported_at": "2024-03-01T10:00:00Z", "ip": "192.0.2.1"}])
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = len(body)
    assert supervisor_client.post(NOTICES, body, content_type="application/json").status_code == 201


def test_a_nul_in_a_key_is_a_400(supervisor_client):
    body = json.dumps([{"notice_id\x00": "n1"}])
    response = supervisor_client.post(NOTICES, body, content_type="application/json")
    assert response.status_code == 400 and "NUL" in response.json()["errors"][0]
