"""Benchmark: every page that shows takedown figures, at 1,000,000 notices (BENCH_ROWS for 10,000,000), on the
first view after the data changed and again, as a ratio to one plain pass over the period's notices measured in
the same run; run with `make bench` on PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client

from portal.models import Hoster, MemberRole, Role
from scoring.measurement import notice_days
from scoring.measurement.models import ImportBatch
from tests import factories
from tests.bench import notice_data
from tests.bench.notice_data import make_hosters

ROWS = int(os.environ.get("BENCH_ROWS", "1000000"))
HOSTERS = 2010
DAYS = 240  # eight months
PERIOD = {"date_from": "2024-01-01", "date_to": "2024-08-28"}
QUERY = "&".join(f"{name}={value}" for name, value in PERIOD.items())


def fill_notices(batch_id: int, first_hoster: int) -> None:
    """ROWS notices over eight months: 61% for the largest hoster, 1% unattributed, the rest spread over others;
    removals 0 to 60 hours after the report, one in fifty still open. Each row is as wide as an imported notice's
    (the URL's SHA-256, its host, an IP and an AS number): the figures' reads depend on it."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO scoring_notice (source, notice_id, reported_at, removed_at, ip, asn, url_sha256, url_host,
                                        declared_hoster_id, hoster_id, attribution, excluded, batch_id)
            SELECT 'bench', 'N' || lpad(g::text, 8, '0'), r,
                   CASE WHEN g %% 50 = 0 THEN NULL ELSE r + ((g * 7) %% 216000) * interval '1 second' END,
                   ('10.' || g %% 8 || '.' || g %% 256 || '.' || g %% 254 + 1)::inet, 100000 + g %% 2010,
                   encode(sha256(('https://site.example/' || g)::bytea), 'hex'),
                   'site' || (g * 31) %% 100000 || '.example',
                   NULL,
                   CASE WHEN g %% 97 = 0 THEN NULL WHEN g %% 100 < 61 THEN %s
                        ELSE %s + 1 + (g * g) %% (%s - 1) END,
                   'asn', false, %s
            FROM (SELECT g, timestamptz '2024-01-01 00:00:00+01'
                            + ((g * 7919) %% (%s * 86400)) * interval '1 second' AS r
                  FROM generate_series(1::bigint, %s) AS g) AS s
            """,
            [first_hoster, first_hoster, HOSTERS, batch_id, DAYS, ROWS],
        )
        cursor.execute("VACUUM ANALYZE scoring_notice")


def plain_pass() -> float:
    """The best of three plain passes over the period's notices (SELECT count(*))."""
    return notice_data.plain_pass("2024-01-01T00:00:00+01:00", "2024-08-28T00:00:00+02:00")


