"""POST /api/v1/notices/: supervisors only, the same validation as the CSV import."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from portal.api import create_api_key
from portal.models import ApiKey
from scoring.measurement.models import ImportBatch, Notice

pytestmark = pytest.mark.django_db

URL = "/api/v1/notices/"


def post(token: str, body, query: str = ""):
    return Client().post(URL + query, body, content_type="application/json", HTTP_AUTHORIZATION=f"Api-Key {token}")


def test_url_name():
    assert reverse("api:scoring_api:notices") == URL


def test_supervisor_key_imports_notices(supervisor, hoster_a):
    _, token = create_api_key(supervisor, "hotline", ApiKey.Scope.SUPERVISOR)
    body = [
        {"notice_id": "n1", "reported_at": "2024-03-01T10:00:00Z", "ip": "192.0.2.1"},
        {"notice_id": "n2", "reported_at": "2024-03-01T10:00:00+02:00", "removed_at": None, "asn": 64500},
    ]
    response = post(token, body)
    assert response.status_code == 201, response.content
    assert response.json() | {"batch": None} == {
        "batch": None,
        "dry_run": False,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "unattributed": 0,
        "rejected": 0,
    }
    assert ImportBatch.objects.get().channel == "api"
    assert post(token, body).json()["unchanged"] == 2


def test_same_validation_as_the_file_import(supervisor, hoster_a):
    _, token = create_api_key(supervisor, "hotline", ApiKey.Scope.SUPERVISOR)
    body = [
        {"notice_id": "n1", "reported_at": "2024-03-01T10:00:00", "ip": "192.0.2.1"},
        {
            "notice_id": "n2",
            "reported_at": "2024-03-01T10:00:00Z",
            "removed_at": "2024-03-01T09:00:00Z",
            "ip": "1.1.1.1",
        },
        {"notice_id": "n2", "reported_at": "2024-03-01T10:00:00Z", "ip": "::g"},
        {"notice_id": "n4", "reported_at": "2024-03-01T10:00:00Z"},
        {"notice_id": "n5", "reported_at": "2024-03-01T10:00:00Z", "asn": "AS0"},
        {"notice_id": "n6", "reported_at": "2024-03-01T10:00:00Z", "hoster": "nope"},
    ]
    response = post(token, body)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [e.split(":")[0] + ":" + e.split(":")[1] for e in errors] == [
        "item 1: reported_at",
        "item 2: removed_at",
        "item 3: notice_id",
        "item 3: ip",
        "item 4: hoster",
        "item 5: asn",
        "item 6: hoster",
    ]
    assert not Notice.objects.exists() and not ImportBatch.objects.exists()
    assert post(token, [body[0]], "?timezone=Europe/Amsterdam").status_code == 201


def test_dry_run_and_non_list_body(supervisor, hoster_a):
    _, token = create_api_key(supervisor, "hotline", ApiKey.Scope.SUPERVISOR)
    body = [{"notice_id": "n1", "reported_at": "2024-03-01T10:00:00Z", "ip": "192.0.2.1"}]
    response = post(token, body, "?dry_run=true")
    assert response.status_code == 200 and response.json()["created"] == 1
    assert not Notice.objects.exists()
    assert post(token, {"notice_id": "n1"}).status_code == 400


def test_hoster_keys_and_hoster_sessions_are_refused(owner_a, hoster_a, client_for):
    _, token = create_api_key(owner_a, "ours", ApiKey.Scope.HOSTER, hoster=hoster_a)
    body = [{"notice_id": "n1", "reported_at": "2024-03-01T10:00:00Z", "ip": "192.0.2.1"}]
    assert post(token, body).status_code == 403
    assert client_for(owner_a).post(URL, body, content_type="application/json").status_code == 403
    assert Client().post(URL, body, content_type="application/json").status_code in (401, 403)
    assert not Notice.objects.exists()


def test_supervisor_session_may_post(client_for, supervisor, hoster_a):
    body = [{"notice_id": "n1", "reported_at": "2024-03-01T10:00:00Z", "ip": "192.0.2.1"}]
    assert client_for(supervisor).post(URL, body, content_type="application/json").status_code == 201


def test_documented_in_the_schema(client):
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/notices/"]["post"]
    assert operation["operationId"] == "notices_import"
    assert "400" in operation["responses"]
