"""The supervisor's hash-check upload page, and the hash-check chart on a hoster's figures page."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.models import AuditEvent
from scoring.measurement import hashcheck_views
from scoring.measurement.hashchecks import HashCheckWeek, iso_week, monday_of

pytestmark = pytest.mark.django_db
URL = "/supervision/hash-checks/"


def upload(client: Client, text: str | bytes, name: str = "eokm.csv"):
    data = text.encode() if isinstance(text, str) else text
    return client.post(URL, {"file": SimpleUploadedFile(name, data, content_type="text/csv")})


def last_weeks(count: int) -> list[date]:
    this_week = monday_of(timezone.localdate())
    return [this_week - timedelta(weeks=i) for i in range(1, count + 1)]


def test_the_url_is_named():
    assert reverse("scoring:hashchecks") == URL


def test_only_supervisors_see_the_page(client_for, owner_a, auditor, supervisor):
    assert client_for(owner_a).get(URL).status_code == 403
    assert client_for(auditor).get(URL).status_code == 403
    assert Client().get(URL).status_code == 302  # to the login
    page = client_for(supervisor).get(URL)
    assert page.status_code == 200
    assert b"Upload hash-check statistics" in page.content
    assert f'href="{URL}"'.encode() in page.content  # the supervision tab


def test_an_outsider_cannot_upload(client_for, owner_a, hoster_a):
    response = upload(client_for(owner_a), "hoster,week,checks,hits\nhoster-a,2026-W01,1,0\n")
    assert response.status_code == 403
    assert not HashCheckWeek.objects.exists()


def test_a_good_upload_is_stored_audited_and_shown(client_for, supervisor, hoster_a, hoster_b):
    week = last_weeks(1)[0]
    text = f"hoster,week,checks,hits\nhoster-a,{iso_week(week)},1520,2\nHoster B,{week.isoformat()},0,0\n"
    client = client_for(supervisor)
    response = upload(client, text)
    assert response.status_code == 302 and response["Location"] == URL
    assert HashCheckWeek.objects.count() == 2
    event = AuditEvent.objects.get(action="scoring.hashchecks.imported")
    assert event.actor == supervisor and event.data["channel"] == "upload" and event.data["file"] == "eokm.csv"
    page = client.get(URL)
    assert b"Imported 2 figures: 2 new, 0 changed, 0 unchanged." in page.content
    assert iso_week(week).encode() in page.content and b"1520" in page.content
    again = client.get(response["Location"]) if upload(client, text).status_code == 302 else None
    assert again is not None and b"Imported 2 figures: 0 new, 0 changed, 2 unchanged." in again.content


def test_a_bad_upload_lists_every_bad_line_and_stores_nothing(client_for, supervisor, hoster_a):
    text = "hoster,week,checks,hits\nhoster-a,2026-W01,1,0\nnobody,2026-W02,1,0\nhoster-a,2026-02-11,1,0\n"
    response = upload(client_for(supervisor), text)
    assert response.status_code == 400
    content = response.content.decode()
    assert "Rejected: 2 bad lines; nothing was stored." in content
    assert "line 3: hoster: No hoster has the slug, name or alias “nobody”." in content
    assert "line 4: week: “2026-02-11” is not a Monday" in content
    assert not HashCheckWeek.objects.exists()
    assert not AuditEvent.objects.filter(action="scoring.hashchecks.imported").exists()


def test_hostile_bytes_are_named_not_crashed_on(client_for, supervisor, hoster_a):
    response = upload(client_for(supervisor), b"hoster,week,checks,hits\n\x00\xff\xfe<script>\n")
    assert response.status_code == 400
    assert "line 2: file: The line holds a NUL character" in response.content.decode()
    assert b"<script>" not in response.content


def test_only_csv_files_and_files_within_the_limit(client_for, supervisor, hoster_a, monkeypatch):
    client = client_for(supervisor)
    response = upload(client, "hoster,week,checks,hits\n", name="figures.xlsx")
    assert response.status_code == 400 and b"Upload a .csv file." in response.content
    monkeypatch.setattr(hashcheck_views, "FILE_MAX_BYTES", 100)
    response = upload(client, "hoster,week,checks,hits\n" + "hoster-a,2026-W01,1,0\n" * 10)
    assert response.status_code == 400 and "The file is larger than 100\xa0bytes" in response.content.decode()
    assert not HashCheckWeek.objects.exists()


def test_the_upload_needs_the_csrf_token(supervisor, hoster_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(supervisor)
    assert upload(client, "hoster,week,checks,hits\nhoster-a,2026-W01,1,0\n").status_code == 403
    assert not HashCheckWeek.objects.exists()


# --- the figures page -----------------------------------------------------------------------------------------


def _store(hoster, week: date, checks: int, hits: int = 0) -> None:
    HashCheckWeek.objects.create(
        hoster=hoster,
        week=week,
        checks=checks,
        hits=hits,
        batch="00000000-0000-0000-0000-000000000001",
        imported_at=timezone.now(),
    )


def figures(client: Client, slug: str):
    return client.get(reverse("scoring:hoster_metrics", args=[slug]))


def test_the_figures_page_shows_the_hosters_own_checks_per_week(client_for, owner_a, hoster_a, hoster_b):
    weeks = last_weeks(3)
    _store(hoster_a, weeks[0], 731_113, 17)
    _store(hoster_b, weeks[1], 982_451, 23)  # covers that week for hoster A too: 0 checks there
    page = figures(client_for(owner_a), "hoster-a")
    assert page.status_code == 200
    content = page.content.decode()
    assert "Hash checks per week" in content and 'aria-labelledby="hc-chart-title hc-chart-desc"' in content
    assert "731113" in content and "982451" not in content  # never another hoster's figures
    table = content[content.index("The hash-check figures as a table") :]
    assert f'<th scope="row">{iso_week(weeks[1])}' in table
    row_b = table[table.index(iso_week(weeks[1])) :].split("</tr>")[0]
    assert '<td class="text-end">0</td><td class="text-end">0</td>' in row_b
    row_none = table[table.index(iso_week(weeks[2])) :].split("</tr>")[0]
    assert "no statistics" in row_none


def test_another_hosters_figures_stay_hidden(client_for, owner_b, supervisor, hoster_a):
    _store(hoster_a, last_weeks(1)[0], 731_113)
    assert figures(client_for(owner_b), "hoster-a").status_code == 404
    assert "731113" in figures(client_for(supervisor), "hoster-a").content.decode()


def test_without_statistics_the_page_says_so(client_for, owner_a, hoster_a):
    content = figures(client_for(owner_a), "hoster-a").content.decode()
    assert "No hash-check statistics cover this period." in content
    assert "hc-chart-title" not in content
