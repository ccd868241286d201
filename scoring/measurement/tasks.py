"""Background tasks of the scoring app (django-tasks; the database backend's worker runs them)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from zoneinfo import ZoneInfo

from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import timezone
from django_tasks import task

from scoring.measurement.imports import import_notices
from scoring.measurement.models import ImportBatch

logger = logging.getLogger(__name__)


@contextmanager
def _progress_writer(batch_id: int) -> Iterator[Callable[[int, int], None]]:
    """Writes the import's progress on its batch, where the upload page polls it.

    On PostgreSQL through a connection of its own: the import's connection is in the middle of a COPY,
    inside a transaction the page would not see into until the end.
    """
    if connection.vendor != "postgresql":
        yield lambda rows, size: ImportBatch.objects.filter(pk=batch_id).update(progress_rows=rows, progress_bytes=size)
        return
    own = connections.create_connection(DEFAULT_DB_ALIAS)
    table = own.ops.quote_name(ImportBatch._meta.db_table)

    def progress(rows: int, size: int) -> None:
        with own.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET progress_rows = %s, progress_bytes = %s WHERE id = %s",  # noqa: S608 - the model's table
                [rows, size, batch_id],
            )

    try:
        yield progress
    finally:
        own.close()


@task()
def run_notice_import(batch_id: int) -> dict:
    """Import an uploaded notice file into its waiting batch, reporting progress on the batch as it goes."""
    batch = ImportBatch.objects.select_related("created_by").get(pk=batch_id)
    if batch.status != ImportBatch.Status.PENDING:
        return {"status": batch.status}
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.RUNNING)
    batch.status = ImportBatch.Status.RUNNING

    try:
        with default_storage.open(batch.upload_path, "rb") as stream, _progress_writer(batch.pk) as progress:
            result = import_notices(
                stream=stream,
                source=batch.source,
                tz=ZoneInfo(batch.timezone) if batch.timezone else None,
                user=batch.created_by,
                progress=progress,
                batch=batch,
                channel=batch.channel,
                filename=batch.filename,
            )
    except Exception:
        logger.exception("Notice import %s failed", batch.pk)
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.FAILED, finished_at=timezone.now())
        raise
    finally:
        # The file holds the URLs, which the portal never keeps.
        default_storage.delete(batch.upload_path)
        ImportBatch.objects.filter(pk=batch.pk).update(upload_path="")
    return {"status": batch.status, "summary": result.summary()}
