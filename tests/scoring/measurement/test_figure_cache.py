"""Figures kept under the notices' data version: reused while nothing changed, never stale after a change, and the
fast path equal to the reference to the cent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from portal.models import Hoster
from portal.services import update_hoster_network
from scoring.measurement import figure_cache, metrics
from scoring.measurement.disputes import decide_removal_dispute, raise_dispute, raise_removal_dispute, resolve_dispute
from scoring.measurement.models import ImportBatch, Notice
from scoring.measurement.queue import Group, attribute_group
from tests.scoring.measurement.helpers import (
    RANDOM_NOTICE,
    hoster_metrics,
    notice_reads,
    run_import,
    store_random_notices,
)

pytestmark = pytest.mark.django_db

FROM, TO = datetime(2024, 3, 1, tzinfo=UTC), datetime(2024, 4, 1, tzinfo=UTC)
MARCH = datetime(2024, 3, 4, 10, tzinfo=UTC)


def notices(*rows: tuple[str, str, str, str]) -> None:
    """Rows of (notice_id, reported_at, removed_at, ip); 192.0.2.x is hoster A's, 198.51.100.x hoster B's."""
    result = run_import([(nid, rep, rem, ip, "", "", "") for nid, rep, rem, ip in rows])
    assert result.ok, result.errors


def figures_hoster(slug: str) -> Hoster:
    return Hoster.objects.get(slug=slug)


def figures(slug: str | None = "hoster-a") -> dict:
    """The hoster's figures of March both ways: from UTC midnights (always from the notices) and of the local days
    (on PostgreSQL from the kept days, `notice_days`): after every change both must hold the change."""
    row = next(row for row in hoster_metrics(FROM, TO) if row["hoster"] == slug)
    assert row == next(row for row in hoster_metrics(FROM.date(), TO.date()) if row["hoster"] == slug)
    return row


@pytest.fixture
def two_notices(hoster_a, hoster_b) -> None:
    notices(
        ("a1", "2024-03-04T10:00:00Z", "2024-03-04T12:00:00Z", "192.0.2.1"),
        ("a2", "2024-03-05T10:00:00Z", "", "192.0.2.2"),
    )


def test_the_same_figures_again_read_no_notices(two_notices):
    first = hoster_metrics(FROM, TO)
    with CaptureQueriesContext(connection) as queries:
        assert hoster_metrics(FROM, TO) == first
    assert notice_reads(queries) == []


def test_an_import_moves_the_figures(two_notices):
    assert figures()["notices"] == 2
    notices(("a3", "2024-03-06T10:00:00Z", "2024-03-06T11:00:00Z", "192.0.2.3"))
    assert figures()["notices"] == 3


def test_a_change_of_network_moves_the_figures(two_notices, supervisor):
    notices(("c1", "2024-03-06T10:00:00Z", "", "203.0.113.9"))
    assert (figures()["notices"], figures(None)["notices"]) == (2, 1)
    update_hoster_network(supervisor, figures_hoster("hoster-a"), [64500], ["192.0.2.0/24", "203.0.113.0/24"])
    assert figures()["notices"] == 3
    assert all(row["hoster"] is not None for row in hoster_metrics(FROM, TO))


def test_attributing_from_the_queue_moves_the_figures(two_notices, supervisor, hoster_b):
    notices(("c1", "2024-03-06T10:00:00Z", "", "203.0.113.9"))
    assert figures("hoster-b")["notices"] == 0
    outcome = attribute_group(supervisor, Group("network", network="203.0.113.0/24"), "", hoster_b, "notices", "")
    assert outcome.changed == 1
    assert figures("hoster-b")["notices"] == 1


def test_an_upheld_attribution_dispute_moves_the_figures(two_notices, editor_a, supervisor, hoster_b):
    assert (figures()["notices"], figures("hoster-b")["notices"]) == (2, 0)
    dispute = raise_dispute(editor_a, Notice.objects.get(notice_id="a2"), "Not ours.")
    resolve_dispute(supervisor, dispute, uphold=True, reason="Transferred.", new_hoster=hoster_b)
    assert (figures()["notices"], figures("hoster-b")["notices"]) == (1, 1)


def test_an_accepted_removal_time_moves_the_figures(two_notices, editor_a, supervisor):
    assert (figures()["open"], figures()["median_hours"]) == (1, 2.0)
    notice = Notice.objects.get(notice_id="a2")
    claimed = notice.reported_at + timedelta(hours=1)
    dispute = raise_removal_dispute(editor_a, notice, claimed, "Removed within the hour.", url="https://t.example/1")
    decide_removal_dispute(supervisor, dispute, accept=True, reason="")
    assert (figures()["open"], figures()["median_hours"]) == (0, 1.0)


def test_a_plain_update_of_the_table_moves_the_figures(two_notices):
    assert figures()["notices"] == 2
    with connection.cursor() as cursor:
        cursor.execute("UPDATE scoring_notice SET excluded = %s WHERE notice_id = %s", [True, "a1"])
    assert figures()["notices"] == 1
    Notice.objects.filter(notice_id="a2").delete()
    assert figures()["notices"] == 0


def test_figures_read_inside_a_rolled_back_change_are_not_found_after_another_change(two_notices):
    """A version a rolled-back transaction saw is never the version of other data later."""
    with transaction.atomic():
        Notice.objects.filter(notice_id="a1").update(excluded=True)
        assert figures()["notices"] == 1
        transaction.set_rollback(True)
    assert figures()["notices"] == 2
    Notice.objects.filter(notice_id="a2").update(excluded=True)
    assert figures()["notices"] == 1
    assert figures()["open"] == 0


def test_every_write_to_the_notices_moves_the_version(two_notices):
    versions = {figure_cache.data_version()}
    Notice.objects.filter(notice_id="a1").update(removed_at=MARCH + timedelta(hours=3))
    versions.add(figure_cache.data_version())
    Notice.objects.create(
        source="t",
        notice_id="x",
        reported_at=MARCH,
        batch=ImportBatch.objects.first(),
        hoster=figures_hoster("hoster-a"),
    )
    versions.add(figure_cache.data_version())
    assert len(versions) == 3 and None not in versions


# The fast path (PostgreSQL) equals the reference (the portable window query) ---------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the fast path is PostgreSQL's")
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(RANDOM_NOTICE, min_size=1, max_size=60),
    cut_off_hours=st.one_of(st.none(), st.integers(-48, 24 * 40)),
    norm_hours=st.sampled_from([1, 12, 24, 36.5, 720]),
    weekly=st.booleans(),
)
@example(  # every rank from 1 to 26 due notices, each of another duration
    rows=[(7200 + 90 * index, 600 * index + 7, None, index % 2) for index in range(52)],
    cut_off_hours=None,
    norm_hours=24,
    weekly=True,
)
def test_the_fast_figures_equal_the_reference(hoster_a, hoster_b, rows, cut_off_hours, norm_hours, weekly):
    Notice.objects.all().delete()
    store_random_notices(rows, hoster_a, hoster_b)
    as_of = TO if cut_off_hours is None else FROM + timedelta(hours=cut_off_hours)
    key = metrics._week_key([FROM + timedelta(days=7 * week) for week in range(5)]) if weekly else ("hoster_id", [])
    for hoster_id in (None, hoster_a.pk):
        arguments = (FROM, TO, as_of, norm_hours, hoster_id, key)
        fast = metrics._query_aggregate(*arguments)
        reference = metrics._query_aggregate(*arguments, figures_sql=metrics.RANKED_FIGURES_SQL)
        assert set(fast) == set(reference)
        for k in fast:
            assert metrics._row("x", fast[k], 10) == metrics._row("x", reference[k], 10)
        lean = metrics._query_aggregate(*arguments, quantiles=False)
        assert {k: (*values[:6], None, None, *values[8:]) for k, values in fast.items()} == lean
