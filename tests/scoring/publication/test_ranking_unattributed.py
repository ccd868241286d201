"""The supervisor's ranking ranks hosters only; the unattributed notices are counted apart, on the page and in the CSV.

Unattributed notices used to be ranked like a hoster (issue 14, #9): with more of them than any hoster they took
rank 1.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse

from tests import factories
from tests.scoring.measurement.helpers import run_import

pytestmark = pytest.mark.django_db

PERIOD = {"date_from": "2024-03-01", "date_to": "2024-04-01", "norm_hours": "24"}
NOWHERE = "203.0.113.9"  # in no hoster's prefixes


def notices(prefix: str, count: int, ip: str) -> list[tuple[str, ...]]:
    return [
        (f"{prefix}{i}", f"2024-03-04T{10 + i:02d}:00:00Z", f"2024-03-04T{12 + i:02d}:00:00Z", ip, "", "", "")
        for i in range(count)
    ]


@pytest.fixture
def period_with_unattributed(hoster_a, hoster_b):
    """Five unattributed notices, more than hoster A (3) and hoster B (1); hoster C has none."""
    factories.make_hoster("hoster-c", name="Hoster C")
    result = run_import(notices("u", 5, NOWHERE) + notices("a", 3, "192.0.2.1") + notices("b", 1, "198.51.100.1"))
    assert result.ok, result.errors


def table_rows(html: str) -> list[list[str]]:
    """The ranking table's body rows as their cells' text."""
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def test_the_page_ranks_hosters_only_and_shows_the_unattributed_count_apart(
    client_for, supervisor, period_with_unattributed
):
    html = client_for(supervisor).get(reverse("scoring:monitor"), PERIOD).content.decode()
    rows = table_rows(html)
    assert [(row[0], row[1], row[2]) for row in rows] == [("1", "Hoster A", "3"), ("2", "Hoster B", "1")]
    assert "Unattributed" not in html[html.index("<tbody>") : html.index("</tbody>")]
    apart = html[html.index('id="unattributed-heading"') : html.index("<table")]
    assert "5 of the 9 notices in the period (55.56%) could not be attributed to a hoster" in apart
    assert reverse("scoring:unattributed") in apart
    assert "4 notices at the hosters ranked here, by number of notices" in html
    assert "Rank by notices" in html  # the rank says what it ranks by


def test_without_unattributed_notices_the_page_says_so(client_for, supervisor, hoster_a):
    assert run_import(notices("a", 2, "192.0.2.1")).ok
    html = client_for(supervisor).get(reverse("scoring:monitor"), PERIOD).content.decode()
    assert "Every notice in the period was attributed to a hoster." in html
    assert [row[:2] for row in table_rows(html)] == [["1", "Hoster A"]]


def test_the_csv_ranks_hosters_and_puts_the_unattributed_row_last_without_rank(
    client_for, supervisor, period_with_unattributed
):
    response = client_for(supervisor).get(reverse("scoring:monitor_csv"), PERIOD)
    rows = list(csv.DictReader(io.StringIO(response.content.decode(), newline="")))
    assert [(row["hoster"], row["notices"], row["rank"]) for row in rows] == [
        ("hoster-a", "3", "1"),
        ("hoster-b", "1", "2"),
        ("hoster-c", "0", ""),  # no notices: listed, not ranked
        ("", "5", ""),  # apart, last
    ]
    assert rows[-1]["name"] == "Unattributed" and rows[-1]["share_pct"] == "55.56"
    assert list(rows[0])[:3] == ["name", "hoster", "notices"]  # the columns before `rank` keep their places


def test_the_csv_has_no_unattributed_row_when_every_notice_was_attributed(client_for, supervisor, hoster_a):
    assert run_import(notices("a", 2, "192.0.2.1")).ok
    response = client_for(supervisor).get(reverse("scoring:monitor_csv"), PERIOD)
    rows = list(csv.DictReader(io.StringIO(response.content.decode(), newline="")))
    assert [(row["hoster"], row["rank"]) for row in rows] == [("hoster-a", "1")]


def test_hosters_and_the_anonymous_cannot_see_the_ranking(client_for, owner_a, period_with_unattributed):
    for url in (reverse("scoring:monitor"), reverse("scoring:monitor_csv")):
        assert client_for(owner_a).get(url, PERIOD).status_code in (403, 404)
