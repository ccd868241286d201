"""The kept day figures (PostgreSQL): equal to the reference to the cent whatever was refreshed and whatever changed
since, never stale after a change, and each hoster computed again only when its own notices changed."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.certification.daily_run import monitor_certificates
from scoring.measurement import metrics, notice_days
from scoring.measurement.models import Notice
from tests.scoring.measurement.helpers import (
    RANDOM_NOTICE,
    RANDOM_START,
    random_notice,
    run_import,
    store_random_notices,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the kept days are PostgreSQL's"),
]

# What happens after the first refresh: nothing, a removal, a correction, another hoster, exclusion, deletion, a new one
_CHANGES = ["none", "removed", "corrected", "hoster", "excluded", "deleted", "new"]
_change = st.tuples(st.sampled_from(_CHANGES), RANDOM_NOTICE)


def change(number, kind, row, stored, hoster_a, hoster_b) -> None:
    target = Notice.objects.filter(pk=stored[row[0] % len(stored)].pk)
    moment = RANDOM_START + timedelta(minutes=row[0])
    if kind == "removed":
        target.update(removed_at=moment)
    elif kind == "corrected":
        target.update(corrected_removed_at=moment)
    elif kind == "hoster":
        target.update(hoster=(hoster_a, hoster_b, None, None)[row[3]])
    elif kind == "excluded":
        target.update(excluded=True)
    elif kind == "deleted":
        target.delete()
    elif kind == "new":
        random_notice(len(stored) + number, row, stored[0].batch, hoster_a, hoster_b).save()


def kept_days(start, end, as_of, norm_hours, hoster_id, key, *, quantiles):
    """`notice_days.query` itself, whatever is marked (`metrics` takes the plain way while a long span is)."""
    weeks = None if key[0] == "hoster_id" else key[1][0]
    keys = None if hoster_id is None else [hoster_id]
    rows = notice_days.query(start, end, as_of, norm_hours, keys, weeks, quantiles=quantiles)
    return {k: metrics._finite(values) for k, values in rows.items()}


def reference_total(start: datetime, end: datetime) -> int:
    return Notice.objects.filter(excluded=False, reported_at__gte=start, reported_at__lt=end).count()


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(RANDOM_NOTICE, min_size=1, max_size=50),
    first_day=st.integers(0, 10),
    days=st.integers(1, 30),
    cut_off_hours=st.one_of(st.none(), st.integers(-48, 24 * 40)),
    norm_hours=st.sampled_from([1, 12, 24, 36.5, 720]),
    refreshed=st.sampled_from(["none", "all", "a"]),
    changes=st.lists(_change, max_size=3),
    refreshed_after=st.sampled_from(["none", "all", "a"]),
)
def test_the_kept_days_give_the_reference_figures(
    hoster_a, hoster_b, rows, first_day, days, cut_off_hours, norm_hours, refreshed, changes, refreshed_after
):
    Notice.objects.all().delete()
    cache.clear()
    stored = store_random_notices(rows, hoster_a, hoster_b)
    refreshes = {"none": lambda: None, "all": notice_days.refresh, "a": lambda: notice_days.refresh([hoster_a.pk])}
    refreshes[refreshed]()
    for number, (kind, row) in enumerate(changes):
        change(number, kind, row, stored, hoster_a, hoster_b)
    refreshes[refreshed_after]()
    day = date(2024, 2, 24) + timedelta(days=first_day)
    start, end = metrics.as_datetime(day), metrics.as_datetime(day + timedelta(days=days))
    assert notice_days.available(start, end)
    as_of = end if cut_off_hours is None else start + timedelta(hours=cut_off_hours)
    weeks = [metrics.as_datetime(day + timedelta(days=offset)) for offset in range(0, days, 7)]
    for key in (("hoster_id", []), metrics._week_key(weeks)):
        for hoster_id in (None, hoster_a.pk):
            arguments = (start, end, as_of, norm_hours, hoster_id, key)
            reference = metrics._query_aggregate(*arguments, figures_sql=metrics.RANKED_FIGURES_SQL)
            for quantiles in (True, False):  # the kept days as they are (marked spans too), and the figures' own way
                kept = kept_days(*arguments, quantiles=quantiles)
                chosen = metrics._query_aggregate(*arguments, quantiles=quantiles)
                assert set(kept) == set(chosen) == set(reference)
                for k, values in reference.items():
                    expected = metrics._row("x", values if quantiles else (*values[:6], None, None, *values[8:]), 10)
                    assert metrics._row("x", kept[k], 10) == metrics._row("x", chosen[k], 10) == expected, (key[0], k)
    reference = metrics._query_aggregate(start, end, as_of, norm_hours, None, figures_sql=metrics.RANKED_FIGURES_SQL)
    by_hoster = metrics._aggregate_by_hoster(start, end, as_of, norm_hours, quantiles=True)
    assert {k: metrics._row("x", v, 10) for k, v in by_hoster.items()} == {
        k: metrics._row("x", v, 10) for k, v in reference.items()
    }
    assert notice_days.totals(start, end, None).get(0, 0) == reference_total(start, end)
    weekly_totals = notice_days.totals(start, end, weeks)
    for index, week in enumerate(weeks):
        week_end = min(end, week + timedelta(days=7)) if index == len(weeks) - 1 else weeks[index + 1]
        assert weekly_totals.get(index, 0) == reference_total(week, week_end), (weeks, end, week_end, rows, changes)


def figures(slug: str) -> dict:
    rows = metrics.hoster_metrics("2024-03-01", "2024-04-01", norm_hours=24)
    return next(row for row in rows if row["hoster"] == slug)


@pytest.fixture
def two_hosters(hoster_a, hoster_b) -> list[Notice]:
    rows = [(5 * 24 * 60 + 60 * i, 3600 * (i + 1), None, i % 2) for i in range(6)]
    return store_random_notices(rows, hoster_a, hoster_b)


def test_a_change_marks_only_the_hosters_it_wrote(two_hosters, hoster_a, hoster_b):
    notice_days.refresh()
    before = notice_days.versions()
    Notice.objects.filter(pk=two_hosters[0].pk).update(removed_at=two_hosters[0].reported_at + timedelta(hours=9))
    after = notice_days.versions()
    assert after[hoster_a.pk] != before[hoster_a.pk] and after[hoster_b.pk] == before[hoster_b.pk]
    with connection.cursor() as cursor:
        cursor.execute("SELECT hoster_key FROM scoring_noticehoster WHERE changed_from IS NOT NULL")
        assert cursor.fetchall() == [(hoster_a.pk,)]
    assert figures("hoster-a")["median_hours"] == 5.0  # 1, 3 and 5 hours before; now 3, 5 and 9
    assert notice_days.refresh() == 0  # the figures refreshed the days they read


def test_the_figures_of_all_hosters_compute_again_only_the_changed_hoster(two_hosters, hoster_a, hoster_b):
    cache.clear()
    figures("hoster-a")
    Notice.objects.filter(pk=two_hosters[1].pk).update(removed_at=None)  # hoster B's
    with CaptureQueriesContext(connection) as queries:
        assert figures("hoster-b")["open"] == 1
    asked = [query["sql"] for query in queries if "WITH marked" in query["sql"]]
    assert len(asked) == 1
    assert figures("hoster-a")["open"] == 0


def test_a_refresh_keeps_the_mark_of_a_write_it_did_not_see(two_hosters, hoster_a):
    """A mark is cleared only if it is still the one the refresh read: a write in between keeps the days marked."""

    def write_meanwhile(execute, sql, params, many, context):
        if sql.startswith("INSERT INTO scoring_noticeday"):
            Notice.objects.filter(pk=two_hosters[0].pk).update(excluded=True)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(write_meanwhile):
        notice_days.refresh()
    with connection.cursor() as cursor:
        cursor.execute("SELECT hoster_key FROM scoring_noticehoster WHERE changed_from IS NOT NULL")
        assert cursor.fetchall() == [(hoster_a.pk,)]
    assert figures("hoster-a")["notices"] == 2


def test_an_emptied_table_empties_the_kept_days(two_hosters):
    notice_days.refresh()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE scoring_notice CASCADE")
        cursor.execute("SELECT (SELECT COUNT(*) FROM scoring_noticeday) + (SELECT COUNT(*) FROM scoring_noticehoster)")
        assert cursor.fetchone() == (0,)


def marked() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT hoster_key FROM scoring_noticehoster WHERE changed_from IS NOT NULL ORDER BY 1")
        return [key for (key,) in cursor.fetchall()]


def test_a_long_marked_span_is_read_from_the_notices_and_left_to_the_worker(hoster_a, hoster_b):
    rows = [(day * 24 * 60, 3600, None, 0) for day in range(5, 35)]  # a notice a day for thirty days
    store_random_notices(rows, hoster_a, hoster_b)
    assert marked() == [hoster_a.pk]
    assert figures("hoster-a")["notices"] == 30
    assert marked() == [hoster_a.pk]  # thirty days: more than a reader computes
    monitor_certificates()  # the daily run refreshes what is left
    assert marked() == []
    assert figures("hoster-a")["notices"] == 30


def test_an_import_has_the_worker_refresh_the_days_it_wrote(hoster_a, django_capture_on_commit_callbacks):
    rows = [(f"n{day}", f"2024-03-{day:02d}T10:00:00Z", "", "192.0.2.1", "", "", "") for day in range(1, 29)]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert run_import(rows).created == 28
    assert len(callbacks) == 1 and marked() == []  # the tests' task backend runs the task at once
    assert figures("hoster-a")["open"] == 28


@pytest.mark.django_db(transaction=True)
def test_a_refresh_skips_the_mark_a_writer_holds_instead_of_waiting(hoster_a, hoster_b):
    store_random_notices([(5 * 24 * 60, 3600, None, 0), (5 * 24 * 60, 3600, None, 1)], hoster_a, hoster_b)
    writer = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with writer.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute("SELECT 1 FROM scoring_noticehoster WHERE hoster_key = %s FOR UPDATE", [hoster_a.pk])
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '5s'")  # a wait would fail the test rather than hang it
        assert notice_days.refresh() == 2
        assert marked() == [hoster_a.pk]
    finally:
        writer.close()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")


def test_days_kept_in_another_time_zone_are_not_used(two_hosters, settings):
    notice_days.refresh()
    assert notice_days.ready(None)
    settings.TIME_ZONE = "UTC"
    assert not notice_days.ready(None)
    assert figures("hoster-a")["notices"] == 3  # the plain way
