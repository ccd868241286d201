"""A published monitor period as open data (CSV, JSON, API), with its licence and methodology, and the warning when
two periods of different methodologies are compared."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from scoring.measurement.methodology import LEGACY, VERSION
from scoring.publication.models import MonitorPeriod, MonitorReviewHoster
from scoring.publication.monitor_periods import monitor_ranking, publish_monitor_period
from scoring.publication.open_data import CSV_FIELDS, ROW_FIELDS
from scoring.publication.review import draft_review, open_review, publish_review, record_seen
from scoring.rating.models import ScoringModelVersion
from tests.scoring.certification.helpers import notices_for

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def reviewed_period(supervisor, hoster_a, hoster_b, owner_a) -> MonitorPeriod:
    notices_for(hoster_a, 10, hours=3, start=datetime(2025, 2, 3, 9, tzinfo=AMS), prefix="a")
    notices_for(hoster_b, 2, hours=30, start=datetime(2025, 2, 4, 9, tzinfo=AMS), prefix="b")
    model = ScoringModelVersion.objects.current()
    review = draft_review(
        supervisor,
        code="2025-02",
        title="Monitor Feb",
        date_from=date(2025, 2, 1),
        date_to=date(2025, 2, 28),
        model=model,
    )
    review = open_review(supervisor, review)
    record_seen(owner_a, MonitorReviewHoster.objects.get(review=review, hoster__slug="hoster-a"))
    review.closes_at = timezone.now() - timedelta(seconds=1)
    review.save(update_fields=["closes_at"])
    return publish_review(supervisor, review)


def legacy_period(code: str, norm_hours: float) -> MonitorPeriod:
    """A period as stored before methodologies and reviews were recorded."""
    ranking, totals = monitor_ranking(date(2024, 1, 1), date(2024, 6, 30), norm_hours)
    period = MonitorPeriod(
        code=code,
        title=f"Old {code}",
        date_from=date(2024, 1, 1),
        date_to=date(2024, 6, 30),
        norm_hours=norm_hours,
        ranking=ranking,
        totals=totals,
        pdf=b"%PDF-1.4",
        pdf_sha256=hashlib.sha256(b"%PDF-1.4").hexdigest(),
    )
    period.save()
    return period


def test_the_json_carries_licence_methodology_and_exact_fields(client, reviewed_period):
    response = client.get(reverse("monitor_period_json", args=["2025-02"]))
    assert response.status_code == 200 and 'rel="license"' in response["Link"]
    data = response.json()
    assert data["licence"]["name"] == "CC BY 4.0"
    assert data["methodology"]["version"] == VERSION and data["methodology"]["recorded"] is True
    assert data["methodology"]["norm_hours"] == reviewed_period.norm_hours
    assert {"label": "Methodology", "value": VERSION} in data["methodology"]["description"]
    assert data["scoring_model"] == reviewed_period.scoring_model and data["reviewed_by_hosters"] is True
    assert data["fields"] == list(ROW_FIELDS)
    assert [set(row) for row in data["hosters"]] == [set(ROW_FIELDS)] * 2
    first = data["hosters"][0]
    assert (first["hoster"], first["notices"], first["reviewed"], first["corrections"]) == ("hoster-a", 10, True, 0)
    assert data["hosters"][1]["reviewed"] is False
    assert first["p90_hours"] == 3.0


def test_the_csv_is_a_plain_table_naming_period_methodology_and_norm(client, reviewed_period):
    response = client.get(reverse("monitor_period_csv", args=["2025-02"]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'rel="license"' in response["Link"] and "2025-02.json" in response["Link"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert list(rows[0]) == list(CSV_FIELDS)
    assert [row["hoster"] for row in rows] == ["hoster-a", "hoster-b"]
    assert {row["methodology"] for row in rows} == {VERSION} and rows[0]["period"] == "2025-02"
    assert (rows[0]["reviewed"], rows[1]["reviewed"], rows[0]["corrections"]) == ("yes", "no", "0")


def test_a_period_without_methodology_reads_as_legacy_and_leaves_unknown_figures_empty(client, hoster_a):
    legacy_period("2024-h1", 24)
    data = client.get(reverse("monitor_period_json", args=["2024-h1"])).json()
    assert data["methodology"]["version"] == LEGACY and data["methodology"]["recorded"] is False
    assert data["reviewed_by_hosters"] is False
    page = client.get(reverse("monitor_period", args=["2024-h1"])).content.decode()
    assert LEGACY in page and "without a review by the hosters" in page


def test_unknown_periods_are_404(client):
    for name in ("monitor_period_json", "monitor_period_csv"):
        assert client.get(reverse(name, args=["nope"])).status_code == 404
    assert client.get("/api/v1/monitor-periods/nope/").status_code == 404


def test_the_api_lists_the_periods_with_their_open_data(client, reviewed_period):
    legacy_period("2024-h1", 24)
    listing = client.get("/api/v1/monitor-periods/").json()
    assert [row["code"] for row in listing["results"]] == ["2025-02", "2024-h1"]
    first = listing["results"][0]
    assert first["csv_url"].endswith("/monitor/2025-02.csv") and first["json_url"].endswith("/monitor/2025-02.json")
    assert first["licence"]["name"] == "CC BY 4.0" and first["methodology"]["version"] == VERSION
    assert listing["results"][1]["methodology"] == {"version": LEGACY, "norm_hours": 24.0, "recorded": False}
    detail = client.get("/api/v1/monitor-periods/2025-02/").json()
    assert [row["hoster"] for row in detail["hosters"]] == ["hoster-a", "hoster-b"]
    assert set(detail["hosters"][0]) == set(ROW_FIELDS)


def test_the_api_schema_documents_the_monitor_periods(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert "/api/v1/monitor-periods/" in schema["paths"] and "/api/v1/monitor-periods/{code}/" in schema["paths"]


def test_comparing_periods_of_different_methodology_says_what_differs(client, reviewed_period):
    legacy_period("2024-h1", 12)
    page = client.get(reverse("monitor_period", args=["2025-02"]), {"compare": "2024-h1"})
    differences = page.context["comparison"]["differences"]
    assert len(differences) == 2
    html = page.content.decode()
    assert "different methodologies" in html
    assert f"the norm differs ({reviewed_period.norm_hours:g} and 12 hours)" in html
    assert LEGACY in html and VERSION in html


def test_comparing_periods_of_the_same_methodology_shows_no_warning(client, supervisor, reviewed_period):
    publish_monitor_period(
        supervisor, code="2024-h2", title="H2", date_from=date(2024, 7, 1), date_to=date(2024, 12, 31)
    )
    page = client.get(reverse("monitor_period", args=["2025-02"]), {"compare": "2024-h2"})
    assert page.context["comparison"]["differences"] == []
    assert "different methodologies" not in page.content.decode()
    assert client.get(reverse("monitor_period", args=["2025-02"]), {"compare": "nope"}).context["comparison"] is None
