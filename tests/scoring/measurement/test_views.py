"""Pages: supervisor-only pages refuse others, the upload runs as a task, metrics pages and panels render."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.urls import reverse

from scoring.measurement import columnar, tasks
from scoring.measurement.models import ImportBatch, Notice
from tests.scoring.measurement.helpers import csv_bytes, run_import

pytestmark = pytest.mark.django_db

SUPERVISOR_PAGES = [
    ("scoring:imports", {}),
    ("scoring:unattributed", {}),
    ("scoring:dispute_queue", {}),
    ("scoring:monitor", {}),
    ("scoring:monitor_csv", {}),
]


@pytest.mark.parametrize(("name", "kwargs"), SUPERVISOR_PAGES)
def test_supervisor_pages_refuse_hosters_and_auditors(client_for, owner_a, auditor, supervisor, name, kwargs):
    url = reverse(name, kwargs=kwargs)
    assert client_for(owner_a).get(url).status_code == 403
    assert client_for(auditor).get(url).status_code == 403
    assert client_for(supervisor).get(url).status_code == 200


def test_import_pages_refuse_hosters(client_for, owner_a, supervisor, hoster_a):
    batch = ImportBatch.objects.create(source="x", status=ImportBatch.Status.SUCCEEDED)
    for name in ("scoring:import_detail", "scoring:import_progress"):
        url = reverse(name, args=[batch.pk])
        assert client_for(owner_a).get(url).status_code == 403
        assert client_for(supervisor).get(url).status_code == 200


def upload(client, rows, **data):
    file = SimpleUploadedFile("notices.csv", csv_bytes(rows), content_type="text/csv")
    return client.post(reverse("scoring:imports"), {"file": file, "source": "meldpunt", **data})


def test_upload_runs_the_import_in_the_background_and_shows_the_result(client_for, supervisor, hoster_a):
    client = client_for(supervisor)
    response = upload(client, [("n1", "2024-03-01T10:00:00Z", "", "192.0.2.1", "", "", "https://x.example/p")])
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response.url == reverse("scoring:import_detail", args=[batch.pk])
    assert (batch.status, batch.created, batch.channel, batch.created_by) == ("succeeded", 1, "upload", supervisor)
    assert batch.upload_path == "" and len(batch.file_sha256) == 64
    page = client.get(response.url)
    assert "The file was imported." in page.content.decode()
    assert Notice.objects.get().batch == batch


def test_upload_of_a_bad_file_lists_the_errors_and_stores_no_notice(client_for, supervisor, hoster_a):
    client = client_for(supervisor)
    upload(client, [("n1", "2024-03-01T10:00:00", "", "192.0.2.1", "", "", "")])
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.REJECTED and batch.rejected == 1
    assert batch.errors[0].startswith("line 2: reported_at:")
    assert not Notice.objects.exists()
    progress = client.get(reverse("scoring:import_progress", args=[batch.pk])).content.decode()
    assert "line 2: reported_at:" in progress and "hx-trigger" not in progress


def test_upload_with_timezone(client_for, supervisor, hoster_a):
    upload(
        client_for(supervisor),
        [("n1", "2024-03-01T10:00:00", "", "192.0.2.1", "", "", "")],
        timezone="Europe/Amsterdam",
    )
    assert Notice.objects.get().reported_at.hour == 9


def test_progress_polls_while_running(client_for, supervisor):
    batch = ImportBatch.objects.create(
        source="x", status=ImportBatch.Status.RUNNING, total_bytes=100, progress_bytes=40
    )
    html = client_for(supervisor).get(reverse("scoring:import_progress", args=[batch.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in html and 'aria-valuenow="40"' in html
    assert "40 rows checked so far" not in html and "rows checked so far" in html


@pytest.mark.parametrize(
    ("language", "says"),
    [("en", "All 12 rows checked; the notices and their figures are being stored."), ("nl", "Alle 12 rijen")],
)
def test_progress_says_when_every_row_is_checked_and_the_rest_is_stored(client_for, supervisor, language, says):
    """After the last row the import still stores the notices and keeps their figures: the page says so rather
    than seem stuck at 99 %."""
    batch = ImportBatch.objects.create(
        source="x", status=ImportBatch.Status.RUNNING, total_bytes=100, progress_bytes=100, progress_rows=12
    )
    client = client_for(supervisor)
    client.cookies["django_language"] = language
    html = client.get(reverse("scoring:import_progress", args=[batch.pk]))
    assert says in html.content.decode() and "so far" not in html.content.decode()


def test_unattributed_queue_searches(client_for, supervisor, hoster_a):
    run_import(
        [
            ("lost-1", "2024-03-01T10:00:00Z", "", "100.64.0.1", "AS65999", "", ""),
            ("lost-2", "2024-03-01T10:00:00Z", "", "100.64.0.2", "", "", ""),
            ("mine", "2024-03-01T10:00:00Z", "", "192.0.2.1", "", "", ""),
        ]
    )
    client = client_for(supervisor)
    html = client.get(reverse("scoring:unattributed")).content.decode()
    assert "lost-1" in html and "lost-2" in html and "mine" not in html
    html = client.get(reverse("scoring:unattributed"), {"q": "AS65999"}).content.decode()
    assert "lost-1" in html and "lost-2" not in html


def test_monitor_ranks_hosters_and_exports_csv(client_for, supervisor, hoster_a, hoster_b):
    run_import(
        [
            ("a1", "2024-03-01T10:00:00Z", "2024-03-01T11:00:00Z", "192.0.2.1", "", "", ""),
            ("a2", "2024-03-01T10:00:00Z", "", "192.0.2.1", "", "", ""),
            ("b1", "2024-03-01T10:00:00Z", "2024-03-01T11:00:00Z", "198.51.100.1", "", "", ""),
        ]
    )
    client = client_for(supervisor)
    period = {"date_from": "2024-02-01", "date_to": "2024-04-01"}
    html = client.get(reverse("scoring:monitor"), period).content.decode()
    assert html.index("Hoster A") < html.index("Hoster B")
    response = client.get(reverse("scoring:monitor_csv"), period)
    lines = response.content.decode().splitlines()
    assert response["Content-Type"].startswith("text/csv")
    assert lines[0].startswith("name,hoster,notices,share_pct,within_norm,")
    assert lines[1].startswith("Hoster A,hoster-a,2,66.67,1,50.0,")


def test_hoster_metrics_page_is_for_members_and_supervisors(client_for, owner_a, owner_b, supervisor, hoster_a):
    run_import([("a1", "2024-03-04T10:00:00Z", "2024-03-04T11:00:00Z", "192.0.2.1", "", "", "")])
    url = reverse("scoring:hoster_metrics", args=["hoster-a"])
    period = {"date_from": "2024-03-01", "date_to": "2024-04-01"}
    html = client_for(owner_a).get(url, period).content.decode()
    assert "<svg" in html and "<table" in html and 'role="img"' in html
    assert client_for(owner_b).get(url).status_code == 404
    assert client_for(supervisor).get(url, period).status_code == 200


def test_dashboard_shows_the_panels(client_for, owner_a, supervisor, hoster_a):
    run_import([("a1", "2024-03-04T10:00:00Z", "2024-03-04T11:00:00Z", "192.0.2.1", "", "", "")])
    html = client_for(owner_a).get(reverse("dashboard"), {"date_from": "2024-03-01", "date_to": "2024-04-01"})
    assert "Takedown figures" in html.content.decode() and "<svg" in html.content.decode()
    html = client_for(supervisor).get(reverse("dashboard")).content.decode()
    assert "Measured takedown data" in html and "1 notice imported" in html


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the import's own connection is busy only on PostgreSQL")
def test_upload_progress_is_seen_by_other_connections_while_the_import_runs(
    client_for, supervisor, hoster_a, monkeypatch
):
    """The progress is written, and committed, while the import's connection is in the middle of its COPY."""
    monkeypatch.setattr(columnar, "_BLOCK", 256)  # many blocks, so many reports
    seen = []
    writer = tasks._progress_writer

    @contextmanager
    def watched(batch_id):
        observer = connections.create_connection(DEFAULT_DB_ALIAS)
        with writer(batch_id) as progress:

            def report(rows, size):
                progress(rows, size)
                with observer.cursor() as cursor:
                    cursor.execute("SELECT progress_rows FROM scoring_importbatch WHERE id = %s", [batch_id])
                    seen.append((rows, cursor.fetchone()[0]))

            yield report
        observer.close()

    monkeypatch.setattr(tasks, "_progress_writer", watched)
    rows = [(f"n{i}", "2024-03-01T10:00:00Z", "", "192.0.2.1", "", "", "") for i in range(60)]
    upload(client_for(supervisor), rows)
    assert ImportBatch.objects.get().created == 60
    assert len(seen) > 3 and all(written == read for written, read in seen)


