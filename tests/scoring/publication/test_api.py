"""The public API: exact field sets, nothing private, constant queries, throttling, and offline docs."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.throttling import AnonRateThrottle

from scoring.certification.services import suspend_certificate
from scoring.publication.monitor_periods import publish_monitor_period
from tests.scoring.certification.helpers import bulk_certificates, notices_for

pytestmark = pytest.mark.django_db
REGISTRY = "/api/v1/registry/"
ENTRY_FIELDS = {"slug", "name", "grade", "score", "certificate"}
SUMMARY_FIELDS = {"serial", "status", "issued_at", "valid_until"}
EVENT_FIELDS = {"kind", "at", "reason"}
HOSTER_FIELDS = {
    "slug",
    "name",
    "website",
    "certified",
    "grade",
    "score",
    "certificate",
    "sections",
    "certificates",
    "monitor",
}
CERTIFICATE_FIELDS = {
    "serial",
    "status",
    "hoster",
    "grade",
    "score",
    "issued_at",
    "valid_until",
    "period_start",
    "period_end",
    "scoring_model",
    "questionnaire",
    "sections",
    "pdf_url",
    "pdf_sha256",
    "verify_url",
    "events",
}


def test_the_registry_entries_have_exactly_the_public_fields(client, certificate_a, certificate_b):
    data = client.get(REGISTRY).json()
    assert set(data) == {"count", "next", "previous", "results"} and data["count"] == 2
    first = data["results"][0]
    assert set(first) == ENTRY_FIELDS and set(first["certificate"]) == SUMMARY_FIELDS
    assert first == {
        "slug": "hoster-a",
        "name": "Hoster A",
        "grade": "A",
        "score": 100.0,
        "certificate": {
            "serial": certificate_a.serial,
            "status": "valid",
            "issued_at": first["certificate"]["issued_at"],
            "valid_until": certificate_a.valid_until.isoformat(),
        },
    }


def test_the_registry_api_filters_like_the_page(client, certificate_a, certificate_b):
    assert [e["slug"] for e in client.get(REGISTRY, {"grade": "b"}).json()["results"]] == ["hoster-b"]
    assert [e["slug"] for e in client.get(REGISTRY, {"q": "Hoster A"}).json()["results"]] == ["hoster-a"]


def test_the_registry_api_costs_the_same_queries_for_two_thousand_hosters(client, django_assert_max_num_queries):
    bulk_certificates(5, owner_email_prefix="few")
    with CaptureQueriesContext(connection) as few:
        assert client.get(REGISTRY).status_code == 200
    bulk_certificates(1995)
    with django_assert_max_num_queries(10), CaptureQueriesContext(connection) as many:
        data = client.get(REGISTRY, {"page": 7}).json()
    assert data["count"] == 2000 and len(data["results"]) == 50
    assert len(many) == len(few)


def test_the_hoster_profile_has_exactly_the_public_fields(client, certificate_a, hoster_a, supervisor):
    notices_for(hoster_a, 12, hours=3, start=datetime(2025, 3, 1, 12, tzinfo=ZoneInfo("Europe/Amsterdam")))
    publish_monitor_period(
        supervisor, code="2025-h1", title="Monitor 2025 H1", date_from=date(2025, 1, 1), date_to=date(2025, 6, 30)
    )
    suspend_certificate(certificate_a, supervisor, "Checking the takedown records.")
    data = client.get("/api/v1/hosters/hoster-a/").json()
    assert set(data) == HOSTER_FIELDS
    assert data["certified"] is False and data["certificate"] is None  # suspended does not certify
    history = data["certificates"][0]
    assert set(history) == SUMMARY_FIELDS | {"grade", "score", "events"}
    assert history["status"] == "suspended"
    assert [set(e) for e in history["events"]] == [EVENT_FIELDS, EVENT_FIELDS]
    assert history["events"][-1]["reason"] == "Checking the takedown records."
    assert set(data["monitor"][0]) == {
        "period",
        "title",
        "date_from",
        "date_to",
        "rank",
        "notices",
        "share_pct",
        "within_norm_pct",
        "median_hours",
        "p90_hours",
        "open_over_norm",
        "pending",
        "due",
        "norm_hours",
        "methodology",
    }
    assert data["monitor"][0]["notices"] == 12
    assert (data["monitor"][0]["pending"], data["monitor"][0]["due"]) == (0, 12)
    assert data["monitor"][0]["methodology"] == "GH-M-2026.1"


def test_a_certified_hoster_profile(client, certificate_a):
    data = client.get("/api/v1/hosters/hoster-a/").json()
    assert data["certified"] is True and data["grade"] == "A" and data["certificate"]["serial"] == certificate_a.serial
    assert [s["code"] for s in data["sections"]] == ["KYC", "CON", "HCS", "NTD", "COM", "MEA"]
    assert set(data["sections"][0]) == {"code", "title", "score"}


def test_the_certificate_has_exactly_the_public_fields(client, certificate_a):
    data = client.get(f"/api/v1/certificates/{certificate_a.serial}/").json()
    assert set(data) == CERTIFICATE_FIELDS
    assert set(data["hoster"]) == {"slug", "name"}
    assert data["pdf_sha256"] == certificate_a.pdf_sha256 and data["status"] == "valid"
    assert data["pdf_url"].endswith(f"/certificates/{certificate_a.serial}.pdf")
    assert [set(e) for e in data["events"]] == [EVENT_FIELDS]


def test_unknown_things_are_404(client, hoster_b):
    assert client.get("/api/v1/certificates/GH-2020-000404/").status_code == 404
    assert client.get("/api/v1/hosters/no-such/").status_code == 404
    assert client.get("/api/v1/hosters/hoster-b/").status_code == 404  # nothing public about it


def test_credentials_are_not_needed_nor_looked_at(client, certificate_a, client_for, owner_b):
    assert client.get(REGISTRY, HTTP_AUTHORIZATION="Api-Key gh_bogus_secret").status_code == 200
    assert client_for(owner_b).get(REGISTRY).status_code == 200


def test_the_public_api_is_throttled(client, certificate_a, monkeypatch):
    cache.clear()
    monkeypatch.setattr(AnonRateThrottle, "rate", "3/min", raising=False)
    codes = [client.get(REGISTRY).status_code for _ in range(4)]
    cache.clear()
    assert codes == [200, 200, 200, 429]


def test_the_schema_documents_the_public_endpoints(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/api/v1/registry/", "/api/v1/hosters/{slug}/", "/api/v1/certificates/{serial}/"} <= set(paths)
    entry = response.json()["components"]["schemas"]["RegistryEntry"]
    assert set(entry["properties"]) == ENTRY_FIELDS


def test_the_api_docs_load_their_assets_from_this_site(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"cdn\.|jsdelivr|unpkg|cdnjs", html)
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert any("swagger-ui" in asset for asset in assets)
    for asset in assets:
        assert finders.find(asset.removeprefix("/static/")), asset


def test_a_cached_registry_page_follows_a_change_at_once(client, certificate_a, certificate_b, supervisor):
    assert client.get(REGISTRY).json()["count"] == 2
    suspend_certificate(certificate_b, supervisor, "Checking the takedown records.")
    assert [entry["slug"] for entry in client.get(REGISTRY).json()["results"]] == ["hoster-a"]
