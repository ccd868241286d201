"""One validation for every way in (command, upload, API, the fast path): plausible times, field lengths, types and
the source label are judged alike."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from portal.api import create_api_key
from portal.models import ApiKey
from scoring.measurement import columnar
from scoring.measurement.attribution import Attributor
from scoring.measurement.imports import import_notices
from scoring.measurement.models import ImportBatch, Notice
from scoring.measurement.rows import URL_MAX, RowValidator, validate_source
from tests.scoring.measurement.helpers import csv_bytes, run_import
from tests.scoring.measurement.test_columnar import csv_file, fast_rows

pytestmark = pytest.mark.django_db

TOMORROW_AND_MORE = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
PAST, FUTURE = "“{}” lies before 2000-01-01; no notice is that old.", "“{}” lies more than a day in the future."
# (reported, removed, the column and message every path gives)
IMPLAUSIBLE = [
    ("0001-01-01T00:00:00Z", "", "reported_at", PAST.format("0001-01-01T00:00:00Z")),
    ("1999-12-31T23:59:59Z", "", "reported_at", PAST.format("1999-12-31T23:59:59Z")),
    ("2099-03-01T10:00:00Z", "", "reported_at", FUTURE.format("2099-03-01T10:00:00Z")),
    ("2024-03-01T10:00:00Z", TOMORROW_AND_MORE, "removed_at", FUTURE.format(TOMORROW_AND_MORE)),
    ("9999-12-31T23:59:59+14:00", "", "reported_at", FUTURE.format("9999-12-31T23:59:59+14:00")),
]
IDS = ["year-1", "1999", "2099", "removed-in-two-days", "year-9999"]  # stable names: the clock moves on


def supervisor_client(supervisor) -> Client:
    _key, token = create_api_key(supervisor, "hotline", ApiKey.Scope.SUPERVISOR)
    return Client(HTTP_AUTHORIZATION=f"Api-Key {token}")


@pytest.mark.parametrize(("reported", "removed", "column", "message"), IMPLAUSIBLE, ids=IDS)
def test_implausible_times_are_refused_by_the_file_import(hoster_a, reported, removed, column, message):
    result = run_import([("n1", reported, removed, "192.0.2.1", "", "", "")])
    assert [str(error) for error in result.errors] == [f"line 2: {column}: {message}"]
    assert not Notice.objects.exists()


@pytest.mark.parametrize(("reported", "removed", "column", "message"), IMPLAUSIBLE, ids=IDS)
def test_implausible_times_are_refused_by_the_api(supervisor, hoster_a, reported, removed, column, message):
    body = [{"notice_id": "n1", "reported_at": reported, "removed_at": removed, "ip": "192.0.2.1"}]
    response = supervisor_client(supervisor).post("/api/v1/notices/", json.dumps(body), content_type="application/json")
    assert response.status_code == 400 and response.json()["errors"] == [f"item 1: {column}: {message}"]


@pytest.mark.parametrize(("reported", "removed", "column", "message"), IMPLAUSIBLE, ids=IDS)
def test_implausible_times_leave_the_fast_path(reported, removed, column, message):
    plain = [(f"ok{i}", "2024-03-01T10:00:00Z", "", "192.0.2.1", "", "", "") for i in range(5)]
    with pytest.raises(columnar.NotSimple):
        fast_rows(csv_file([*plain, ("n1", reported, removed, "192.0.2.1", "", "", "")]))


def test_the_bounds_themselves_are_plausible_on_both_paths():
    now = datetime(2024, 6, 1, 12, tzinfo=UTC)
    checker = RowValidator(None, {}, Attributor([]), now=now)
    assert checker.validate(2, "a", "2000-01-01T00:00:00Z", "2024-06-02T12:00:00Z", "192.0.2.1", "", "", "")
    assert checker.validate(3, "b", "1999-12-31T23:59:59Z", "", "192.0.2.1", "", "", "") is None
    assert checker.validate(4, "c", "2024-06-02T12:00:01Z", "", "192.0.2.1", "", "", "") is None
    earliest, latest = columnar.BinaryRows(io.BytesIO(), 7, list(range(7)), checker).plausible
    assert (earliest, latest) == (0, (checker.latest - datetime(2000, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1))


def test_the_upload_names_an_implausible_time_like_the_command(client_for, supervisor, hoster_a, tmp_path):
    rows = [("n1", "2099-03-01T10:00:00Z", "", "192.0.2.1", "", "", "")]
    file = SimpleUploadedFile("notices.csv", csv_bytes(rows), content_type="text/csv")
    client_for(supervisor).post(reverse("scoring:imports"), {"file": file, "source": "meldpunt"})
    assert ImportBatch.objects.get().errors == [f"line 2: reported_at: {IMPLAUSIBLE[2][3]}"]
    path = tmp_path / "file.csv"
    path.write_bytes(csv_bytes(rows))
    with pytest.raises(CommandError):
        call_command("import_notices", str(path), stderr=(err := io.StringIO()))
    assert err.getvalue().splitlines() == [f"line 2: reported_at: {IMPLAUSIBLE[2][3]}"]


# --- field lengths ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("length", [URL_MAX + 1, 200_000])
def test_a_url_too_long_is_refused_by_every_path(supervisor, hoster_a, length):
    url = "https://x.example/" + "a" * (length - 18)
    result = run_import([("n1", "2024-03-01T10:00:00Z", "", "192.0.2.1", "", "", url)])
    assert len(result.errors) == 1 and result.errors[0].line == 2 and not Notice.objects.exists()
    body = [{"notice_id": "n1", "reported_at": "2024-03-01T10:00:00Z", "ip": "192.0.2.1", "url": url}]
    response = supervisor_client(supervisor).post("/api/v1/notices/", json.dumps(body), content_type="application/json")
    assert response.json()["errors"] == [f"item 1: url: A URL has at most {URL_MAX} characters."]
    with pytest.raises(columnar.NotSimple):
        fast_rows(csv_file([("n1", "2024-03-01T10:00:00Z", "", "192.0.2.1", "", "", url)]))


def test_a_url_at_the_limit_is_taken(hoster_a):
    url = "https://x.example/" + "a" * (URL_MAX - 18)
    assert run_import([("n1", "2024-03-01T10:00:00Z", "", "192.0.2.1", "", "", url)]).ok


def test_a_long_bad_value_is_quoted_short(hoster_a):
    result = run_import([("n1", "2024-03-01T10:00:00Z", "", "1" * 5000, "", "", "")])
    assert len(result.errors[0].message) < 200


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the fast path runs on PostgreSQL only")
def test_a_long_url_is_refused_on_postgresql_as_on_sqlite(hoster_a):
    url = "https://x.example/" + "a" * 200_000
    result = run_import([("n1", "2024-03-01T10:00:00Z", "", "192.0.2.1", "", "", url)])
    assert not result.ok and not Notice.objects.exists()


# --- types and the source -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("notice_id", [{"a": 1}, ["n1"], 17, 1.5, True])
def test_the_api_takes_a_notice_id_only_as_a_string(supervisor, hoster_a, notice_id):
    body = [{"notice_id": notice_id, "reported_at": "2024-03-01T10:00:00Z", "ip": "192.0.2.1"}]
    response = supervisor_client(supervisor).post("/api/v1/notices/", json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        "item 1: notice_id: Give this field as a JSON string (or null when it is empty)."
    ]
    assert not Notice.objects.exists()


@pytest.mark.parametrize(("field", "value"), [("reported_at", 20240301), ("ip", ["192.0.2.1"]), ("asn", True)])
def test_the_api_takes_other_fields_as_strings_and_an_as_number_also_as_a_number(supervisor, hoster_a, field, value):
    body = [{"notice_id": "n1", "reported_at": "2024-03-01T10:00:00Z", "ip": "192.0.2.1", field: value}]
    response = supervisor_client(supervisor).post("/api/v1/notices/", json.dumps(body), content_type="application/json")
    assert response.status_code == 400 and response.json()["errors"][0].startswith(f"item 1: {field}: Give this")


@pytest.mark.parametrize("source", ["", "meld punt", "a/b", "ü", "x" * 51, "a\nb", "=cmd"])
def test_a_source_is_a_short_slug_everywhere(supervisor, hoster_a, tmp_path, source):
    with pytest.raises(ValidationError):
        validate_source(source)
    with pytest.raises(ValidationError):
        import_notices(stream=io.BytesIO(csv_bytes([])), source=source)
    if source:  # an empty parameter means the default source
        body = [{"notice_id": "n1", "reported_at": "2024-03-01T10:00:00Z", "ip": "192.0.2.1"}]
        url = "/api/v1/notices/?" + urlencode({"source": source})
        response = supervisor_client(supervisor).post(url, json.dumps(body), content_type="application/json")
        assert response.status_code == 400 and "A source is a label" in response.json()["errors"][0]
    path = tmp_path / "file.csv"
    path.write_bytes(csv_bytes([("n1", "2024-03-01T10:00:00Z", "", "192.0.2.1", "", "", "")]))
    with pytest.raises(CommandError, match="--source: A source is a label"):
        call_command("import_notices", str(path), "--source", source)
    assert not Notice.objects.exists() and not ImportBatch.objects.exists()


@pytest.mark.parametrize("source", ["meldpunt", "a", "EOKM_2024-q1", "x" * 50])
def test_good_sources_are_taken(hoster_a, source):
    validate_source(source)
    assert run_import([("n1", "2024-03-01T10:00:00Z", "", "192.0.2.1", "", "", "")], source=source).ok
