"""The kept day figures (PostgreSQL): equal to the reference to the cent whatever was refreshed and whatever changed
since, never stale after a change, and each hoster computed again only when its own notices changed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from unittest import mock

import numpy as np
import pytest
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.models import Hoster
from scoring.certification.daily_run import monitor_certificates
from scoring.measurement import load_days, metrics, notice_days, staging
from scoring.measurement import quantiles as picking
from scoring.measurement.attribution import reattribute_all
from scoring.measurement.load_days import LoadDays
from scoring.measurement.models import ImportBatch, Notice
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

EPOCH_2000 = datetime(2000, 1, 1, tzinfo=UTC)

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
    """`notice_days.query` itself, whatever is marked (`metrics` computes short marked spans first)."""
    weeks = None if key[0] == "hoster_id" else key[1][0]
    keys = None if hoster_id is None else [hoster_id]
    return notice_days.query(start, end, as_of, norm_hours, keys, weeks, quantiles=quantiles)


def reference_total(start: datetime, end: datetime) -> int:
    return Notice.objects.filter(excluded=False, reported_at__gte=start, reported_at__lt=end).count()


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(RANDOM_NOTICE, min_size=1, max_size=50),
    first_day=st.integers(0, 10),
    days=st.one_of(st.integers(1, 30), st.integers(40, 50)),  # the longer ones hold a whole block
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
    assert_blocks_hold_their_days()
    weekly_totals = notice_days.totals(start, end, weeks)
    for index, week in enumerate(weeks):
        week_end = min(end, week + timedelta(days=7)) if index == len(weeks) - 1 else weeks[index + 1]
        assert weekly_totals.get(index, 0) == reference_total(week, week_end), (weeks, end, week_end, rows, changes)


PERIOD = (metrics.as_datetime("2024-03-01"), metrics.as_datetime("2024-04-01"))


def figures(slug: str) -> dict:
    rows = metrics.hoster_metrics(*PERIOD, norm_hours=24)
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
    tables = ("scoring_noticeday", "scoring_noticeblock", "scoring_noticehoster")
    counted = " UNION ALL ".join(f"SELECT COUNT(*) FROM {table}" for table in tables)
    with connection.cursor() as cursor:
        cursor.execute(counted)
        assert all(count for (count,) in cursor.fetchall())
        cursor.execute("TRUNCATE scoring_notice CASCADE")
        cursor.execute(counted)
        assert cursor.fetchall() == [(0,)] * 3


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


def test_an_import_keeps_the_days_it_wrote_before_it_commits(hoster_a, django_capture_on_commit_callbacks):
    rows = [(f"n{day}", f"2024-03-{day:02d}T10:00:00Z", "", "192.0.2.1", "", "", "") for day in range(1, 29)]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:  # the worker does not run
        assert run_import(rows).created == 28
        assert marked() == []  # 28 days: more than a reader computes, kept by the import itself
    assert len(callbacks) == 1  # the worker still comes by to vacuum
    assert figures("hoster-a")["open"] == 28
    assert_blocks_hold_their_days()


def test_a_reattribution_keeps_the_days_it_changed_before_it_commits(hoster_a, hoster_b):
    rows = [(f"n{day}", f"2024-03-{day:02d}T10:00:00Z", "", "192.0.2.1", "", "", "") for day in range(1, 29)]
    assert run_import(rows).created == 28
    assert figures("hoster-a")["notices"] == 28
    Hoster.objects.filter(pk=hoster_b.pk).update(prefixes=["192.0.2.0/25"])  # longer: b's now
    assert reattribute_all() == 28
    assert marked() == []
    assert figures("hoster-a")["notices"] == 0 and figures("hoster-b")["notices"] == 28
    assert_blocks_hold_their_days()


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
    assert notice_days.ready(None, *PERIOD)
    settings.TIME_ZONE = "UTC"
    assert not notice_days.ready(None, *PERIOD)
    assert figures("hoster-a")["notices"] == 3  # the plain way


def test_a_mark_over_most_of_the_period_sends_the_figures_the_plain_way(two_hosters, hoster_a):
    """A marked span the worker has yet to compute is read from the notices: within the kept days while it covers
    half the period or less, the plain way when more."""
    notice_days.refresh()
    expected = figures("hoster-a")
    for days, kept in ((10, True), (15, True), (16, False), (400, False)):
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE scoring_noticehoster SET changed_from = %s, changed_to = %s,"
                " version = nextval('scoring_noticehoster_version') WHERE hoster_key = %s",
                [PERIOD[0] + timedelta(days=5), PERIOD[0] + timedelta(days=4 + days, hours=12), hoster_a.pk],
            )
        assert notice_days.ready(None, *PERIOD) is kept, days
        assert notice_days.ready([hoster_a.pk], *PERIOD) is kept
        assert figures("hoster-a") == expected
    assert notice_days.ready([None], *PERIOD)  # the unattributed notices are not marked


def test_a_refresh_of_many_days_analyses_them(two_hosters):
    """The planner counts the kept days a big refresh wrote (a few do not pay for it)."""

    def analysed(days: int) -> bool:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE scoring_noticehoster SET changed_from = %s, changed_to = %s", list(PERIOD))
        with mock.patch.object(notice_days, "ANALYZED_DAYS", days), CaptureQueriesContext(connection) as queries:
            assert notice_days.refresh() == 2
        return any(
            query["sql"] == "ANALYZE scoring_noticeday, scoring_noticeblock" for query in queries.captured_queries
        )

    written = len({(notice.hoster_id, timezone.localtime(notice.reported_at).date()) for notice in two_hosters})
    assert not analysed(written + 1)
    assert analysed(written)


def test_a_kept_day_with_removals_after_the_cut_off_counts_them_open(hoster_a, hoster_b):
    """A settled day (every notice due at the cut-off) with removals after the cut-off: taken from its kept
    figures, those removals open at the cut-off, equal to the reference."""
    rows = [(60 * i, 3600 * (1 + 30 * (i % 4)), None, i % 2) for i in range(12)]  # removed 1 to 91 hours later
    rows.append((720, 41 * 3600, None, 0))  # removed at the cut-off itself: removed by it
    store_random_notices(rows, hoster_a, hoster_b)
    notice_days.refresh()
    start = metrics.as_datetime("2024-02-25")
    end, as_of = start + timedelta(days=7), start + timedelta(days=2, hours=6)
    reference = metrics._query_aggregate(start, end, as_of, 24, None, figures_sql=metrics.RANKED_FIGURES_SQL)
    kept = notice_days.query(start, end, as_of, 24, None, None, quantiles=True)
    assert {k: metrics._row("x", v, 10) for k, v in kept.items()} == {
        k: metrics._row("x", v, 10) for k, v in reference.items()
    }
    assert kept[hoster_a.pk][4] == 3  # open at the cut-off: removed 61 and 91 hours after the report


def test_figures_read_a_part_at_a_time_equal_the_reference(hoster_a, hoster_b):
    """Every fetch one part (`quantiles.FETCH_BYTES`): each key's parts span fetches, and a hoster's notices over
    forty days fall in two parts of 32 days; the kept way and the plain way give the reference's figures."""
    rows = [(i * 977 % (40 * 24 * 60), (i * 7919) % (36 * 3600) if i % 5 else None, None, i % 3) for i in range(120)]
    store_random_notices(rows, hoster_a, hoster_b)
    notice_days.refresh()
    start, end = metrics.as_datetime("2024-02-25"), metrics.as_datetime("2024-04-06")
    reference = metrics._query_aggregate(start, end, end, 24, None, figures_sql=metrics.RANKED_FIGURES_SQL)
    with mock.patch.object(picking, "FETCH_BYTES", 1), mock.patch.object(picking, "JOINED_BYTES", 0):
        kept = notice_days.query(start, end, end, 24, None, None, quantiles=True)
        with mock.patch.object(notice_days, "ready", return_value=False):
            plain = metrics._query_aggregate(start, end, end, 24, None)

    def figures_of(found: dict) -> dict:
        return {k: metrics._row("x", values, 10) for k, values in found.items()}

    assert figures_of(kept) == figures_of(plain) == figures_of(reference)
    assert set(reference) == {hoster_a.pk, hoster_b.pk, None}


