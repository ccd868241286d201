"""Benchmark: `hoster_metrics` over 1,000,000 notices and 2,000 hosters; run with `make bench`."""

from __future__ import annotations

import os
import statistics
import time
from datetime import timedelta

import pytest
from django.db import connection

from portal.models import Hoster
from scoring.measurement.metrics import as_datetime, hoster_metrics, weekly_metrics
from scoring.measurement.models import ImportBatch
from tests.bench.notice_data import make_hosters

ROWS = int(os.environ.get("BENCH_ROWS", "1000000"))
HOSTERS = 2000
NORM = 24


def fill_notices(batch_id: int, first_hoster: int) -> None:
    """ROWS notices generated in SQL: report times spread over 2024, removal after 0 to 60 h or open, skewed hosters."""
    if connection.vendor == "postgresql":
        sql = """
            INSERT INTO scoring_notice (source, notice_id, reported_at, removed_at, ip, asn, url_sha256, url_host,
                                        declared_hoster_id, hoster_id, attribution, excluded, batch_id)
            SELECT 'bench', 'N' || g, r,
                   CASE WHEN g %% 50 = 0 THEN NULL ELSE r + (g %% 216000) * interval '1 second' END,
                   NULL, NULL, '', '', NULL,
                   CASE WHEN g %% 97 = 0 THEN NULL ELSE %s + (g * g) %% %s END, 'asn', false, %s
            FROM (SELECT g, timestamptz '2024-01-01 00:00:00+00' + (g %% 31536000) * interval '1 second' AS r
                  FROM generate_series(1::bigint, %s) AS g) AS s
        """
    else:
        sql = """
            WITH RECURSIVE series(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM series WHERE g < %s)
            INSERT INTO scoring_notice (source, notice_id, reported_at, removed_at, ip, asn, url_sha256, url_host,
                                        declared_hoster_id, hoster_id, attribution, excluded, batch_id)
            SELECT 'bench', 'N' || g, datetime('2024-01-01', '+' || (g %% 31536000) || ' seconds'),
                   CASE WHEN g %% 50 = 0 THEN NULL
                        ELSE datetime('2024-01-01', '+' || (g %% 31536000 + g %% 216000) || ' seconds') END,
                   NULL, NULL, '', '', NULL, CASE WHEN g %% 97 = 0 THEN NULL ELSE %s + (g * g) %% %s END, 'asn', 0, %s
            FROM series
        """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(sql, [first_hoster, HOSTERS, batch_id, ROWS])
            cursor.execute("ANALYZE scoring_notice")
        else:
            cursor.execute(sql, [ROWS, first_hoster, HOSTERS, batch_id])
            cursor.execute("ANALYZE")


@pytest.mark.bench
@pytest.mark.django_db(transaction=True)
def test_hoster_metrics_over_one_million_notices() -> None:
    make_hosters(HOSTERS)
    first = Hoster.objects.order_by("id").values_list("id", flat=True).first()
    batch = ImportBatch.objects.create(source="bench", status=ImportBatch.Status.SUCCEEDED)
    started = time.perf_counter()
    fill_notices(batch.pk, first)
    filled = time.perf_counter() - started
    timings = []
    load = os.getloadavg()[0]
    for _ in range(3):
        started = time.perf_counter()
        rows = hoster_metrics("2024-01-01", "2025-01-01", norm_hours=NORM)
        timings.append(time.perf_counter() - started)
    assert sum(row["notices"] for row in rows) == ROWS
    started = time.perf_counter()
    hoster_metrics("2024-01-01", "2025-01-01", hoster=Hoster.objects.get(pk=first), norm_hours=NORM)
    single = time.perf_counter() - started
    weekly, by_week, plain = _weekly_timings(Hoster.objects.get(pk=first))
    print(f"\n[bench metrics] {connection.vendor}: {ROWS:,} notices, {HOSTERS} hosters (filled in {filled:.1f} s)")
    print(f"  load average (1 min) before the runs: {load:.1f}")
    print(
        f"  hoster_metrics, all hosters: best {min(timings):.2f} s, median {statistics.median(timings):.2f} s,"
        f" runs {', '.join(f'{t:.2f}' for t in timings)}"
    )
    print(f"  hoster_metrics, one hoster: {single:.2f} s")
    print(f"  a plain pass over the year's notices (SELECT count(*)): {plain:.2f} s")
    print(f"  weekly_metrics of the largest hoster, 53 weeks: {weekly:.2f} s ({weekly / plain:.1f}x the plain pass)")
    print(f"    the same as 53 calls of hoster_metrics, one per week: {by_week:.2f} s ({by_week / plain:.1f}x)")


def _weekly_timings(hoster: Hoster) -> tuple[float, float, float]:
    """The year's weekly figures in two queries, the same one week at a time (equal, checked), a plain count."""
    start, end = as_datetime("2024-01-01"), as_datetime("2025-01-01")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM scoring_notice WHERE reported_at >= %s AND reported_at < %s", [start, end])
    plain = time.perf_counter() - started
    started = time.perf_counter()
    weeks = weekly_metrics(hoster, start, end, norm_hours=NORM)
    weekly = time.perf_counter() - started
    started = time.perf_counter()
    for week in weeks:
        monday = as_datetime(week["week_start"])
        window = (max(start, monday), min(end, as_datetime(week["week_start"] + timedelta(days=7))))
        [own] = hoster_metrics(*window, as_of=end, norm_hours=NORM, hoster=hoster)
        assert {key: week[key] for key in own} == own
    return weekly, time.perf_counter() - started, plain
