"""Background tasks of the scoring app (django-tasks; the database backend's worker runs them)."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from django.core.files.storage import default_storage
from django.utils import timezone
from django_tasks import task

from scoring.imports import import_notices
from scoring.models import ImportBatch

logger = logging.getLogger(__name__)


@task()
def run_notice_import(batch_id: int) -> dict:
    """Import an uploaded notice file into its waiting batch, reporting progress on the batch as it goes."""
    batch = ImportBatch.objects.select_related("created_by").get(pk=batch_id)
    if batch.status != ImportBatch.Status.PENDING:
        return {"status": batch.status}
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.RUNNING)
    batch.status = ImportBatch.Status.RUNNING

    def progress(rows: int, bytes_read: int) -> None:
        ImportBatch.objects.filter(pk=batch.pk).update(progress_rows=rows, progress_bytes=bytes_read)

    try:
        with default_storage.open(batch.upload_path, "rb") as stream:
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
