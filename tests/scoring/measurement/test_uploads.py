"""Uploaded notice files: received up to the limit, deleted on every outcome, never left behind by a stopped worker."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import SkipFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from scoring.measurement import tasks
from scoring.measurement.imports import ImportBusy
from scoring.measurement.models import ImportBatch, Notice
from scoring.measurement.uploads import UPLOAD_DIR, NoticeUploadHandler, fail_stale_batches
from tests.scoring.measurement.helpers import csv_bytes

pytestmark = pytest.mark.django_db

ROW = ("n1", "2024-03-01T10:00:00Z", "", "192.0.2.1", "", "", "https://x.example/secret-path")


def kept_files() -> list[str]:
    try:
        return default_storage.listdir(UPLOAD_DIR)[1]
    except FileNotFoundError:
        return []


def waiting_batch(status: str = ImportBatch.Status.PENDING, **fields) -> ImportBatch:
    path = default_storage.save(f"{UPLOAD_DIR}/waiting.csv", ContentFile(csv_bytes([ROW])))
    return ImportBatch.objects.create(
        source="meldpunt", channel=ImportBatch.Channel.UPLOAD, status=status, upload_path=path, **fields
    )


def aged(batch: ImportBatch, hours: float) -> ImportBatch:
    """The batch as if created `hours` ago."""
    ImportBatch.objects.filter(pk=batch.pk).update(created_at=timezone.now() - timedelta(hours=hours))
    batch.refresh_from_db()
    return batch


# --- the limit --------------------------------------------------------------------------------------------------


def test_a_file_over_the_limit_is_refused_on_the_form_and_nothing_is_kept(client_for, supervisor, hoster_a, settings):
    settings.NOTICE_UPLOAD_MAX_BYTES = 1000
    data = csv_bytes([(f"n{i}", *ROW[1:]) for i in range(40)])
    assert len(data) > 1000
    file = SimpleUploadedFile("notices.csv", data, content_type="text/csv")
    response = client_for(supervisor).post(reverse("scoring:imports"), {"file": file, "source": "meldpunt"})
    assert response.status_code == 200
    assert "The file is larger than 1000" in response.content.decode()
    assert not ImportBatch.objects.exists() and not Notice.objects.exists() and kept_files() == []


def test_a_file_under_the_limit_is_imported(client_for, supervisor, hoster_a, settings):
    data = csv_bytes([ROW])
    settings.NOTICE_UPLOAD_MAX_BYTES = len(data)
    file = SimpleUploadedFile("notices.csv", data, content_type="text/csv")
    response = client_for(supervisor).post(reverse("scoring:imports"), {"file": file, "source": "meldpunt"})
    assert response.status_code == 302
    assert ImportBatch.objects.get().status == ImportBatch.Status.SUCCEEDED and kept_files() == []


def test_the_handler_stops_writing_at_the_limit():
    handler = NoticeUploadHandler(max_bytes=10)
    handler.new_file("file", "notices.csv", "text/csv", None)
    assert handler.receive_data_chunk(b"12345678", 0) is None  # written to its temporary file
    temporary = handler.file.temporary_file_path()
    assert handler.file.tell() == 8
    with pytest.raises(SkipFile):
        handler.receive_data_chunk(b"12345678", 8)
    assert handler.exceeded and not os.path.exists(temporary)  # dropped, the chunk past the limit never written
    with pytest.raises(SkipFile):  # a further file in the same request is not taken either
        handler.new_file("other", "more.csv", "text/csv", None)


def test_the_upload_page_still_checks_the_csrf_token(supervisor, hoster_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(supervisor)
    file = SimpleUploadedFile("notices.csv", csv_bytes([ROW]), content_type="text/csv")
    assert client.post(reverse("scoring:imports"), {"file": file, "source": "meldpunt"}).status_code == 403
    assert not ImportBatch.objects.exists() and kept_files() == []
    assert client.get(reverse("scoring:imports")).status_code == 200  # sets the token's cookie
    file.seek(0)
    token = client.cookies["csrftoken"].value
    data = {"file": file, "source": "meldpunt", "csrfmiddlewaretoken": token}
    assert client.post(reverse("scoring:imports"), data).status_code == 302
    assert ImportBatch.objects.get().status == ImportBatch.Status.SUCCEEDED


def test_a_bad_source_is_refused_on_the_form(client_for, supervisor, hoster_a):
    file = SimpleUploadedFile("notices.csv", csv_bytes([ROW]), content_type="text/csv")
    response = client_for(supervisor).post(reverse("scoring:imports"), {"file": file, "source": "meld punt"})
    assert response.status_code == 200 and "A source is a label" in response.content.decode()
    assert not ImportBatch.objects.exists() and kept_files() == []


# --- every outcome deletes the file ------------------------------------------------------------------------------


def test_a_worker_told_to_stop_mid_import_fails_the_batch_and_deletes_the_file(hoster_a, monkeypatch):
    batch = waiting_batch()

    def stopped(**kwargs):
        raise SystemExit(1)  # what db_worker raises in a task on its second SIGTERM

    monkeypatch.setattr(tasks, "import_notices", stopped)
    with pytest.raises(SystemExit):
        tasks.run_notice_import.call(batch.pk)
    batch.refresh_from_db()
    assert (batch.status, batch.upload_path, batch.finished_at is not None) == ("failed", "", True)
    assert kept_files() == []


def test_an_import_refused_as_busy_fails_with_its_message_and_deletes_the_file(hoster_a, monkeypatch):
    batch = waiting_batch()

    def busy(**kwargs):
        raise ImportBusy("meldpunt")

    monkeypatch.setattr(tasks, "import_notices", busy)
    assert tasks.run_notice_import.call(batch.pk) == {"status": "failed"}
    batch.refresh_from_db()
    assert batch.status == "failed" and "Another import of source “meldpunt” is running" in batch.errors[0]
    assert batch.upload_path == "" and kept_files() == []


def test_a_batch_already_decided_loses_its_file_when_the_task_comes(hoster_a):
    batch = waiting_batch(status=ImportBatch.Status.FAILED)
    assert tasks.run_notice_import.call(batch.pk) == {"status": "failed"}
    assert kept_files() == [] and ImportBatch.objects.get().upload_path == ""


# --- what a killed worker leaves behind ----------------------------------------------------------------------------


def test_stale_batches_fail_with_a_message_and_lose_their_files(hoster_a):
    pending = aged(waiting_batch(), hours=2)
    now = timezone.now()
    running = waiting_batch(status=ImportBatch.Status.RUNNING, progress_at=now - timedelta(hours=2))
    busy = waiting_batch(status=ImportBatch.Status.RUNNING, progress_at=now - timedelta(minutes=5))
    fresh = waiting_batch()
    assert fail_stale_batches(now) == 2
    for batch in (pending, running):
        batch.refresh_from_db()
        assert (batch.status, batch.upload_path, batch.finished_at) == ("failed", "", now)
        assert batch.errors[0].startswith("The import stopped without finishing")
    assert {os.path.basename(b.upload_path) for b in (busy, fresh)} == set(kept_files())
    assert ImportBatch.objects.filter(status__in=["pending", "running"]).count() == 2


def test_the_stale_time_is_a_setting(hoster_a, settings):
    settings.NOTICE_IMPORT_STALE_AFTER = 60
    batch = aged(waiting_batch(), hours=0.1)
    assert fail_stale_batches(timezone.now()) == 1
    assert ImportBatch.objects.get(pk=batch.pk).status == "failed"


def test_files_no_batch_waits_for_go_once_stale(hoster_a):
    old = default_storage.save(f"{UPLOAD_DIR}/orphan.csv", ContentFile(b"notice_id\n"))
    new = default_storage.save(f"{UPLOAD_DIR}/arriving.csv", ContentFile(b"notice_id\n"))
    two_hours_ago = (timezone.now() - timedelta(hours=2)).timestamp()
    os.utime(default_storage.path(old), (two_hours_ago, two_hours_ago))
    fail_stale_batches(timezone.now())
    assert kept_files() == [os.path.basename(new)]


def test_the_next_import_task_cleans_up_after_a_killed_worker(client_for, supervisor, hoster_a):
    left = aged(waiting_batch(status=ImportBatch.Status.RUNNING), hours=2)
    file = SimpleUploadedFile("notices.csv", csv_bytes([ROW]), content_type="text/csv")
    client_for(supervisor).post(reverse("scoring:imports"), {"file": file, "source": "other"})
    left.refresh_from_db()
    assert left.status == "failed" and kept_files() == []
    assert ImportBatch.objects.exclude(pk=left.pk).get().status == "succeeded"


@pytest.mark.django_db(transaction=True)  # on PostgreSQL the progress goes through a connection of its own
def test_progress_is_dated_so_a_long_import_is_not_taken_for_stale(hoster_a):
    batch = waiting_batch(status=ImportBatch.Status.RUNNING)
    with tasks._progress_writer(batch.pk) as progress:
        progress(20000, 1 << 20)
    batch.refresh_from_db()
    assert batch.progress_rows == 20000 and timezone.now() - batch.progress_at < timedelta(minutes=1)
