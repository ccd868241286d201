"""The public face without login: registry, hoster profile, verification, PDF, badge, monitor and open data."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import Answer
from scoring.certification.models import Certificate, CertificateStatus
from scoring.certification.services import revoke_certificate, suspend_certificate
from scoring.publication.monitor_periods import publish_monitor_period
from tests.scoring.certification.helpers import bulk_certificates, certify, notices_for, pdf_text

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"
PRIVATE_MARKERS = ("PRIVATE-COMMENT-7731", "PRIVATE-JUSTIFICATION-7731", "KYC-1.pdf", "evidence/")


@pytest.fixture
def private_bits(certificate_a):
    """Things a hoster told only the auditor; none may leak to a public page."""
    Answer.objects.filter(assessment=certificate_a.assessment, criterion_code="KYC-1").update(
        comment=PRIVATE_MARKERS[0], justification=PRIVATE_MARKERS[1]
    )
    return certificate_a


def assert_nothing_private(content: bytes) -> None:
    text = content.decode()
    for marker in PRIVATE_MARKERS:
        assert marker not in text


# --- registry -------------------------------------------------------------------------------------------------


def test_the_registry_lists_currently_certified_hosters_only(client, certificate_a, certificate_b, supervisor):
    response = client.get(reverse("registry"))
    assert response.status_code == 200
    assert [row["serial"] for row in response.context["rows"]] == [certificate_a.serial, certificate_b.serial]

    suspend_certificate(certificate_b, supervisor, "Takedown records are being investigated.")
    listed = client.get(reverse("registry")).context["rows"]
    assert [row["serial"] for row in listed] == [certificate_a.serial]


def test_the_registry_searches_filters_and_sorts(client, certificate_a, certificate_b):
    def serials(**params):
        return [row["serial"] for row in client.get(reverse("registry"), params).context["rows"]]

    assert serials(q="hoster b") == [certificate_b.serial]
    assert serials(grade="A") == [certificate_a.serial]
    assert serials(grade="B") == [certificate_b.serial]
    assert serials(sort="score") == [certificate_a.serial, certificate_b.serial]
    assert serials(sort="grade", grade="") == [certificate_a.serial, certificate_b.serial]
    assert serials(q="nobody") == []
    assert serials(grade="Z") == [certificate_a.serial, certificate_b.serial]  # an invalid filter is ignored


def test_the_registry_page_costs_the_same_queries_for_two_thousand_hosters(client, django_assert_max_num_queries):
    bulk_certificates(5, owner_email_prefix="few")
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("registry"), {"sort": "score"}).status_code == 200
    bulk_certificates(1995)
    with django_assert_max_num_queries(10), CaptureQueriesContext(connection) as many:
        response = client.get(reverse("registry"), {"sort": "score", "page": 3})
    assert response.context["count"] == 2000 and len(response.context["rows"]) == 25
    assert len(many) == len(few)
    with CaptureQueriesContext(connection) as cached:
        client.get(reverse("registry"), {"sort": "score", "page": 3})
    assert len(cached) < len(many)  # the same page again comes from the cache


def test_the_registry_states_the_open_data_licence(client, certificate_a):
    content = client.get(reverse("registry")).content.decode()
    assert "CC BY 4.0" in content and 'rel="license"' in content
    assert reverse("open_data_csv") in content and reverse("open_data_json") in content


# --- hoster profile -------------------------------------------------------------------------------------------


def test_the_hoster_page_shows_grade_sections_history_and_reasons(client, certificate_a, supervisor, private_bits):
    suspend_certificate(certificate_a, supervisor, "Two notices left open for a week.")
    response = client.get(reverse("registry_hoster", args=["hoster-a"]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Hoster A" in content and certificate_a.serial in content
    assert "Two notices left open for a week." in content
    assert "Know your customer" in content  # a section score
    assert [s["code"] for s in response.context["sections"]] == ["KYC", "CON", "HCS", "NTD", "COM", "MEA"]
    assert_nothing_private(response.content)


def test_the_hoster_page_charts_published_monitor_figures(client, certificate_a, hoster_a, supervisor):
    start = datetime(2025, 3, 1, 12, tzinfo=ZoneInfo("Europe/Amsterdam"))
    notices_for(hoster_a, 12, hours=3, start=start)
    publish_monitor_period(
        supervisor, code="2025-h1", title="Monitor 2025 H1", date_from=date(2025, 1, 1), date_to=date(2025, 6, 30)
    )
    content = client.get(reverse("registry_hoster", args=["hoster-a"])).content.decode()
    assert "<svg" in content and "Monitor 2025 H1" in content and "100.00" in content


def test_a_hoster_without_certificate_or_monitor_figures_has_no_public_page(client, hoster_b):
    assert client.get(reverse("registry_hoster", args=["hoster-b"])).status_code == 404
    assert client.get(reverse("registry_hoster", args=["no-such-hoster"])).status_code == 404


# --- verification and PDF -------------------------------------------------------------------------------------


def _verify(client, certificate: Certificate):
    return client.get(reverse("verify", args=[certificate.serial]))


def test_verify_a_valid_certificate_with_the_hash_of_the_served_pdf(client, certificate_a):
    response = _verify(client, certificate_a)
    assert response.status_code == 200 and response.context["status"] == CertificateStatus.VALID
    pdf = client.get(reverse("certificate_pdf", args=[certificate_a.serial]))
    assert pdf["Content-Type"] == "application/pdf"
    served = b"".join(pdf.streaming_content) if pdf.streaming else pdf.content
    assert hashlib.sha256(served).hexdigest() in response.content.decode()
    text = pdf_text(served)
    assert certificate_a.serial in text and "Hoster A" in text and "A" in text.split()


def test_verify_a_suspended_certificate_shows_reason_and_date(client, certificate_a, supervisor):
    suspend_certificate(certificate_a, supervisor, "Notices left open beyond the norm.")
    response = _verify(client, certificate_a)
    assert response.context["status"] == CertificateStatus.SUSPENDED
    assert "Notices left open beyond the norm." in response.content.decode()
    assert response.context["deciding_event"].reason == "Notices left open beyond the norm."


def test_verify_a_revoked_certificate(client, certificate_a, supervisor):
    revoke_certificate(certificate_a, supervisor, "Refused to accept Meldpunt notices.")
    response = _verify(client, certificate_a)
    assert response.context["status"] == CertificateStatus.REVOKED
    assert "Refused to accept Meldpunt notices." in response.content.decode()


def test_verify_an_expired_certificate(client, certificate_a):
    with time_machine.travel(certificate_a.valid_until + timedelta(days=2)):
        response = _verify(client, certificate_a)
    assert response.context["status"] == CertificateStatus.EXPIRED
    assert certificate_a.valid_until.strftime("%Y") in response.content.decode()


def test_verify_a_superseded_certificate_points_to_its_successor(client, certificate_a, owner_a, hoster_a):
    from assessments.models import Assessment

    Assessment.objects.filter(pk=certificate_a.assessment_id).update(status=Assessment.Status.REJECTED)
    newer = certify(owner_a, hoster_a)
    response = _verify(client, certificate_a)
    assert response.context["status"] == CertificateStatus.SUPERSEDED
    assert newer.serial in response.content.decode()


def test_an_unknown_serial_is_404(client):
    assert client.get(reverse("verify", args=["GH-2020-999999"])).status_code == 404
    assert client.get(reverse("certificate_pdf", args=["GH-2020-999999"])).status_code == 404


def test_the_verification_page_shows_nothing_private(client, private_bits):
    assert_nothing_private(_verify(client, private_bits).content)


# --- badge ----------------------------------------------------------------------------------------------------


def _badge(client, slug: str):
    response = client.get(reverse("badge", args=[slug]))
    root = ET.fromstring(response.content)  # noqa: S314 - our own response; valid XML, or this raises
    assert root.tag == f"{SVG}svg"
    texts = [element.text for element in root.iter(f"{SVG}text")]
    return response, root, texts


def test_the_badge_shows_status_and_grade_as_valid_svg(client, certificate_a):
    response, root, texts = _badge(client, "hoster-a")
    assert response["Content-Type"].startswith("image/svg+xml")
    assert "max-age=3600" in response["Cache-Control"] and "public" in response["Cache-Control"]
    assert texts == ["good hoster", "grade A"]
    assert root.get("role") == "img" and "Hoster A" in root.find(f"{SVG}title").text


def test_the_badge_of_a_suspended_certificate(client, certificate_a, supervisor):
    suspend_certificate(certificate_a, supervisor, "Under investigation.")
    assert _badge(client, "hoster-a")[2] == ["good hoster", "suspended"]


def test_the_badge_says_not_certified_otherwise(client, hoster_b, certificate_a, supervisor):
    assert _badge(client, "hoster-b")[2] == ["good hoster", "not certified"]
    revoke_certificate(certificate_a, supervisor, "Withdrawn.")
    assert _badge(client, "hoster-a")[2] == ["good hoster", "not certified"]
    assert client.get(reverse("badge", args=["no-such-hoster"])).status_code == 404


def test_the_badge_coordinates_are_not_localised(client, certificate_a):
    client.cookies["django_language"] = "nl"
    _response, root, _texts = _badge(client, "hoster-a")
    for element in root.iter(f"{SVG}text"):
        float(element.get("x"))


# --- monitor --------------------------------------------------------------------------------------------------


@pytest.fixture
def published_period(hoster_a, hoster_b, supervisor):
    start = datetime(2025, 2, 1, 9, tzinfo=ZoneInfo("Europe/Amsterdam"))
    notices_for(hoster_a, 30, hours=5, start=start, prefix="a")
    notices_for(hoster_b, 12, hours=60, start=start, prefix="b")
    return publish_monitor_period(
        supervisor, code="2025-h1", title="Monitor 2025 H1", date_from=date(2025, 1, 1), date_to=date(2025, 6, 30)
    )


def test_the_monitor_lists_published_periods(client, published_period):
    response = client.get(reverse("monitor"))
    assert response.status_code == 200 and "Monitor 2025 H1" in response.content.decode()


def test_a_monitor_period_shows_its_frozen_ranking(client, published_period, hoster_a):
    response = client.get(reverse("monitor_period", args=["2025-h1"]))
    ranking = response.context["rows"]
    assert [(row["hoster"], row["rank"], row["notices"]) for row in ranking] == [
        ("hoster-a", 1, 30),
        ("hoster-b", 2, 12),
    ]
    # New notices after publication change nothing: the ranking is frozen.
    notices_for(hoster_a, 3, hours=1, start=datetime(2025, 3, 1, tzinfo=ZoneInfo("UTC")), prefix="late")
    again = client.get(reverse("monitor_period", args=["2025-h1"])).context["rows"]
    assert [row["notices"] for row in again] == [30, 12]
    assert client.get(reverse("monitor_period", args=["2099-h1"])).status_code == 404


def test_the_monitor_pdf_report(client, published_period):
    response = client.get(reverse("monitor_period_pdf", args=["2025-h1"]))
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Monitor 2025 H1" in text and "Hoster A" in text and "Hoster B" in text and "Ranking" in text
    assert hashlib.sha256(response.content).hexdigest() == published_period.pdf_sha256
    assert client.get(reverse("monitor_period_pdf", args=["2099-h1"])).status_code == 404


# --- open data ------------------------------------------------------------------------------------------------

OPEN_DATA_FIELDS = {
    "slug",
    "name",
    "website",
    "grade",
    "score",
    "serial",
    "status",
    "issued_at",
    "valid_until",
    "verify_url",
    "certificate_pdf_url",
    "badge_url",
}


def test_open_data_json_with_licence_and_exact_fields(client, certificate_a, certificate_b, private_bits):
    response = client.get(reverse("open_data_json"))
    data = json.loads(response.content)
    assert data["licence"] == {"name": "CC BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"}
    assert 'rel="license"' in response["Link"]
    assert data["count"] == 2 and [row["slug"] for row in data["hosters"]] == ["hoster-a", "hoster-b"]
    assert all(set(row) == OPEN_DATA_FIELDS for row in data["hosters"])
    assert_nothing_private(response.content)


def test_open_data_csv_with_exact_columns(client, certificate_a, certificate_b):
    response = client.get(reverse("open_data_csv"))
    assert response["Content-Type"].startswith("text/csv") and 'rel="license"' in response["Link"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert set(rows[0]) == OPEN_DATA_FIELDS
    assert [(row["slug"], row["grade"], row["serial"]) for row in rows] == [
        ("hoster-a", "A", certificate_a.serial),
        ("hoster-b", "B", certificate_b.serial),
    ]


def test_every_public_page_opens_without_login(client, certificate_a, published_period):
    for url in (
        reverse("registry"),
        reverse("registry_hoster", args=["hoster-a"]),
        reverse("verify", args=[certificate_a.serial]),
        reverse("certificate_pdf", args=[certificate_a.serial]),
        reverse("badge", args=["hoster-a"]),
        reverse("monitor"),
        reverse("monitor_period", args=["2025-h1"]),
        reverse("monitor_period_pdf", args=["2025-h1"]),
        reverse("open_data_json"),
        reverse("open_data_csv"),
    ):
        assert client.get(url).status_code == 200, url


def test_public_pages_render_in_dutch(client, certificate_a, published_period):
    client.cookies["django_language"] = "nl"
    for url in (
        reverse("registry"),
        reverse("registry_hoster", args=["hoster-a"]),
        reverse("monitor_period", args=["2025-h1"]),
    ):
        assert client.get(url, HTTP_ACCEPT_LANGUAGE="nl").status_code == 200