def test_upload_with_a_nul_character_is_rejected_and_its_errors_kept(client_for, supervisor, hoster_a):
    upload(client_for(supervisor), [("n1", "2024-03-01T10:00:00Z\x00", "", "192.0.2.1", "", "", "")])
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.REJECTED
    assert batch.errors == ["line 2: reported_at: “2024-03-01T10:00:00Z␀” is not an ISO 8601 timestamp."]


@pytest.mark.parametrize("query", ["a\x00b", "\x00"])
def test_a_nul_in_a_search_is_a_400_with_a_message(client_for, supervisor, owner_a, hoster_a, query):
    run_import([("lost", "2024-03-01T10:00:00Z", "", "100.64.0.1", "", "", "")])
    for client, url in [
        (client_for(supervisor), reverse("scoring:unattributed")),
        (client_for(owner_a), reverse("scoring:hoster_notices", args=["hoster-a"])),
    ]:
        response = client.get(url, {"q": query})
        assert response.status_code == 400 and "A search may not contain a NUL character." in response.content.decode()
        assert "lost" not in response.content.decode()


@pytest.mark.parametrize("query", ["1.2.3.999", "::g", "1:2:3:4:5:6:7:8:9", "fe80::1%eth0", "2001:DB8::1"])
def test_a_search_that_only_looks_like_an_ip_address_is_no_error(client_for, supervisor, hoster_a, query):
    run_import([("lost", "2024-03-01T10:00:00Z", "", "2001:db8::1", "", "", "")])
    response = client_for(supervisor).get(reverse("scoring:unattributed"), {"q": query})
    assert response.status_code == 200
    assert ("lost" in response.content.decode()) == (query == "2001:DB8::1")
