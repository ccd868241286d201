"""The metrics of DESIGN §4.2 on hand-made edge cases, computed in the database."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest
from django.core.management import call_command

from scoring.measurement.models import Notice
from tests.scoring.measurement.helpers import hoster_metrics, run_import

pytestmark = pytest.mark.django_db

FROM, TO = datetime(2024, 3, 1, tzinfo=UTC), datetime(2024, 4, 1, tzinfo=UTC)


def row_for(slug, **kwargs):
    rows = hoster_metrics(FROM, TO, **kwargs)
    return next(row for row in rows if row["hoster"] == slug)


def notices(*rows):
    """Rows of (notice_id, reported_at, removed_at, ip)."""
    result = run_import([(nid, rep, rem, ip, "", "", "") for nid, rep, rem, ip in rows])
    assert result.ok, result.errors


def test_removal_exactly_24_hours_is_within_the_norm_and_one_second_more_is_not(hoster_a):
    notices(
        ("exact", "2024-03-05T10:00:00Z", "2024-03-06T10:00:00Z", "192.0.2.1"),
        ("late", "2024-03-05T10:00:00Z", "2024-03-06T10:00:01Z", "192.0.2.1"),
    )
    row = row_for("hoster-a")
    assert (row["within_norm"], row["within_norm_pct"], row["within_24h"], row["between_24_48h"]) == (1, 50.0, 1, 1)


def test_removal_after_as_of_counts_as_open(hoster_a):
    notices(("n1", "2024-03-05T10:00:00Z", "2024-03-05T11:00:00Z", "192.0.2.1"))
    row = row_for("hoster-a", as_of=datetime(2024, 3, 5, 10, 30, tzinfo=UTC))
    assert (row["open"], row["within_norm"], row["median_hours"]) == (1, 0, None)
    assert row["open_over_norm"] == 0
    assert row_for("hoster-a")["open"] == 0


def test_period_includes_from_and_excludes_to(hoster_a):
    notices(
        ("first", "2024-03-01T00:00:00Z", "2024-03-01T01:00:00Z", "192.0.2.1"),
        ("before", "2024-02-29T23:59:59Z", "2024-03-01T01:00:00Z", "192.0.2.1"),
        ("at-end", "2024-04-01T00:00:00Z", "2024-04-01T01:00:00Z", "192.0.2.1"),
        ("last", "2024-03-31T23:59:59+00:00", "2024-04-01T01:00:00+00:00", "192.0.2.1"),
    )
    assert row_for("hoster-a")["notices"] == 2


def test_offsets_are_compared_as_instants(hoster_a):
    notices(
        ("cet", "2024-03-31T23:30:00-05:00", "", "192.0.2.1"),  # 1 April 04:30 UTC: outside
        ("plus2", "2024-03-01T01:00:00+02:00", "2024-03-01T23:00:00Z", "192.0.2.1"),  # 29 Feb 23:00 UTC: outside
        ("z", "2024-03-01T00:00:00Z", "2024-03-02T00:00:00+02:00", "192.0.2.1"),  # removed after 22 h
    )
    row = row_for("hoster-a")
    assert row["notices"] == 1 and row["median_hours"] == 22.0


def test_quantiles_are_nearest_rank_and_null_on_an_open_notice(hoster_a):
    # Ten notices: removal after 1..9 hours and one open. Median = rank 5 = 5 h; p90 = rank 9 = 9 h.
    rows = [(f"n{h}", "2024-03-05T00:00:00Z", f"2024-03-05T{h:02d}:00:00Z", "192.0.2.1") for h in range(1, 10)]
    notices(*rows, ("open", "2024-03-05T00:00:00Z", "", "192.0.2.1"))
    row = row_for("hoster-a")
    assert (row["notices"], row["median_hours"], row["p90_hours"]) == (10, 5.0, 9.0)
    # Two more open notices: N = 12, p90 rank = ceil(10.8) = 11, which is open.
    notices(("open2", "2024-03-06T00:00:00Z", "", "192.0.2.1"), ("open3", "2024-03-06T00:00:00Z", "", "192.0.2.1"))
    row = row_for("hoster-a")
    assert (row["notices"], row["median_hours"], row["p90_hours"]) == (12, 6.0, None)


def test_median_of_all_open_is_null_and_empty_hoster_has_nulls(hoster_a, hoster_b):
    notices(("open", "2024-03-05T00:00:00Z", "", "192.0.2.1"))
    assert row_for("hoster-a")["median_hours"] is None
    empty = row_for("hoster-b")
    assert (empty["notices"], empty["median_hours"], empty["within_norm_pct"], empty["share_pct"]) == (0, None, None, 0)


def test_hours_and_percentages_are_rounded_to_two_decimals(hoster_a):
    notices(
        ("a", "2024-03-05T00:00:00Z", "2024-03-05T00:20:00Z", "192.0.2.1"),
        ("b", "2024-03-05T00:00:00Z", "2024-03-07T00:00:00Z", "192.0.2.1"),
        ("c", "2024-03-05T00:00:00Z", "2024-03-05T01:00:00Z", "192.0.2.1"),
    )
    row = row_for("hoster-a")
    assert row["within_norm_pct"] == 66.67
    assert row["median_hours"] == 1.0
    assert row["p90_hours"] == 48.0
    assert row["between_24_48h"] == 1 and row["over_48h_or_open"] == 0
    assert row_for("hoster-a", norm_hours=0.25)["within_norm"] == 0
    assert hoster_metrics(FROM, TO, hoster=None)[0]["median_hours"] == 1.0


def test_open_over_norm_needs_more_than_the_norm_since_the_report(hoster_a):
    notices(
        ("old", "2024-03-30T00:00:00Z", "", "192.0.2.1"),
        ("exact", "2024-03-31T00:00:00Z", "", "192.0.2.1"),
        ("new", "2024-03-31T12:00:00Z", "", "192.0.2.1"),
        ("late", "2024-03-29T00:00:00Z", "2024-04-02T00:00:00Z", "192.0.2.1"),
    )
    row = row_for("hoster-a")
    # "exact" and "new" are not yet due (pending): counted as open, left out of the buckets.
    assert (row["open"], row["open_over_norm"], row["over_48h_or_open"]) == (4, 2, 2)
    assert (row["pending"], row["due"]) == (2, 2)
    row_12 = row_for("hoster-a", norm_hours=12)
    assert (row_12["open_over_norm"], row_12["pending"], row_12["due"]) == (3, 1, 3)


def test_share_counts_unattributed_notices_and_the_unattributed_row_has_no_hoster(hoster_a, hoster_b):
    notices(
        ("a1", "2024-03-05T00:00:00Z", "2024-03-05T01:00:00Z", "192.0.2.1"),
        ("a2", "2024-03-05T00:00:00Z", "2024-03-05T01:00:00Z", "192.0.2.2"),
        ("b1", "2024-03-05T00:00:00Z", "", "198.51.100.1"),
        ("x1", "2024-03-05T00:00:00Z", "", "2001:db8:ffff::1"),
    )
    rows = hoster_metrics(FROM, TO)
    assert [(r["hoster"], r["notices"], r["share_pct"]) for r in rows] == [
        ("hoster-a", 2, 50.0),
        ("hoster-b", 1, 25.0),
        (None, 1, 25.0),
    ]
    assert hoster_metrics(FROM, TO, hoster=hoster_b)[0]["share_pct"] == 25.0


def test_excluded_notices_are_left_out(hoster_a):
    notices(("a1", "2024-03-05T00:00:00Z", "", "192.0.2.1"), ("a2", "2024-03-05T00:00:00Z", "", "192.0.2.1"))
    Notice.objects.filter(notice_id="a1").update(excluded=True)
    assert row_for("hoster-a")["notices"] == 1


def test_command_prints_json_and_csv(hoster_a):
    notices(("a1", "2024-03-05T00:00:00Z", "2024-03-05T06:00:00Z", "192.0.2.1"))
    out = io.StringIO()
    call_command("hoster_metrics", "--from", "2024-03-01", "--to", "2024-04-01", stdout=out)
    rows = json.loads(out.getvalue())
    assert rows[0] == {
        "hoster": "hoster-a",
        "notices": 1,
        "share_pct": 100.0,
        "within_norm": 1,
        "within_norm_pct": 100.0,
        "within_24h": 1,
        "between_24_48h": 0,
        "over_48h_or_open": 0,
        "median_hours": 6.0,
        "p90_hours": 6.0,
        "open": 0,
        "open_over_norm": 0,
        "pending": 0,
        "due": 1,
        "norm_hours": 24.0,  # the norm of the scoring model in force (good-hoster-2020 in the tests)
        "methodology": "GH-M-2026.1",
    }
    out = io.StringIO()
    call_command(
        "hoster_metrics",
        "--from=2024-03-01",
        "--to=2024-04-01",
        "--as-of=2024-03-05T03:00:00Z",
        "--norm-hours=12",
        "--format=csv",
        stdout=out,
    )
    parsed = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert parsed[0]["open"] == "1" and parsed[0]["median_hours"] == ""
