"""Notice import: one validation for the command, the upload and the API, then a set-based merge in SQL.

The rows are validated in one streaming pass (`rows.RowValidator`: a few microseconds a row, no objects beyond a
tuple) and written as they come (`staging`): on PostgreSQL with `COPY` in big chunks, so the server stores while
Python reads. On PostgreSQL a file goes the fast way first (`columnar`: Arrow checks the plain rows by the column
and `RowValidator` the rest, written as binary COPY); any file that leaves it is read again row by row here.
A source's first file on PostgreSQL goes straight into the notices inside the import's transaction (a file
at least as big as the notices rebuilds their indexes after the load); any other file goes to a temporary
staging table and, only when every row is valid, is merged into the notices in one transaction with
`UPDATE … FROM` and `INSERT … SELECT`. A rejected file, a dry run or a crash leaves no notice behind.

SCARt's two exports (`scart`) take the same way with readers and a merge of their own (`scart_staging`): their
lines are validated by the same `RowValidator`, staged, gathered per URL and merged, all or nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import IO, TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.audit import log_action
from portal.models import Hoster, User
from portal.refusals import Refusal
from scoring.measurement import notice_days
from scoring.measurement.attribution import Attributor
from scoring.measurement.changes import keep_named_owners
from scoring.measurement.models import ImportBatch
from scoring.measurement.readers import PROGRESS_EVERY, ProgressCallback
from scoring.measurement.readers import HashingReader as _HashingReader
from scoring.measurement.readers import arrow_rows as _arrow_rows
from scoring.measurement.readers import csv_rows as _csv_rows
from scoring.measurement.readers import header_positions as _positions  # noqa: F401 - the tests read headers with it
from scoring.measurement.readers import record_rows as _record_rows
from scoring.measurement.rows import RowError, RowValidator, validate_source
from scoring.measurement.scart import (
    DEFAULT_ZONE,
    FileFormat,
    ScartReader,
    closed_row,
    ntd_row,
    sniff_format,
    valid_rows,
)
from scoring.measurement.scart_staging import ClosedStaging, NtdStaging
from scoring.measurement.staging import Staging as _Staging

if TYPE_CHECKING:
    from scoring.measurement.scart_staging import Lines
    from scoring.measurement.staging import Rows

__all__ = ["PROGRESS_EVERY", "ImportBusy", "ImportResult", "ProgressCallback", "import_notices"]
STORED_ERRORS_MAX = 1000


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    unattributed: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    batch: ImportBatch | None = None
    dry_run: bool = False
    file_format: str = FileFormat.PORTAL
    reminders: int = 0  # an NTD export's repeat NTDs newly counted on their notices
    unmatched: int = 0  # a closed export's lines whose URL has no notice; the first of them in `warnings`
    warnings: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        text = (
            f"created={self.created} updated={self.updated} unchanged={self.unchanged} "
            f"unattributed={self.unattributed} rejected={self.rejected}"
        )
        if self.file_format == FileFormat.SCART_NTD:
            text += f" reminders={self.reminders}"
        elif self.file_format == FileFormat.SCART_CLOSED:
            text += f" unmatched={self.unmatched}"
        return text

    def notes(self) -> list[str]:
        """What the batch keeps of an import that succeeded, in the importer's language: the format, the
        reminders counted and the closed lines that match no notice (each named)."""
        if self.file_format == FileFormat.PORTAL:
            return []
        notes = [_("Format: %(format)s.") % {"format": FileFormat(self.file_format).label}]
        if self.file_format == FileFormat.SCART_NTD:
            message = ngettext(
                "%(count)d repeat NTD counted as a reminder.",
                "%(count)d repeat NTDs counted as reminders.",
                self.reminders,
            )
            notes.append(message % {"count": self.reminders})
        elif self.unmatched:
            message = ngettext(
                "%(count)d line names a URL without a notice in this source (import its NTD export first):",
                "%(count)d lines name a URL without a notice in this source (import its NTD export first):",
                self.unmatched,
            )
            notes.append(message % {"count": self.unmatched})
            notes.extend(str(warning) for warning in self.warnings)
        return notes


class ImportBusy(Refusal):
    """Another import of the same source is writing its notices, and did not finish within the wait."""

    def __init__(self, source: str) -> None:
        message = _("Another import of source “%(source)s” is running; try again when it has finished.")
        super().__init__(message % {"source": source})


# --- the import: all or nothing, in one transaction --------------------------------------------------------------


class _Rollback(Exception):
    """Leaves `transaction.atomic` undoing everything: a rejected file or a dry run."""


def import_notices(
    *,
    stream: IO[bytes] | None = None,
    records: Sequence[Any] | None = None,
    source: str,
    tz: tzinfo | None = None,
    user: User | None = None,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
    batch: ImportBatch | None = None,
    channel: str = ImportBatch.Channel.COMMAND,
    filename: str = "",
    file_format: str = FileFormat.PORTAL,
) -> ImportResult:
    """Validate and import a `stream` in `file_format` (the portal's CSV or a SCARt export, whose naive times are
    read in `tz`, by default Europe/Amsterdam) or a list of API `records`; all or nothing.

    With `batch`, that batch (an upload waiting for the worker) records the outcome, also a rejection;
    without, a batch is created only when the import succeeds, so a rejected file stores nothing at all.
    Everything happens in one transaction, which a rejection or a dry run rolls back. On PostgreSQL a file is
    first taken the fast way (`columnar`, `scart_columnar`); one that leaves it is read again row by row.
    An invalid `source` raises ValidationError (`rows.validate_source`); another import of the same source still
    writing after the wait (`NOTICE_IMPORT_LOCK_WAIT`) raises `ImportBusy`, and this one stores nothing.
    """
    validate_source(source)
    file_format = FileFormat(file_format)
    if records is not None and file_format != FileFormat.PORTAL:
        raise ValueError("SCARt exports are files: give them as a stream")
    tz = tz if tz is not None or file_format == FileFormat.PORTAL else ZoneInfo(DEFAULT_ZONE)
    size = _remaining_size(stream) if stream is not None else None

    def attempt(fast: bool) -> ImportResult:
        return _import(
            stream=stream,
            records=None if fast else records,
            source=source,
            tz=tz,
            user=user,
            dry_run=dry_run,
            progress=progress,
            batch=batch,
            channel=channel,
            filename=filename,
            size=size,
            fast=fast,
            file_format=file_format,
        )

    found = sniff_format(stream) if stream is not None and size is not None else FileFormat.PORTAL
    if file_format == FileFormat.PORTAL and found != FileFormat.PORTAL:  # a SCARt export given as the CSV
        return _wrong_format(found, batch)
    result = None
    if stream is not None and size is not None and connection.vendor == "postgresql":
        from scoring.measurement.columnar import NotSimple

        start = stream.tell()
        try:
            result = attempt(fast=True)
        except NotSimple:
            stream.seek(start)
    result = result or attempt(fast=False)
    if result.ok and not dry_run and (result.created or result.updated) and connection.vendor == "postgresql":
        transaction.on_commit(_refresh_kept_days)
    return result


def _refresh_kept_days() -> None:
    """The worker vacuums the notices the import wrote and computes any days left marked (`notice_days`); the
    import kept its own days before it committed (`notice_days.settle`)."""
    from scoring.measurement.tasks import refresh_notice_days

    refresh_notice_days.enqueue()


def _wrong_format(found: FileFormat, batch: ImportBatch | None) -> ImportResult:
    """A SCARt export given as a portal CSV: rejected at its header, saying which format it is."""
    validator = RowValidator(None, {}, Attributor([]))
    message = _("This is the header of a %(format)s; import the file in that format (%(code)s).")
    validator.error(1, "header", message % {"format": found.label, "code": found.value})
    return _rejected(ImportResult(), validator, batch)


def _remaining_size(stream: IO[bytes]) -> int | None:
    """Bytes from the stream's position to its end, or None when it cannot seek."""
    try:
        start = stream.tell()
        end = stream.seek(0, 2)
        stream.seek(start)
    except (AttributeError, OSError, ValueError):
        return None
    return end - start