def touch_the_notices() -> None:
    """A change to the notices (the data version moves) that leaves every figure as it was."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE scoring_notice SET excluded = excluded WHERE id = (SELECT min(id) FROM scoring_notice)")


class Written:
    """A writer's statement over every hoster's notices reported from `since`, then its own keeping of the days it
    marked before it commits (`notice_days.settle`), as an import or a re-attribution does; the seconds of each
    are kept. The worker has vacuumed after the writer before, as it does after an import."""

    def __init__(self, since: str) -> None:
        self.since = since
        self.write = self.settle = 0.0

    def __call__(self) -> None:
        notice_days.vacuum()  # what the worker did after the writer before
        started = time.perf_counter()
        with transaction.atomic():
            with connection.cursor() as cursor:  # every removal a microsecond later, or back
                cursor.execute(
                    "UPDATE scoring_notice SET removed_at = removed_at"
                    " + CASE WHEN extract(microseconds FROM removed_at)::int %% 2 = 0 THEN 1 ELSE -1 END"
                    " * interval '1 microsecond' WHERE reported_at >= %s",
                    [self.since],
                )
            written = time.perf_counter()
            notice_days.settle()
        self.write, self.settle = written - started, time.perf_counter() - written


def timed(view: Callable[[], object], change: Callable[[], None] = touch_the_notices) -> tuple[float, float, int]:
    """The first view after a change, the same view again, and the queries of the first."""
    change()
    queries = []
    with connection.execute_wrapper(lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)):
        started = time.perf_counter()
        view()
        first = time.perf_counter() - started
    started = time.perf_counter()
    view()
    return first, time.perf_counter() - started, len(queries)


def after_one_write(pages: dict[str, Callable[[], object]], written: Written) -> dict[str, float]:
    """The first view of each page after one write, the portal's cache of figures emptied before each page: as if
    each were the first page opened after the write; then a plain pass over the period's notices as the write
    left them (its rows not yet vacuumed, so not known to be visible to all), under the key "plain pass"."""
    written()
    firsts = {name: timed(view, cache.clear)[0] for name, view in pages.items()}
    return {**firsts, "plain pass": plain_pass()}


def get(client: Client, url: str) -> Callable[[], object]:
    def view() -> object:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return b"".join(response.streaming_content) if response.streaming else response.content

    return view


@pytest.mark.bench
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the figures' bounds are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_the_figure_pages_over_a_million_notices() -> None:
    make_hosters(HOSTERS)
    largest = Hoster.objects.order_by("id").first()
    assert largest is not None
    batch = ImportBatch.objects.create(source="bench", status=ImportBatch.Status.SUCCEEDED)
    started = time.perf_counter()
    fill_notices(batch.pk, largest.pk)
    filled = time.perf_counter() - started
    started = time.perf_counter()
    notice_days.refresh()  # what the worker does after an import (the fill is plain SQL)
    kept = time.perf_counter() - started
    owner, supervisor = Client(), Client()
    owner.force_login(factories.make_member(largest, MemberRole.OWNER))
    supervisor.force_login(factories.make_role_user(Role.SUPERVISOR))
    slug = largest.slug
    out = io.StringIO()
    pages = {
        "a hoster's figures page": get(owner, f"/hoster/{slug}/metrics/?{QUERY}"),
        "the hoster's dashboard": get(owner, f"/dashboard/?{QUERY}"),
        "the supervisor's monitor page": get(supervisor, f"/supervision/monitor/?{QUERY}"),
        "its CSV export": get(supervisor, f"/supervision/monitor/export.csv?{QUERY}"),
        "the hoster's notice list": get(owner, f"/hoster/{slug}/notices/?{QUERY}"),
        "the public monitor page (published periods)": get(Client(), "/monitor/"),
        "hoster_metrics, all hosters": lambda: call_command(
            "hoster_metrics", "--from", PERIOD["date_from"], "--to", PERIOD["date_to"], "--norm-hours", "24", stdout=out
        ),
    }
    for view in pages.values():  # the process's own first request (templates, URL patterns) is no figure's cost
        view()
    plain = plain_pass()
    load = os.getloadavg()[0]
    results = {name: timed(view) for name, view in pages.items()}  # each after a change: the figures computed anew
    last_weeks, whole = Written("2024-07-31T00:00:00+02:00"), Written("2000-01-01T00:00:00Z")
    month, every = after_one_write(pages, last_weeks), after_one_write(pages, whole)
    started = time.perf_counter()
    refreshed = notice_days.refresh()
    refresh = time.perf_counter() - started
    plain = min(plain, plain_pass())
    print(
        f"\n[bench figures] {ROWS:,} notices over {DAYS} days, {HOSTERS} hosters, the largest with 61 %"
        f" (filled in {filled:.0f} s; their days computed in {kept:.1f} s)"
    )
    print(f"  load average (1 min) before the runs: {load:.1f}; one plain pass over the period: {plain * 1000:.0f} ms")
    print(f"  {'page or command':42} {'first view':>16} {'again':>16} {'queries':>8}")
    for name, (first, again, queries) in results.items():
        print(f"  {name:42} {first:7.3f} s {first / plain:5.1f}x {again:7.3f} s {again / plain:5.2f}x {queries:8d}")
    for title, written, firsts in (("of the last four weeks", last_weeks, month), ("all", whole, every)):
        print(f"  the first view after a write to every hoster's notices, {title} (an import or a re-attribution),")
        print("  which kept their days before it committed:")
        after = firsts.pop("plain pass")
        print(f"  (as the plain pass before the write; one plain pass as the write left them: {after * 1000:.0f} ms)")
        for name, first in firsts.items():
            print(f"  {name:42} {first:7.3f} s {first / plain:5.1f}x {first / after:5.1f}x")
        write, settle = written.write, written.settle
        print(
            f"  the writer's statement {write:.2f} s, its keeping of the days {settle:.2f} s"
            f" ({settle / plain:.1f}x the plain pass, {settle / write:.2f}x the statement)"
        )
    print(f"  the worker's refresh of the {refreshed} hosters' days: {refresh:.3f} s {refresh / plain:.1f}x")
