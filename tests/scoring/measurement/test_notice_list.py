"""A hoster's notice list: filters (open, overdue under the norm in force, disputed, period), the overdue column,
and the CSV export of its own notices only, with the URL's hash and host and nothing more of it."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from scoring.measurement.disputes import decide_removal_dispute, raise_dispute, raise_removal_dispute
from scoring.measurement.models import Notice
from scoring.rating.models import model_and_norm_in_force, norm_in_force
from tests.scoring.measurement.helpers import run_import

pytestmark = pytest.mark.django_db

SECRET_PATH = "/secret/path/img.jpg"


@pytest.fixture
def notices(hoster_a, hoster_b) -> dict[str, Notice]:
    """A's notices: open past the norm, open within it, removed in time, one in an older period; and one of B."""
    now, norm = timezone.now(), timedelta(hours=norm_in_force())
    rows = [
        ("overdue", now - norm - timedelta(hours=1), None, "192.0.2.1", "https://Host-One.example" + SECRET_PATH),
        ("fresh", now - norm + timedelta(hours=1), None, "192.0.2.2", ""),
        ("removed", now - norm * 3, now - norm * 3 + timedelta(hours=1), "192.0.2.3", ""),
        ("=cmd|' /C calc'!A0", now - timedelta(days=400), now - timedelta(days=399), "192.0.2.4", ""),
        ("of-b", now - norm * 2, None, "198.51.100.1", "https://b.example/x"),
    ]
    run_import(
        [(nid, rep.isoformat(), rem.isoformat() if rem else "", ip, "", "", url) for nid, rep, rem, ip, url in rows]
    )
    return {notice.notice_id: notice for notice in Notice.objects.all()}


def listed(client, slug: str = "hoster-a", **params) -> list[str]:
    response = client.get(reverse("scoring:hoster_notices", args=[slug]), params)
    assert response.status_code == 200
    return sorted(notice.notice_id for notice in response.context["page"])


def test_the_filters_select_open_overdue_disputed_and_period(client_for, owner_a, editor_a, notices):
    client = client_for(owner_a)
    assert listed(client) == sorted(["overdue", "fresh", "removed", "=cmd|' /C calc'!A0"])
    assert listed(client, state="open") == ["fresh", "overdue"]
    assert listed(client, state="overdue") == ["overdue"]
    assert listed(client, disputed="any") == []
    raise_dispute(editor_a, notices["fresh"], "Not ours.")
    assert listed(client, disputed="any") == listed(client, disputed="open") == ["fresh"]
    today = timezone.localdate()
    period = {"date_from": (today - timedelta(days=30)).isoformat(), "date_to": (today + timedelta(days=1)).isoformat()}
    assert listed(client, **period) == ["fresh", "overdue", "removed"]
    assert listed(client, state="overdue", q="host-one") == ["overdue"]


def test_a_closed_dispute_is_disputed_but_not_open(client_for, owner_a, editor_a, supervisor, notices):
    raised = raise_removal_dispute(
        editor_a, notices["removed"], notices["removed"].reported_at, "Earlier.", url="https://t.example/1"
    )
    decide_removal_dispute(supervisor, raised, accept=False, reason="No.")
    client = client_for(owner_a)
    assert (listed(client, disputed="any"), listed(client, disputed="open")) == (["removed"], [])


def test_an_accepted_correction_takes_a_notice_out_of_open_and_overdue(
    client_for, owner_a, editor_a, supervisor, notices
):
    overdue = notices["overdue"]
    raised = raise_removal_dispute(
        editor_a, overdue, overdue.reported_at + timedelta(hours=1), "Removed.", url="https://t.example/2"
    )
    decide_removal_dispute(supervisor, raised, accept=True, reason="")
    assert listed(client_for(owner_a), state="open") == ["fresh"]
    assert listed(client_for(owner_a), state="overdue") == []


def test_the_overdue_column_marks_only_notices_open_past_the_norm(client_for, owner_a, notices):
    response = client_for(owner_a).get(reverse("scoring:hoster_notices", args=["hoster-a"]))
    flags = {notice.notice_id: notice.is_overdue for notice in response.context["page"]}
    assert flags == {"overdue": True, "fresh": False, "removed": False, "=cmd|' /C calc'!A0": False}
    assert response.content.decode().count('class="badge text-bg-danger"') == 1