def _import(
    *,
    stream: IO[bytes] | None,
    records: Sequence[Any] | None,
    source: str,
    tz: tzinfo | None,
    user: User | None,
    dry_run: bool,
    progress: ProgressCallback | None,
    batch: ImportBatch | None,
    channel: str,
    filename: str,
    size: int | None,
    fast: bool,
    file_format: str = FileFormat.PORTAL,
) -> ImportResult:
    """One way through the file (the fast one, or row by row) or the records; see `import_notices`."""
    validator = RowValidator(
        tz,
        dict(Hoster.objects.values_list("slug", "id")),
        Attributor.from_database(),
        label="line" if stream is not None else "item",
    )
    rows, hasher, staging = _reading(file_format, stream, records, validator, progress, fast, source, size)
    result = ImportResult(dry_run=dry_run, batch=batch, file_format=file_format)

    def loaded() -> bool:
        """After the last row: the final progress report; False when the file is rejected."""
        if hasher is not None and progress is not None:
            progress(validator.rows, hasher.bytes_read)
        return not validator.errors

    try:
        if not staging.direct:
            # The fast way may give up in the middle of its COPY: in a savepoint, so that a caller's transaction
            # survives it and the row-by-row reading can start again.
            with transaction.atomic() if fast else nullcontext():
                staging.stage(rows)  # type: ignore[arg-type]  # `_reading` gives each staging its own rows
            if not loaded():
                return _rejected(result, validator, batch)
        with _one_import_per_source(source):
            stored = batch if batch is not None else _new_batch(user, channel, source, filename)
            if isinstance(staging, _Staging) and staging.direct:
                staging.load_direct(rows, stored.pk)  # type: ignore[arg-type]
                if not loaded():
                    raise _Rollback
            _count(result, staging, validator, source, stored.pk)
            if dry_run:
                raise _Rollback
            notice_days.settle()
            file_sha256 = hasher.sha256.hexdigest() if hasher else _records_sha256(records or [])
            _succeeded(stored, result, user=user, source=source, tz=tz, file_sha256=file_sha256, rows=validator.rows)
    except _Rollback:  # a dry run, or a file rejected while it went straight into the notices
        return _rejected(result, validator, batch) if validator.errors else result
    finally:
        staging.drop()
    result.batch = stored
    return result