def assert_blocks_hold_their_days() -> None:
    """Every block of 32 days holds exactly its kept days: their counts, latest removal and durations."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT hoster_key, day, notices, open, removed_max, durations FROM scoring_noticeday")
        days = cursor.fetchall()
        cursor.execute("SELECT hoster_key, block, notices, open, removed_max, durations FROM scoring_noticeblock")
        blocks = cursor.fetchall()
    expected: dict[tuple[int, int], tuple] = {}
    for key, day, notices, still_open, removed_max, durations in days:
        at = (key, (day - date(2000, 1, 1)).days // picking.PART_DAYS)
        count, opened, latest, found = expected.get(at, (0, 0, None, []))
        latest = max((moment for moment in (latest, removed_max) if moment is not None), default=None)
        expected[at] = (count + notices, opened + still_open, latest, sorted(found + list(durations)))
    held = {
        (key, block): (notices, still_open, removed_max, sorted(np.frombuffer(durations, picking._ELEMENT)["value"]))
        for key, block, notices, still_open, removed_max, durations in blocks
    }
    assert held == expected


def test_a_whole_settled_block_is_read_as_one_row_and_only_then(hoster_a, hoster_b):
    """A block whose days all count, settled, unmarked and removed by the cut-off is read from its own row (a
    block made wrong on purpose shows it); a period that cuts it, a removal after the cut-off or a mark sends the
    figures to its days, equal to the reference."""
    rows = [(i * 24 * 60 + 600, 2 * 3600, None, i % 2) for i in range(40)]  # 25 February to 4 April, 10:00
    rows.append((24 * 24 * 60 + 600, 26 * 24 * 3600, None, 0))  # 20 March, removed 15 April
    stored = store_random_notices(rows, hoster_a, hoster_b)
    notice_days.refresh()
    assert_blocks_hold_their_days()
    block = (date(2024, 3, 20) - date(2000, 1, 1)).days // picking.PART_DAYS  # 7 March to 7 April
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE scoring_noticeblock SET notices = notices + 1000 WHERE hoster_key = %s AND block = %s",
            [hoster_a.pk, block],
        )

    def read(first: str, last: str, cut_off: str) -> tuple[int, int]:
        start, end, as_of = (metrics.as_datetime(moment) for moment in (first, last, cut_off))
        reference = metrics._query_aggregate(start, end, as_of, 24, None, figures_sql=metrics.RANKED_FIGURES_SQL)
        kept = notice_days.query(start, end, as_of, 24, None, None, quantiles=True)
        assert kept[hoster_b.pk] == reference[hoster_b.pk]
        return kept[hoster_a.pk][0], reference[hoster_a.pk][0]

    found, reference = read("2024-03-01", "2024-04-20", "2024-04-20")
    assert found == reference + 1000  # the block's own row
    found, reference = read("2024-03-08", "2024-04-20", "2024-04-20")
    assert found == reference  # the period cuts it: its days
    found, reference = read("2024-03-01", "2024-04-20", "2024-04-12")
    assert found == reference  # removed after the cut-off: the days
    Notice.objects.filter(pk=stored[20].pk).update(removed_at=F("removed_at") + timedelta(minutes=1))  # marked
    found, reference = read("2024-03-01", "2024-04-20", "2024-04-20")
    assert found == reference


def kept_rows() -> list[tuple]:
    """The kept days, each with its removals as (duration, instant) pairs in order: a day keeps them in any order,
    durations and instants alike."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {notice_days.DAY_COLUMNS} FROM scoring_noticeday ORDER BY hoster_key, day")
        return [(*row[:5], sorted(zip(row[5], row[6], strict=True))) for row in cursor.fetchall()]


