"""Background tasks of the scoring app (django-tasks; the database backend's worker runs them).

django-tasks offers no hook when a worker starts, so the import task itself first fails the imports a stopped
worker left behind (`uploads.fail_stale_batches`); the daily run does the same. The worker speaks the language of
the person who uploaded the file, so that its errors and notes read as the upload page did.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import timezone, translation
from django_tasks import task

from scoring.measurement import notice_days
from scoring.measurement.imports import ImportBusy, ProgressCallback, import_notices
from scoring.measurement.models import ImportBatch
from scoring.measurement.scart import sniff_format
from scoring.measurement.uploads import discard_upload, fail_batch, fail_stale_batches

logger = logging.getLogger(__name__)


@contextmanager
def _progress_writer(batch_id: int) -> Iterator[ProgressCallback]:
    """Writes the import's progress on its batch, where the upload page polls it.

    On PostgreSQL through a connection of its own: the import's connection is in the middle of a COPY,
    inside a transaction the page would not see into until the end.
    """
    if connection.vendor != "postgresql":

        def progress_here(rows: int, size: int) -> None:
            ImportBatch.objects.filter(pk=batch_id).update(
                progress_rows=rows, progress_bytes=size, progress_at=timezone.now()
            )

        yield progress_here
        return
    own = connections.create_connection(DEFAULT_DB_ALIAS)
    table = own.ops.quote_name(ImportBatch._meta.db_table)

    def progress(rows: int, size: int) -> None:
        with own.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET progress_rows = %s, progress_bytes = %s, progress_at = %s WHERE id = %s",  # noqa: S608 - the model's table
                [rows, size, timezone.now(), batch_id],
            )

    try:
        yield progress
    finally:
        own.close()


@task()
def refresh_notice_days() -> int:
    """After an import: the notices and their kept days vacuumed and analysed, then the kept day figures of any
    hoster whose notices a writer that does not keep them wrote since computed (`notice_days`)."""
    if connection.vendor != "postgresql":
        return 0
    notice_days.vacuum()
    return notice_days.refresh()


@task()
def run_notice_import(batch_id: int, language: str = "", file_format: str = "") -> dict[str, Any]:
    """Import an uploaded notice file into its waiting batch, reporting progress on the batch as it goes.

    `language` is the uploader's, that of the page they uploaded from (without one: the portal's default);
    `file_format` the format the upload page found or was told (without one the worker reads the file's header).
    The file is deleted whatever the outcome; the batch ends succeeded, rejected or failed, never left running
    (also not when the worker is told to stop in the middle: that arrives here as SystemExit).
    """
    fail_stale_batches(timezone.now())
    batch = ImportBatch.objects.select_related("created_by").get(pk=batch_id)
    spoken = language if language in dict(settings.LANGUAGES) else None
    with translation.override(spoken) if spoken else nullcontext():
        return _run(batch, file_format)


def _run(batch: ImportBatch, file_format: str) -> dict[str, Any]:
    taken = ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.PENDING).update(
        status=ImportBatch.Status.RUNNING, progress_at=timezone.now()
    )
    if not taken:
        batch.refresh_from_db()
        if batch.is_finished:
            discard_upload(batch)
        return {"status": batch.status}
    batch.status = ImportBatch.Status.RUNNING
    try:
        with default_storage.open(batch.upload_path, "rb") as stream, _progress_writer(batch.pk) as progress:
            file_format = file_format or sniff_format(stream)
            result = import_notices(
                stream=stream,
                source=batch.source,
                tz=ZoneInfo(batch.timezone) if batch.timezone else None,
                user=batch.created_by,
                progress=progress,
                batch=batch,
                channel=batch.channel,
                filename=batch.filename,
                file_format=file_format,
            )
    except ImportBusy as refusal:
        fail_batch(batch, timezone.now(), str(refusal))
        return {"status": batch.status}
    except BaseException:
        logger.exception("Notice import %s failed", batch.pk)
        fail_batch(batch, timezone.now())
        raise
    finally:
        # The file holds the URLs, which the portal never keeps.
        discard_upload(batch)
    return {"status": batch.status, "summary": result.summary()}