def _reading(
    file_format: str,
    stream: IO[bytes] | None,
    records: Sequence[Any] | None,
    validator: RowValidator,
    progress: ProgressCallback | None,
    fast: bool,
    source: str,
    size: int | None,
) -> tuple[Rows | Lines, _HashingReader | None, _Staging | NtdStaging | ClosedStaging]:
    """Where the rows come from and where they go, by the file's format."""
    if file_format == FileFormat.PORTAL or stream is None:
        rows, hasher = _rows(stream, records, validator, progress, fast)
        return rows, hasher, _Staging(source, size)
    hasher = _HashingReader(stream)
    report = None if progress is None else (lambda lines: progress(lines, hasher.bytes_read))
    staging = NtdStaging(source) if file_format == FileFormat.SCART_NTD else ClosedStaging(source)
    if fast:
        from scoring.measurement.scart_columnar import ScartBinaryRows

        return ScartBinaryRows(FileFormat(file_format), hasher, validator, report), hasher, staging
    reader = ScartReader(FileFormat(file_format), validator, report)
    if file_format == FileFormat.SCART_NTD:
        return valid_rows(reader, hasher, ntd_row), hasher, staging
    return valid_rows(reader, hasher, closed_row), hasher, staging


@contextmanager
def _one_import_per_source(source: str) -> Iterator[None]:
    """The import's transaction, entered once no other import of the same source is writing notices.

    Without this, two imports of one source would each insert the notices new to them and the second would fail
    on the unique key. PostgreSQL: an advisory lock keyed by the source; SQLite: its database lock (one writer
    at a time). Both are waited for at most `NOTICE_IMPORT_LOCK_WAIT` seconds, so the import that waited then
    sees the other's notices; one that waited in vain is refused with `ImportBusy`.
    """
    wait_ms = int(1000 * settings.NOTICE_IMPORT_LOCK_WAIT)
    try:
        with _sqlite_busy_timeout(wait_ms), transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{wait_ms}ms"])
                    cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"scoring.notices:{source}"])
                    cursor.execute("SET LOCAL lock_timeout TO DEFAULT")
            yield
    except OperationalError as exc:
        if _waited_in_vain(exc):
            raise ImportBusy(source) from exc
        raise