def versions() -> dict[int, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT hoster_key, version FROM scoring_noticehoster")
        return dict(cursor.fetchall())


def csv_row(index: int, row: tuple) -> tuple[str, ...]:
    """A RANDOM_NOTICE row as a line of the portal's CSV (the import takes no removal before the report, and no
    exclusion); every fifth in a form the fast way leaves to the validator (spaces around the report)."""
    reported, removed, _corrected, who = row
    moment = RANDOM_START + timedelta(minutes=reported)
    removal = "" if removed is None else (moment + timedelta(seconds=max(removed, 0), microseconds=index)).isoformat()
    stamp = moment.isoformat().replace("+00:00", "Z")
    hoster = ("hoster-a", "hoster-b", "", "hoster-a")[who]
    return (f"load-{index}", f" {stamp} " if index % 5 == 0 else stamp, removal, "203.0.113.9", "", hoster, "")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    before=st.lists(RANDOM_NOTICE, max_size=20),
    refreshed=st.booleans(),
    loaded=st.lists(RANDOM_NOTICE, min_size=1, max_size=40),
)
def test_a_big_fast_load_keeps_the_days_of_its_rows_itself(hoster_a, hoster_b, before, refreshed, loaded, monkeypatch):
    """An import that rebuilds the notices' indexes writes its days itself: nothing is left marked (what was marked
    before, it settled too), every hoster it wrote has a new version, the figures equal the reference, and the kept
    days are those a full refresh computes. The marking trigger is back afterwards."""
    monkeypatch.setattr(staging.Staging, "_outweighs_notices", lambda self: True)
    loads = []
    kept_by_load = notice_days.kept_by_load
    monkeypatch.setattr(notice_days, "kept_by_load", lambda days: loads.append(days) or kept_by_load(days))
    Notice.objects.all().delete()
    ImportBatch.objects.filter(source="load").delete()
    with connection.cursor() as cursor:  # the deletion's deferred key checks, as an import's transaction has none
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    store_random_notices(before, hoster_a, hoster_b)
    if refreshed:
        notice_days.refresh()
    old = versions()
    result = run_import([csv_row(index, row) for index, row in enumerate(loaded)], source="load")
    assert result.created == len(loaded) and len(loads) == 1  # the fast way, its days gathered
    assert marked() == []
    new = versions()
    for key in {0 if row[3] == 2 else (hoster_a.pk, hoster_b.pk, 0, hoster_a.pk)[row[3]] for row in loaded}:
        assert new[key] > old.get(key, 0)
    start, end = metrics.as_datetime(date(2024, 2, 24)), metrics.as_datetime(date(2024, 4, 10))
    weeks = [start + timedelta(days=offset) for offset in range(0, 46, 7)]
    for key in (("hoster_id", []), metrics._week_key(weeks)):
        arguments = (start, end, end, 24, None, key)
        reference = metrics._query_aggregate(*arguments, figures_sql=metrics.RANKED_FIGURES_SQL)
        kept = kept_days(*arguments, quantiles=True)
        assert {k: metrics._row("x", v, 10) for k, v in kept.items()} == {
            k: metrics._row("x", v, 10) for k, v in reference.items()
        }
    assert_blocks_hold_their_days()
    kept = kept_rows()
    with connection.cursor() as cursor:  # the reference: every hoster's whole history marked, then refreshed
        cursor.execute("UPDATE scoring_noticehoster SET changed_from = '2000-01-01', changed_to = '2100-01-01'")
    notice_days.refresh()
    assert kept_rows() == kept
    random_notice(10_000, (0, None, None, 1), ImportBatch.objects.first(), hoster_a, hoster_b).save()
    assert hoster_b.pk in marked()  # the trigger marks again


