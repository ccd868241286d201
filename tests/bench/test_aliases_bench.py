"""Benchmark: re-attribution and the unattributed queue at 1,000,000 notices, on PostgreSQL; `pytest -m bench`.

The notices are generated in the database (skewed like the 2020 monitor: a few hosters get most), so the figures
are the set-based SQL alone: a full re-attribution by network (nearly every notice changes and is recorded), the
same again (nothing changes), an alias that takes a large owner's notices, and the queue's grouped page.
"""

from __future__ import annotations

import os
import time

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from portal.identity import update_hoster_aliases
from portal.models import Hoster, Role
from scoring.measurement.attribution import reattribute_all
from scoring.measurement.changes import AttributionChange
from scoring.measurement.models import ImportBatch, Notice
from tests import factories
from tests.bench.notice_data import make_hosters

ROWS = int(os.environ.get("BENCH_ROWS", "1000000"))
HOSTERS = 2000


def generate_notices(batch: ImportBatch) -> None:
    """ROWS unattributed notices: 5% from an undeclared 172.16.0.0/12 named by 100 unknown owners, the rest in
    the hosters' declared /24s (85% with their AS number); the notices of the 16 largest hosters name "Big Owner"."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.2020)")
        cursor.execute(
            "INSERT INTO scoring_notice (source, notice_id, reported_at, ip, asn, url_sha256, url_host,"
            " attribution, excluded, batch_id)"
            " SELECT 'bench', 'N' || g, TIMESTAMPTZ '2024-01-01' + g * INTERVAL '20 seconds',"
            " CASE WHEN g %% 20 = 0 THEN ('172.16.' || (g / 256 %% 256) || '.' || (g %% 256))::inet"
            "  ELSE ('10.' || (h / 256) || '.' || (h %% 256) || '.' || (g %% 254 + 1))::inet END,"
            " CASE WHEN g %% 20 <> 0 AND g %% 7 <> 0 THEN 100000 + h END, '', '', 'none', false, %s"
            f" FROM (SELECT g, floor({HOSTERS} * power(random(), 4))::int AS h"
            f" FROM generate_series(1, {ROWS}) g) s",
            [batch.pk],
        )
        cursor.execute(
            "INSERT INTO scoring_noticeowner (notice_id, name, owner_key)"
            " SELECT id, 'Lost Hosting ' || owner || ' B.V.', 'losthosting' || owner FROM"
            " (SELECT id, ip, substring(notice_id FROM 2)::int / 20 % 100 AS owner FROM scoring_notice) n"
            " WHERE ip <<= '172.16.0.0/12'"
            " UNION ALL SELECT id, 'BIG OWNER BV', 'bigowner' FROM scoring_notice WHERE ip <<= '10.0.0.0/20'"
        )
        cursor.execute("ANALYZE scoring_notice, scoring_noticeowner")


def timed(label: str, action, *args):
    started = time.perf_counter()
    result = action(*args)
    print(f"  {label}: {time.perf_counter() - started:.2f} s ({result})")
    return result


@pytest.mark.bench
@pytest.mark.django_db(transaction=True)
def test_reattribution_and_queue_at_a_million_notices() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the million-notice benchmark runs on PostgreSQL")
    make_hosters(HOSTERS)
    generate_notices(ImportBatch.objects.create(source="bench", status=ImportBatch.Status.SUCCEEDED))
    supervisor = factories.make_role_user(Role.SUPERVISOR, email="bench-supervisor@example.org")
    client = Client()
    client.force_login(supervisor)
    queue = reverse("scoring:unattributed")
    print(f"\n[bench aliases] {ROWS:,} notices, {HOSTERS} hosters")
    timed("queue page, everything unattributed, grouped by all three", client.get, queue)
    timed("queue page, grouped by network", client.get, queue, {"by": "network"})
    changed = timed("full re-attribution by network (records each change)", reattribute_all)
    assert changed == Notice.objects.exclude(hoster=None).count() > 0.9 * ROWS
    assert AttributionChange.objects.count() == changed
    assert timed("full re-attribution again (nothing changes)", reattribute_all) == 0
    timed("queue page after attribution", client.get, queue)
    timed("queue page searched by owner", client.get, queue, {"q": "lost hosting 20"})
    big = Hoster.objects.get(slug="bench-1999")
    recorded = AttributionChange.objects.count()
    timed(
        "alias 'Big Owner' for a hoster (the 16 largest hosters' notices)",
        update_hoster_aliases,
        supervisor,
        big,
        ["Big Owner"],
    )
    moved = AttributionChange.objects.count() - recorded
    print(f"    that alias moved {moved:,} notices")
    assert moved > 0.1 * ROWS
    lost = Hoster.objects.get(slug="bench-1998")
    own = Notice.objects.filter(hoster=lost).count()
    timed(
        "alias of one unknown owner (a 2,000th of the notices)",
        update_hoster_aliases,
        supervisor,
        lost,
        ["Lost Hosting 20"],
    )
    assert Notice.objects.filter(hoster=lost).count() - own == ROWS // 20 // 100
