"""Notice files uploaded in the browser: received up to a limit, kept for the worker (`tasks.run_notice_import`),
and deleted whatever becomes of them — also when a stopped worker leaves its batch behind (`fail_stale_batches`).

The files hold the notices' URLs in clear, which the portal never keeps: a file lives only until it has been read.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import SkipFile, TemporaryFileUploadHandler
from django.db.models import Q
from django.utils.translation import gettext as _

from portal.audit import log_action
from portal.models import User
from scoring.measurement.models import ImportBatch

logger = logging.getLogger(__name__)

UPLOAD_DIR = "notice-imports"
_ACTIVE = (ImportBatch.Status.PENDING, ImportBatch.Status.RUNNING)


def upload_max_bytes() -> int:
    """The largest notice file the upload page takes, in bytes (setting NOTICE_UPLOAD_MAX_BYTES)."""
    return int(settings.NOTICE_UPLOAD_MAX_BYTES)


class NoticeUploadHandler(TemporaryFileUploadHandler):
    """Streams the request's files to a temporary file, and drops them once together they pass the limit.

    Nothing over the limit is kept: the temporary file is deleted at once and the parser skips the rest of the
    upload; `exceeded` tells the form, which says so. (The proxy in front limits the request as a whole.)
    """

    def __init__(self, request: Any = None, max_bytes: int | None = None) -> None:
        super().__init__(request)
        self.max_bytes = upload_max_bytes() if max_bytes is None else max_bytes
        self.received = 0
        self.exceeded = False

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        if self.exceeded:
            raise SkipFile
        super().new_file(*args, **kwargs)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > self.max_bytes:
            self.exceeded = True
            self.file.close()  # a temporary file deletes itself on closing
            raise SkipFile
        return super().receive_data_chunk(raw_data, start)


def create_upload_batch(user: User, upload: UploadedFile[bytes], source: str, tz_name: str = "") -> ImportBatch:
    """Keep the uploaded file for the worker and record a waiting batch; the task deletes the file after reading."""
    path = default_storage.save(f"{UPLOAD_DIR}/{uuid.uuid4().hex}.csv", upload)
    try:
        batch = ImportBatch.objects.create(
            created_by=user,
            channel=ImportBatch.Channel.UPLOAD,
            source=source,
            timezone=tz_name,
            filename=(upload.name or "")[:255],
            upload_path=path,
            total_bytes=upload.size or 0,
        )
    except BaseException:
        default_storage.delete(path)
        raise
    log_action(user, "scoring.notices.upload_queued", batch, {"source": source, "file": batch.filename})
    return batch


def discard_upload(batch: ImportBatch) -> None:
    """Delete the batch's file, if it still has one."""
    if batch.upload_path:
        default_storage.delete(batch.upload_path)
        ImportBatch.objects.filter(pk=batch.pk).update(upload_path="")
        batch.upload_path = ""


def fail_batch(batch: ImportBatch, now: datetime, message: str = "") -> None:
    """The batch failed (with `message` for the supervisor, or none for an internal error); its file goes."""
    errors = [message] if message else []
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.FAILED, finished_at=now, errors=errors)
    batch.status, batch.finished_at, batch.errors = ImportBatch.Status.FAILED, now, errors
    discard_upload(batch)


def fail_stale_batches(now: datetime) -> int:
    """Fail the imports a stopped worker left waiting or running, delete their files; returns how many.

    Stale is a batch without progress for `NOTICE_IMPORT_STALE_AFTER` seconds (an hour by default): the worker
    reports progress every few seconds while it reads. Files no batch waits for (a web process stopped between
    receiving a file and recording its batch) go too. The worker calls this before every import, the daily
    run once a day.
    """
    cutoff = now - timedelta(seconds=int(settings.NOTICE_IMPORT_STALE_AFTER))
    stale = ImportBatch.objects.filter(status__in=_ACTIVE).filter(
        Q(progress_at__lt=cutoff) | Q(progress_at__isnull=True, created_at__lt=cutoff)
    )
    message = _(
        "The import stopped without finishing (its worker was stopped); nothing was stored. Upload the file again."
    )
    failed = 0
    for batch in stale:
        # Only if it is still stale: a worker may have taken it up since.
        if stale.filter(pk=batch.pk).update(status=ImportBatch.Status.FAILED, finished_at=now, errors=[message]):
            logger.warning("Notice import %s was left %s by a stopped worker: failed", batch.pk, batch.status)
            discard_upload(batch)
            failed += 1
    _delete_orphans(cutoff)
    return failed


def _delete_orphans(cutoff: datetime) -> None:
    """Delete the uploaded files older than `cutoff` that no waiting or running batch will read."""
    try:
        _dirs, names = default_storage.listdir(UPLOAD_DIR)
    except FileNotFoundError:
        return
    awaited = set(ImportBatch.objects.filter(status__in=_ACTIVE).values_list("upload_path", flat=True))
    for name in names:
        path = f"{UPLOAD_DIR}/{name}"
        if path not in awaited and default_storage.get_modified_time(path) < cutoff:
            logger.warning("Deleting the notice file %s, which no import waits for", path)
            default_storage.delete(path)
