"""The pages that show takedown figures read the same number of queries whatever the notices, weeks and hosters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scoring.measurement import notice_days
from tests import factories
from tests.scoring.measurement.helpers import run_import

pytestmark = pytest.mark.django_db

PERIOD = "date_from=2024-01-01&date_to=2024-07-01"
START = datetime(2024, 1, 8, 9, tzinfo=UTC)


def import_notices(prefix: str, count: int, ip: str, weeks: int) -> None:
    rows = []
    for index in range(count):
        reported = START + timedelta(days=(7 * weeks * index) // count, minutes=index)
        removed = "" if index % 5 == 0 else (reported + timedelta(hours=index % 60)).isoformat()
        rows.append((f"{prefix}{index}", reported.isoformat(), removed, ip, "", "", ""))
    result = run_import(rows)
    assert result.ok, result.errors


def queries_of(client, url: str) -> int:
    cache.clear()  # the first view after a change: nothing kept
    if connection.vendor == "postgresql":  # as the worker leaves the kept days after an import (`notice_days`)
        notice_days.refresh()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200, url
    return len(queries)


PAGES = [
    ("owner", f"/hoster/hoster-a/metrics/?{PERIOD}"),
    ("owner", f"/dashboard/?{PERIOD}"),
    ("owner", f"/hoster/hoster-a/notices/?{PERIOD}"),
    ("supervisor", f"/supervision/monitor/?{PERIOD}"),
    ("supervisor", f"/supervision/monitor/export.csv?{PERIOD}"),
]


@pytest.mark.parametrize(("who", "url"), PAGES)
def test_a_figure_page_reads_as_many_queries_for_more_notices_weeks_and_hosters(
    client_for, owner_a, supervisor, hoster_a, hoster_b, who, url
):
    client = client_for(owner_a if who == "owner" else supervisor)
    import_notices("a", 3, "192.0.2.1", weeks=1)
    few = queries_of(client, url)
    import_notices("b", 60, "192.0.2.2", weeks=20)
    import_notices("c", 40, "198.51.100.7", weeks=12)
    import_notices("u", 10, "203.0.113.5", weeks=3)  # unattributed
    for index in range(30):
        hoster = factories.make_hoster(f"extra-{index}", prefixes=[f"100.64.{index}.0/24"])
        import_notices(f"x{index}-", 2, f"100.64.{index}.9", weeks=4)
        assert hoster.notices.count() == 2
    assert queries_of(client, url) == few


def test_the_monitor_ranks_a_hundred_hosters_per_page_and_its_csv_all(client_for, supervisor):
    for index in range(105):
        factories.make_hoster(f"many-{index:03d}", prefixes=[f"100.{64 + index // 256}.{index % 256}.0/24"])
        import_notices(f"m{index}-", 1 + index % 3, f"100.{64 + index // 256}.{index % 256}.9", weeks=1)
    client = client_for(supervisor)
    first = client.get(f"/supervision/monitor/?{PERIOD}")
    second = client.get(f"/supervision/monitor/?{PERIOD}&page=2")
    assert [row["rank"] for row in first.context["rows"]] == list(range(1, 101))
    assert [row["rank"] for row in second.context["rows"]] == list(range(101, 106))
    assert "page=2" in first.content.decode() and "page=2" not in second.context["query"]
    exported = client.get(f"/supervision/monitor/export.csv?{PERIOD}&page=2").content.decode()
    assert exported.count("\n") == 1 + 105  # the header and every hoster, whatever the page