@contextmanager
def _sqlite_busy_timeout(wait_ms: int) -> Iterator[None]:
    """On SQLite, how long a write waits for another connection's write to end, for the `with` block."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        before = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA busy_timeout = {wait_ms:d}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA busy_timeout = {before:d}")


def _waited_in_vain(exc: OperationalError) -> bool:
    """Whether the database gave up waiting for a lock: SQLite's busy database, PostgreSQL's lock_timeout."""
    if connection.vendor == "sqlite":
        return str(exc).startswith(("database is locked", "database table is locked"))
    return getattr(exc.__cause__, "sqlstate", None) == "55P03"  # lock_not_available


def _rows(
    stream: IO[bytes] | None,
    records: Sequence[Any] | None,
    validator: RowValidator,
    progress: ProgressCallback | None,
    fast: bool,
) -> tuple[Rows, _HashingReader | None]:
    """Where the rows come from: the file (the fast way or row by row, hashed as it is read) or the records."""
    if stream is None:
        return _record_rows(records or [], validator), None
    hasher = _HashingReader(stream)
    return (_arrow_rows(validator, progress, hasher) if fast else _csv_rows(validator, progress, hasher)), hasher


def _new_batch(user: User | None, channel: str, source: str, filename: str) -> ImportBatch:
    return ImportBatch.objects.create(
        created_by=user, channel=channel, source=source, filename=filename, status=ImportBatch.Status.RUNNING
    )


def _count(
    result: ImportResult,
    staging: _Staging | NtdStaging | ClosedStaging,
    validator: RowValidator,
    source: str,
    batch_id: int,
) -> None:
    """The merge, and what it did to the file's rows (a SCARt export: to its URLs' notices)."""
    result.created, result.updated = staging.merge(source, batch_id)
    if isinstance(staging, _Staging):
        result.unchanged = validator.rows - result.created - result.updated
        keep_named_owners(source, validator.named_owners)
    else:
        result.unchanged, result.reminders, result.unmatched = staging.unchanged, staging.reminders, staging.unmatched
        column = "url"
        message = _("No notice of this source has this URL; import the NTD export that sent it first.")
        result.warnings = [RowError(line, column, message) for line in staging.unmatched_lines]
    result.unattributed = staging.unattributed(source, validator.unattributed)


def _succeeded(
    batch: ImportBatch,
    result: ImportResult,
    *,
    user: User | None,
    source: str,
    tz: tzinfo | None,
    file_sha256: str,
    rows: int,
) -> None:
    """The batch records the import's outcome, and the audit log the import."""
    batch.source = source
    batch.timezone = str(tz or "")
    batch.file_sha256 = file_sha256
    batch.status = ImportBatch.Status.SUCCEEDED
    batch.finished_at = timezone.now()
    batch.progress_rows = rows
    batch.created, batch.updated = result.created, result.updated
    batch.unchanged, batch.unattributed = result.unchanged, result.unattributed
    batch.rejected = 0
    batch.errors = result.notes()[:STORED_ERRORS_MAX]
    batch.save()
    names = ("created", "updated", "unchanged", "unattributed", "reminders", "unmatched")
    counts = {name: getattr(result, name) for name in names}
    details = {"source": source, "channel": batch.channel, "format": result.file_format, "file_sha256": file_sha256}
    details.update(counts)
    log_action(user, "scoring.notices.imported", batch, details)


def _rejected(result: ImportResult, validator: RowValidator, batch: ImportBatch | None) -> ImportResult:
    result.errors = validator.errors
    result.created = result.updated = result.unchanged = result.unattributed = 0
    result.rejected = len(validator.bad_lines)
    if batch is not None:
        batch.rejected = result.rejected
        batch.status = ImportBatch.Status.REJECTED
        batch.errors = [str(e) for e in validator.errors[:STORED_ERRORS_MAX]]
        batch.finished_at = timezone.now()
        batch.save(update_fields=["status", "errors", "finished_at", "rejected"])
    return result


def _records_sha256(records: Sequence[Any]) -> str:
    return hashlib.sha256(json.dumps(list(records), sort_keys=True, default=str).encode()).hexdigest()