def test_a_big_fast_load_keeps_days_as_a_refresh_computes_them(hoster_a, hoster_b, monkeypatch):
    """Around local midnights and both DST nights of 2024, removals to the microsecond: the days the load kept are
    those a full refresh computes, to the bit."""
    monkeypatch.setattr(staging.Staging, "_outweighs_notices", lambda self: True)
    moments = []
    for night in (
        "2024-03-30T22:00:00",
        "2024-03-31T00:30:00",
        "2024-03-31T01:00:00",
        "2024-10-26T21:59:59",
        "2024-10-26T22:00:00",
        "2024-10-27T00:30:00",
        "2024-10-27T01:00:00",
        "2024-12-31T23:00:00",
    ):
        moments.append(datetime.fromisoformat(night + "+00:00"))
    rows = []
    for index, moment in enumerate(moments * 3):
        removal = moment + timedelta(days=index % 3, seconds=7 * index, microseconds=123_457 * index)
        stamp = moment.isoformat().replace("+00:00", "Z")
        rows.append(
            (
                f"d{index}",
                stamp,
                "" if index % 4 == 3 else removal.isoformat(),
                "203.0.113.9",
                "",
                ("hoster-a", "hoster-b", "")[index % 3],
                "",
            )
        )
    assert run_import(rows, source="load").created == len(rows)
    kept = kept_rows()
    assert len(kept) > 8 and marked() == []
    with connection.cursor() as cursor:
        cursor.execute("UPDATE scoring_noticehoster SET changed_from = '2000-01-01', changed_to = '2100-01-01'")
    notice_days.refresh()
    assert kept_rows() == kept


def test_a_failed_big_load_keeps_the_trigger_and_the_days(two_hosters, hoster_a, monkeypatch):
    monkeypatch.setattr(staging.Staging, "_outweighs_notices", lambda self: True)
    notice_days.refresh()
    kept = kept_rows()
    failing = mock.Mock(side_effect=RuntimeError("the server went away"))
    monkeypatch.setattr(LoadDays, "copy_stream", failing)  # after the notices' COPY and the indexes
    rows = [("x1", "2024-03-02T10:00:00Z", "", "", "", "hoster-a", "")]
    with pytest.raises(RuntimeError):
        run_import(rows, source="load")
    assert failing.called and not Notice.objects.filter(source="load").exists()
    assert kept_rows() == kept and marked() == []
    Notice.objects.filter(hoster=hoster_a).update(removed_at=None)
    assert marked() == [hoster_a.pk]