@pytest.mark.parametrize(
    "params",
    [{"date_from": "2024-05-01", "date_to": "2024-04-01"}, {"date_from": "0001-01-01"}, {"q": "a\x00b"}],
    ids=["reversed", "out-of-range", "nul"],
)
def test_a_bad_filter_is_a_400_with_its_message(client_for, owner_a, notices, params):
    response = client_for(owner_a).get(reverse("scoring:hoster_notices", args=["hoster-a"]), params)
    assert response.status_code == 400 and not list(response.context["page"])
    csv_response = client_for(owner_a).get(reverse("scoring:hoster_notices_csv", args=["hoster-a"]), params)
    assert csv_response.status_code == 400 and csv_response["Content-Type"].startswith("text/plain")


def read_csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.streaming
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_the_csv_holds_the_own_notices_with_hash_and_host_only(client_for, viewer_a, notices):
    response = client_for(viewer_a).get(reverse("scoring:hoster_notices_csv", args=["hoster-a"]))
    rows = read_csv(response)
    assert "attachment;" in response["Content-Disposition"]
    by_id = {row["notice_id"]: row for row in rows}
    assert set(by_id) == {"overdue", "fresh", "removed", "'=cmd|' /C calc'!A0"}  # the formula kept as text
    overdue = by_id["overdue"]
    assert (overdue["url_host"], overdue["url_sha256"]) == ("host-one.example", notices["overdue"].url_sha256)
    assert (overdue["open"], overdue["overdue"], by_id["fresh"]["overdue"]) == ("yes", "yes", "no")
    assert (overdue["reminders"], by_id["removed"]["open"]) == ("0", "no")
    whole = str(rows)
    assert SECRET_PATH not in whole and "of-b" not in whole and "b.example" not in whole


def test_the_csv_follows_the_filters_and_shows_both_removal_times(client_for, editor_a, supervisor, notices):
    removed = notices["removed"]
    raised = raise_removal_dispute(
        editor_a, removed, removed.reported_at + timedelta(minutes=5), "Earlier.", url="https://t.example/3"
    )
    decide_removal_dispute(supervisor, raised, accept=True, reason="")
    url = reverse("scoring:hoster_notices_csv", args=["hoster-a"])
    [row] = read_csv(client_for(supervisor).get(url, {"disputed": "any"}))
    removed.refresh_from_db()
    assert row["notice_id"] == "removed" and row["disputed"] == "yes"
    assert row["removed_at"] == timezone.localtime(removed.removed_at).isoformat()
    assert row["corrected_removed_at"] == timezone.localtime(removed.corrected_removed_at).isoformat()
    assert [r["notice_id"] for r in read_csv(client_for(supervisor).get(url, {"state": "overdue"}))] == ["overdue"]


def test_company_a_never_sees_company_bs_notices(client_for, owner_b, owner_a, notices):
    for name in ("scoring:hoster_notices", "scoring:hoster_notices_csv"):
        assert client_for(owner_b).get(reverse(name, args=["hoster-a"])).status_code == 404
    detail = reverse("scoring:notice_detail", args=["hoster-a", notices["of-b"].pk])
    assert client_for(owner_a).get(detail).status_code == 404
    assert (
        client_for(owner_b).get(reverse("scoring:notice_detail", args=["hoster-a", notices["fresh"].pk])).status_code
        == 404
    )
    assert (
        client_for(owner_b).get(reverse("scoring:notice_detail", args=["hoster-b", notices["fresh"].pk])).status_code
        == 404
    )
    assert listed(client_for(owner_b), "hoster-b") == ["of-b"]


def test_viewers_see_no_dispute_links_editors_do(client_for, viewer_a, editor_a, notices):
    link = reverse("scoring:dispute_removal_time", args=["hoster-a", notices["fresh"].pk])
    url = reverse("scoring:hoster_notices", args=["hoster-a"])
    assert link not in client_for(viewer_a).get(url).content.decode()
    assert link in client_for(editor_a).get(url).content.decode()


def test_the_list_and_a_notice_say_which_model_and_norm_mark_overdue(client_for, owner_a, notices):
    model, hours = model_and_norm_in_force()
    client = client_for(owner_a)
    page = client.get(reverse("scoring:hoster_notices", args=["hoster-a"])).content.decode()
    assert f"still open more than {hours:g} hours after the notice (the norm of {model}" in page
    detail = client.get(reverse("scoring:notice_detail", args=["hoster-a", notices["overdue"].pk])).content.decode()
    assert f"beyond the norm of {hours:g} hours ({model})" in detail
