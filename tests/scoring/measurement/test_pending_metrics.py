"""Pending notices (DESIGN §4.2): open at the cut-off but not yet past the norm, they count in `notices`, `share_pct`
and `open` and in no rate, bucket or quantile."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.measurement.charts import weekly_chart
from scoring.measurement.metrics import weekly_metrics
from scoring.measurement.models import ImportBatch, Notice
from tests.scoring.measurement.helpers import hoster_metrics, notice_reads, run_import

pytestmark = pytest.mark.django_db

FROM, TO = datetime(2024, 3, 1, tzinfo=UTC), datetime(2024, 4, 1, tzinfo=UTC)
CUTOFF = datetime(2024, 3, 20, 12, 0, tzinfo=UTC)


def notices(*rows: tuple[str, str, str, str]) -> None:
    """Rows of (notice_id, reported_at, removed_at, ip); 192.0.2.x is hoster A's, 198.51.100.x hoster B's."""
    result = run_import([(nid, rep, rem, ip, "", "", "") for nid, rep, rem, ip in rows])
    assert result.ok, result.errors


def row_for(slug: str, **options) -> dict:
    return next(row for row in hoster_metrics(FROM, TO, **options) if row["hoster"] == slug)


def test_a_notice_open_exactly_the_norm_before_the_cut_off_is_pending_and_one_second_older_is_due(hoster_a):
    notices(
        ("fast", "2024-03-10T00:00:00Z", "2024-03-10T01:00:00Z", "192.0.2.1"),
        ("exact", "2024-03-20T00:00:00Z", "", "192.0.2.1"),  # 12 h before the cut-off: not yet due
        ("older", "2024-03-19T23:59:59Z", "", "192.0.2.1"),  # 12 h 1 s: due, open over the norm
    )
    row = row_for("hoster-a", as_of=CUTOFF, norm_hours=12)
    assert (row["notices"], row["share_pct"], row["open"]) == (3, 100.0, 2)
    assert (row["pending"], row["due"], row["open_over_norm"]) == (1, 2, 1)
    assert (row["within_norm"], row["within_norm_pct"]) == (1, 50.0)
    assert (row["within_24h"], row["between_24_48h"], row["over_48h_or_open"]) == (1, 0, 1)
    # Nearest rank over the 2 due notices: the median is rank 1 (1 h), the 90th percentile rank 2 (open: none).
    assert (row["median_hours"], row["p90_hours"]) == (1.0, None)


def test_a_removal_after_the_cut_off_leaves_a_recent_notice_pending(hoster_a):
    notices(("later", "2024-03-20T06:00:00Z", "2024-03-20T13:00:00Z", "192.0.2.1"))
    row = row_for("hoster-a", as_of=CUTOFF, norm_hours=12)
    assert (row["open"], row["pending"], row["due"], row["within_norm_pct"]) == (1, 1, 0, None)
    assert row_for("hoster-a", norm_hours=12)["within_norm_pct"] == 100.0  # by the end of the period it was removed


def test_the_quantiles_rank_only_the_due_notices(hoster_a):
    notices(
        ("one", "2024-03-10T00:00:00Z", "2024-03-10T01:00:00Z", "192.0.2.1"),
        ("three", "2024-03-11T00:00:00Z", "2024-03-11T03:00:00Z", "192.0.2.1"),
        ("p1", "2024-03-20T01:00:00Z", "", "192.0.2.1"),
        ("p2", "2024-03-20T02:00:00Z", "", "192.0.2.1"),
        ("p3", "2024-03-20T03:00:00Z", "", "192.0.2.1"),
    )
    row = row_for("hoster-a", as_of=CUTOFF, norm_hours=12)
    # Over all five the median would land on an open notice; over the two due ones it is rank 1, the p90 rank 2.
    assert (row["due"], row["median_hours"], row["p90_hours"], row["within_norm_pct"]) == (2, 1.0, 3.0, 100.0)


def test_a_period_where_every_notice_is_pending_has_no_rates(hoster_a, hoster_b):
    notices(
        ("a1", "2024-03-20T01:00:00Z", "", "192.0.2.1"),
        ("a2", "2024-03-20T11:00:00Z", "2024-03-20T12:30:00Z", "192.0.2.1"),
        ("b1", "2024-03-20T02:00:00Z", "", "198.51.100.1"),
    )
    row = row_for("hoster-a", as_of=CUTOFF, norm_hours=12)
    assert (row["notices"], row["pending"], row["due"], row["open"], row["share_pct"]) == (2, 2, 0, 2, 66.67)
    for rate in ("within_norm_pct", "median_hours", "p90_hours"):
        assert row[rate] is None
    assert (row["within_norm"], row["within_24h"], row["between_24_48h"], row["over_48h_or_open"]) == (0, 0, 0, 0)
    assert row["open_over_norm"] == 0


def test_pending_is_per_hoster_in_one_query(hoster_a, hoster_b):
    notices(
        ("a1", "2024-03-10T00:00:00Z", "2024-03-10T02:00:00Z", "192.0.2.1"),
        ("a2", "2024-03-20T10:00:00Z", "", "192.0.2.1"),
        ("b1", "2024-03-10T00:00:00Z", "", "198.51.100.1"),
    )
    with CaptureQueriesContext(connection) as queries:
        rows = {row["hoster"]: row for row in hoster_metrics(FROM, TO, as_of=CUTOFF, norm_hours=12)}
    assert len(notice_reads(queries)) == 1
    assert (rows["hoster-a"]["pending"], rows["hoster-a"]["within_norm_pct"]) == (1, 100.0)
    assert (rows["hoster-b"]["pending"], rows["hoster-b"]["open_over_norm"], rows["hoster-b"]["within_norm_pct"]) == (
        0,
        1,
        0.0,
    )


def test_the_weekly_charts_last_week_is_not_dragged_down_by_notices_not_yet_due(hoster_a):
    # Every week: 5 notices removed within an hour; in the last week (from Monday 25 March) 3 more notices sent in
    # the last hours before the end of the period (midnight in Amsterdam, 22:00 UTC), still open: not yet due, so
    # that week stays at 100%.
    rows = []
    for day in (4, 11, 18, 25):
        rows += [
            (f"w{day}-{i}", f"2024-03-{day:02d}T0{i}:00:00Z", f"2024-03-{day:02d}T0{i}:30:00Z", "192.0.2.1")
            for i in range(5)
        ]
    rows += [(f"late-{i}", f"2024-03-31T1{i + 7}:00:00Z", "", "192.0.2.1") for i in range(3)]
    notices(*rows)
    weeks = weekly_metrics(hoster_a, date(2024, 3, 4), date(2024, 4, 1), norm_hours=12)
    last = weeks[-1]
    assert (last["notices"], last["pending"], last["due"], last["within_norm_pct"]) == (8, 3, 5, 100.0)
    assert [week["within_norm_pct"] for week in weeks] == [100.0] * 4
    chart = weekly_chart(weeks, 90.0)
    bar = chart.bars[-1]
    assert chart.any_pending and bar.pending == 3 and bar.meets_target
    assert bar.due_height == pytest.approx(bar.height * 5 / 8, abs=0.1)
    assert bar.pending_height == pytest.approx(bar.height * 3 / 8, abs=0.1)
    assert bar.due_y == pytest.approx(bar.y + bar.pending_height, abs=0.1)
    assert all(not earlier.pending and earlier.due_height == earlier.height for earlier in chart.bars[:-1])


# The law: the database's figures equal §4.2 computed by hand in Python, pending notices and all. -----------------

START = datetime(2024, 3, 1, tzinfo=UTC)
# Notices as (minutes from START to the report, minutes from the report to the removal or None for never).
_notices = st.lists(
    st.tuples(st.integers(0, 6 * 24 * 60), st.one_of(st.none(), st.integers(0, 4 * 24 * 60))), min_size=1, max_size=15
)


def reference(notices: list[tuple[int, int | None]], as_of_minutes: int, norm_hours: int) -> dict:
    """DESIGN §4.2 for one hoster's notices, read straight from the text."""
    norm = norm_hours * 60
    durations = []  # the due notices' removal times in minutes, open = inf
    pending = open_ = open_over = 0
    for reported, removed in notices:
        if removed is not None and reported + removed <= as_of_minutes:
            durations.append(float(removed))
            continue
        open_ += 1
        if as_of_minutes - reported <= norm:
            pending += 1
        else:
            open_over += 1
            durations.append(math.inf)
    due = len(durations)
    ordered = sorted(durations)

    def quantile(q: float) -> float | None:
        if not due:
            return None
        value = ordered[math.ceil(q * due) - 1]
        return None if value == math.inf else round(value / 60, 2)

    within = sum(1 for d in durations if d <= norm)
    return {
        "notices": len(notices),
        "pending": pending,
        "due": due,
        "within_norm": within,
        "within_norm_pct": round(100 * within / due, 2) if due else None,
        "within_24h": sum(1 for d in durations if d <= 24 * 60),
        "between_24_48h": sum(1 for d in durations if 24 * 60 < d <= 48 * 60),
        "over_48h_or_open": sum(1 for d in durations if d > 48 * 60),
        "median_hours": quantile(0.5),
        "p90_hours": quantile(0.9),
        "open": open_,
        "open_over_norm": open_over,
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(notices=_notices, norm_hours=st.sampled_from([12, 24, 36]), data=st.data())
def test_the_figures_equal_the_definition(hoster_a, notices, norm_hours, data):
    # The cut-off anywhere, or a minute either side of (or exactly on) the moment a notice's norm runs out.
    reported = data.draw(st.sampled_from([reported for reported, _removed in notices]))
    edge = reported + norm_hours * 60 + data.draw(st.sampled_from([-1, 0, 1]))
    as_of_minutes = data.draw(st.one_of(st.integers(0, 10 * 24 * 60), st.just(edge)))
    Notice.objects.all().delete()
    batch = ImportBatch.objects.create(source="law", status=ImportBatch.Status.SUCCEEDED)
    Notice.objects.bulk_create(
        Notice(
            source="law",
            notice_id=f"n{index}",
            reported_at=START + timedelta(minutes=reported),
            removed_at=None if removed is None else START + timedelta(minutes=reported + removed),
            hoster=hoster_a,
            attribution="explicit",
            batch=batch,
        )
        for index, (reported, removed) in enumerate(notices)
    )
    as_of = START + timedelta(minutes=as_of_minutes)
    [row] = hoster_metrics(START, START + timedelta(days=7), as_of=as_of, norm_hours=norm_hours, hoster=hoster_a)
    expected = reference(notices, as_of_minutes, norm_hours)
    assert {key: row[key] for key in expected} == expected


# The weekly figures in two queries equal `hoster_metrics` of each week (the definition), clocks changing and all. --

AUTUMN = datetime(2024, 10, 16, 13, 30, tzinfo=UTC)  # a Wednesday; the clocks go back on Sunday 27 October
_spread = st.lists(
    st.tuples(
        st.integers(0, 30 * 24 * 60),
        st.one_of(st.none(), st.integers(0, 3 * 24 * 60)),
        st.booleans(),  # hoster A's, or hoster B's (in the share only)
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(notices=_spread, days=st.integers(1, 30), norm_hours=st.sampled_from([12, 24]))
def test_the_weekly_figures_equal_each_weeks_own_figures(hoster_a, hoster_b, notices, days, norm_hours):
    Notice.objects.all().delete()
    batch = ImportBatch.objects.create(source="weeks", status=ImportBatch.Status.SUCCEEDED)
    Notice.objects.bulk_create(
        Notice(
            source="weeks",
            notice_id=f"w{index}",
            reported_at=AUTUMN + timedelta(minutes=reported),
            removed_at=None if removed is None else AUTUMN + timedelta(minutes=reported + removed),
            hoster=hoster_a if of_a else hoster_b,
            attribution="explicit",
            batch=batch,
        )
        for index, (reported, removed, of_a) in enumerate(notices)
    )
    start, end = AUTUMN, AUTUMN + timedelta(days=days)
    with CaptureQueriesContext(connection) as queries:
        weeks = weekly_metrics(hoster_a, start, end, norm_hours=norm_hours)
    assert len(notice_reads(queries)) == 2  # whatever the weeks
    assert sum(week["notices"] for week in weeks) == sum(1 for _r, _m, of_a in notices if of_a and _r < days * 1440)
    for week in weeks:
        monday = timezone.make_aware(datetime.combine(week["week_start"], time.min))
        week_from, week_to = max(start, monday), min(end, timezone.make_aware(
            datetime.combine(week["week_start"] + timedelta(days=7), time.min)))  # fmt: skip
        [own] = hoster_metrics(week_from, week_to, as_of=end, norm_hours=norm_hours, hoster=hoster_a)
        assert {key: week[key] for key in own} == own
    # For a chart: the same without the quantiles and shares, in one query.
    with CaptureQueriesContext(connection) as queries:
        lean = weekly_metrics(hoster_a, start, end, norm_hours=norm_hours, chart_only=True)
    assert len(notice_reads(queries)) == 1
    assert lean == [{**week, "median_hours": None, "p90_hours": None, "share_pct": None} for week in weeks]


def test_a_notice_at_monday_midnight_belongs_to_the_week_it_starts(hoster_a):
    # Monday 21 October 00:00 in Amsterdam is 22:00 UTC the day before (summer time); 28 October 00:00 is 23:00 UTC.
    notices(
        ("sunday", "2024-10-20T21:59:59Z", "2024-10-20T22:30:00Z", "192.0.2.1"),
        ("monday", "2024-10-20T22:00:00Z", "2024-10-20T22:30:00Z", "192.0.2.1"),
        ("after-the-change", "2024-10-27T23:00:00Z", "2024-10-27T23:30:00Z", "192.0.2.1"),
    )
    weeks = weekly_metrics(hoster_a, date(2024, 10, 14), date(2024, 11, 4), norm_hours=12)
    assert [(week["week_start"], week["notices"]) for week in weeks] == [
        (date(2024, 10, 14), 1),
        (date(2024, 10, 21), 1),
        (date(2024, 10, 28), 1),
    ]