def test_the_load_computes_durations_and_days_as_the_server_does():
    """`load_days` against PostgreSQL itself, bit for bit: random report times over 25 years and removal durations
    from a microsecond to 60 days (a plain division would differ in the last bit about once in 40), and the local
    day of instants around every hour of both DST nights."""
    rng = np.random.default_rng(2024)
    reported = rng.integers(0, 25 * 365 * 86_400_000_000, 5000)
    removed = reported + rng.integers(0, 60 * 86_400_000_000, 5000)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT date_part('epoch', (timestamptz '2000-01-01Z' + r * interval '1 microsecond')"
            " - (timestamptz '2000-01-01Z' + p * interval '1 microsecond')),"
            " scoring_notice_day(timestamptz '2000-01-01Z' + p * interval '1 microsecond') - date '2000-01-01'"
            " FROM unnest(%s::bigint[], %s::bigint[]) AS x(p, r)",
            [reported.tolist(), removed.tolist()],
        )
        server = cursor.fetchall()
    assert load_days.durations(reported, removed).tolist() == [duration for duration, _day in server]
    assert load_days.local_days(reported).tolist() == [day for _duration, day in server]


@pytest.mark.parametrize("zone", ["Europe/Amsterdam", "America/St_Johns", "Australia/Lord_Howe"])
def test_the_load_finds_local_days_across_zone_changes(zone, settings):
    """Instants every seven minutes over four days around each of the zone's changes of 2024 (on the UTC hour in
    Amsterdam, on the half hour in Newfoundland and on Lord Howe Island, whose offset changes by half an hour), and
    of October 2005, when Newfoundland went back from 00:01 to 23:01 at 02:31 UTC: the day changes within that hour."""
    settings.TIME_ZONE = zone
    for night in (
        datetime(2024, 3, 9, tzinfo=UTC),
        datetime(2024, 3, 30, tzinfo=UTC),
        datetime(2024, 4, 6, tzinfo=UTC),
        datetime(2024, 10, 5, tzinfo=UTC),
        datetime(2024, 10, 26, tzinfo=UTC),
        datetime(2024, 11, 2, tzinfo=UTC),
        datetime(2005, 10, 28, tzinfo=UTC),
    ):
        instants = [night + timedelta(minutes=7 * step) for step in range(4 * 24 * 60 // 7)]
        micros = np.array([(instant - EPOCH_2000) // timedelta(microseconds=1) for instant in instants], np.int64)
        expected = [(timezone.localtime(instant).date() - date(2000, 1, 1)).days for instant in instants]
        assert load_days.local_days(micros).tolist() == expected, night


def _heap_fetches(hoster_id: int) -> int:
    """The table visits of an index-only read of a hoster's notices (what the figures read of the unknown days)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(
            "EXPLAIN (ANALYZE, FORMAT JSON) SELECT count(removed_at) FROM scoring_notice"
            " WHERE hoster_id = %s AND reported_at >= '2024-01-01'",
            [hoster_id],
        )
        plan = cursor.fetchone()[0][0]["Plan"]
    while "Heap Fetches" not in plan:
        plan = plan["Plans"][0]
    return int(plan["Heap Fetches"])


def test_a_first_load_into_no_notices_writes_them_visible_to_all(hoster_a, hoster_b, monkeypatch):
    """No notices at all (a hotline's first load): the notices are truncated in the load's transaction and COPYed
    frozen, so an index-only read visits no table page before any vacuum. Otherwise the table is left as it is."""
    monkeypatch.setattr(staging.Staging, "_outweighs_notices", lambda self: True)
    rows = [(f"f{i}", f"2024-03-0{1 + i % 9}T10:00:00Z", "", "", "", "hoster-a", "") for i in range(50)]
    assert run_import(rows, source="first").created == 50
    assert _heap_fetches(hoster_a.pk) == 0
    more = [(f"g{i}", f"2024-03-0{1 + i % 9}T11:00:00Z", "", "", "", "hoster-b", "") for i in range(50)]
    assert run_import(more, source="second").created == 50  # a new source, but notices exist: not truncated
    assert Notice.objects.count() == 100 and _heap_fetches(hoster_b.pk) > 0
