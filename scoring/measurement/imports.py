"""Notice import: one validation for the command, the upload and the API, then a set-based merge in SQL.

The rows are validated in one streaming pass (`rows.RowValidator`: a few microseconds a row, no objects beyond a
tuple) and written as they come (`staging`): on PostgreSQL with `COPY` in big chunks, so the server stores while
Python reads. On PostgreSQL a file goes the fast way first (`columnar`: Arrow checks the plain rows by the column
and `RowValidator` the rest, written as binary COPY); any file that leaves it is read again row by row here.
A source's first file on PostgreSQL goes straight into the notices inside the import's transaction (a file
at least as big as the notices rebuilds their indexes after the load); any other file goes to a temporary
staging table and, only when every row is valid, is merged into the notices in one transaction with
`UPDATE … FROM` and `INSERT … SELECT`. A rejected file, a dry run or a crash leaves no notice behind.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import log_action
from portal.models import Hoster, User
from portal.refusals import Refusal
from scoring.measurement.attribution import Attributor
from scoring.measurement.models import ImportBatch
from scoring.measurement.rows import COLUMNS, REQUIRED_COLUMNS, RowError, RowValidator, StagedRow, validate_source
from scoring.measurement.staging import Staging as _Staging

if TYPE_CHECKING:
    from scoring.measurement.columnar import BinaryRows
    from scoring.measurement.staging import Rows

STORED_ERRORS_MAX = 1000
PROGRESS_EVERY = 20000
# Told (rows read, bytes read) as the file goes by: the command's progress bar, the upload's progress on its batch.
ProgressCallback = Callable[[int, int], None]


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

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        return (
            f"created={self.created} updated={self.updated} unchanged={self.unchanged} "
            f"unattributed={self.unattributed} rejected={self.rejected}"
        )


class ImportBusy(Refusal):
    """Another import of the same source is writing its notices, and did not finish within the wait."""

    def __init__(self, source: str) -> None:
        message = _("Another import of source “%(source)s” is running; try again when it has finished.")
        super().__init__(message % {"source": source})


# --- reading: the file (the fast way or row by row) or the API's records ---------------------------------------


class _HashingReader(io.RawIOBase):
    """Passes a binary stream through, counting and hashing the bytes (SHA-256 of the whole file)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.sha256 = hashlib.sha256()
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(len(buffer))
        size = len(data)
        buffer[:size] = data
        self.sha256.update(data)
        self.bytes_read += size
        return size


def _positions(header: list[str], validator: RowValidator) -> list[int | None] | None:
    """Where each of `COLUMNS` is in the file's header (None when absent), or None when the header is wrong."""
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    unknown = [name for name in header if name not in COLUMNS]
    if missing:
        validator.error(1, "header", _("Missing column(s): %(columns)s.") % {"columns": ", ".join(missing)})
    if unknown:
        validator.error(1, "header", _("Unknown column(s): %(columns)s.") % {"columns": ", ".join(unknown)})
    if len(set(header)) != len(header):
        validator.error(1, "header", _("A column appears more than once."))
    if validator.errors:
        return None
    return [header.index(name) if name in header else None for name in COLUMNS]


def _arrow_rows(validator: RowValidator, progress: ProgressCallback | None, reader_state: _HashingReader) -> BinaryRows:
    """The fast way (PostgreSQL): the file read and checked by the column, as binary COPY (see `columnar`)."""
    # Imported here, not above: Arrow and numpy take memory, and only the processes that import files need them.
    from scoring.measurement import columnar

    buffered = io.BufferedReader(reader_state, 1 << 20)
    header = columnar.read_header(buffered)
    positions = _positions(header, validator)
    if positions is None:
        raise columnar.NotSimple("header")
    report = None if progress is None else (lambda rows: progress(rows, reader_state.bytes_read))
    return columnar.BinaryRows(buffered, len(header), positions, validator, report)


def _csv_rows(
    validator: RowValidator, progress: ProgressCallback | None, reader_state: _HashingReader
) -> Iterator[StagedRow]:
    text = io.TextIOWrapper(io.BufferedReader(reader_state, 1 << 20), encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    try:
        header = [name.strip().lower() for name in next(reader, [])]
        positions = _positions(header, validator)
        if positions is None:
            return
        width = len(header)
        i_id, i_rep, i_rem, i_ip, i_asn, i_hoster, i_url = positions
        # The required columns are always there (`_positions` rejects a header without them).
        assert i_id is not None and i_rep is not None and i_rem is not None and i_ip is not None and i_asn is not None
        validate = validator.validate
        for count, fields in enumerate(reader, start=1):
            line = reader.line_num
            if len(fields) != width:
                if not fields:
                    continue
                validator.error(
                    line,
                    "row",
                    _("Expected %(width)d fields, found %(found)d.") % {"width": width, "found": len(fields)},
                )
                continue
            row = validate(
                line,
                fields[i_id],
                fields[i_rep],
                fields[i_rem],
                fields[i_ip],
                fields[i_asn],
                "" if i_hoster is None else fields[i_hoster],
                "" if i_url is None else fields[i_url],
            )
            if row is not None:
                yield row
            if progress is not None and count % PROGRESS_EVERY == 0:
                progress(count, reader_state.bytes_read)
    except UnicodeDecodeError:
        validator.error(reader.line_num + 1, "file", _("The file is not UTF-8 text."))
    except csv.Error as exc:
        validator.error(reader.line_num, "file", _("The file is not valid CSV: %(error)s") % {"error": exc})


def _record_rows(records: Sequence[Any], validator: RowValidator) -> Iterator[StagedRow]:
    for index, record in enumerate(records, start=1):
        if not isinstance(record, Mapping):
            validator.error(index, "row", _("Each notice is a JSON object."))
            continue
        unknown = sorted(str(key) for key in record if key not in COLUMNS)
        if unknown:
            validator.error(index, "row", _("Unknown field(s): %(columns)s.") % {"columns": ", ".join(unknown)})
            continue
        values = [_record_text(validator, index, name, record.get(name)) for name in COLUMNS]
        texts = [value for value in values if value is not None]
        if len(texts) != len(values):
            continue
        row = validator.validate(index, *texts)
        if row is not None:
            yield row


def _record_text(validator: RowValidator, index: int, name: str, value: Any) -> str | None:
    """A field of an API record as the text a file would hold; None, recorded, when JSON gave another type.

    Texts, or null for an empty field; an AS number may also be a JSON number.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if name == "asn" and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    validator.error(index, name, _("Give this field as a JSON string (or null when it is empty)."))
    return None


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
) -> ImportResult:
    """Validate and import a CSV `stream` or a list of API `records`; all or nothing.

    With `batch`, that batch (an upload waiting for the worker) records the outcome, also a rejection;
    without, a batch is created only when the import succeeds, so a rejected file stores nothing at all.
    Everything happens in one transaction, which a rejection or a dry run rolls back.

    On PostgreSQL a file is first taken the fast way (`columnar`); a file that leaves it is read again,
    row by row, which also names every bad line.

    An invalid `source` raises ValidationError (`rows.validate_source`); another import of the same source
    still writing after the wait (`NOTICE_IMPORT_LOCK_WAIT`) raises `ImportBusy`, and this one stores nothing.
    """
    validate_source(source)
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
        )

    if stream is not None and size is not None and connection.vendor == "postgresql":
        from scoring.measurement.columnar import NotSimple

        start = stream.tell()
        try:
            return attempt(fast=True)
        except NotSimple:
            stream.seek(start)
    return attempt(fast=False)


def _remaining_size(stream: IO[bytes]) -> int | None:
    """Bytes from the stream's position to its end, or None when it cannot seek."""
    try:
        start = stream.tell()
        end = stream.seek(0, io.SEEK_END)
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
) -> ImportResult:
    """One way through the file (the fast one, or row by row) or the records; see `import_notices`."""
    validator = RowValidator(
        tz,
        dict(Hoster.objects.values_list("slug", "id")),
        Attributor.from_database(),
        label="line" if stream is not None else "item",
    )
    rows, hasher = _rows(stream, records, validator, progress, fast)
    staging = _Staging(source, size)
    result = ImportResult(dry_run=dry_run, batch=batch)

    def loaded() -> bool:
        """After the last row: the final progress report; False when the file is rejected."""
        if hasher is not None and progress is not None:
            progress(validator.rows, hasher.bytes_read)
        return not validator.errors

    try:
        if not staging.direct:
            staging.stage(rows)
            if not loaded():
                return _rejected(result, validator, batch)
        with _one_import_per_source(source):
            stored = batch if batch is not None else _new_batch(user, channel, source, filename)
            if staging.direct:
                staging.load_direct(rows, stored.pk)
                if not loaded():
                    raise _Rollback
            _count(result, staging, validator, source, stored.pk)
            if dry_run:
                raise _Rollback
            file_sha256 = hasher.sha256.hexdigest() if hasher else _records_sha256(records or [])
            _succeeded(stored, result, user=user, source=source, tz=tz, file_sha256=file_sha256, rows=validator.rows)
    except _Rollback:  # a dry run, or a file rejected while it went straight into the notices
        return _rejected(result, validator, batch) if validator.errors else result
    finally:
        staging.drop()
    result.batch = stored
    return result


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


def _count(result: ImportResult, staging: _Staging, validator: RowValidator, source: str, batch_id: int) -> None:
    """The merge, and what it did to the file's rows."""
    result.created, result.updated = staging.merge(source, batch_id)
    result.unchanged = validator.rows - result.created - result.updated
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
    batch.errors = []
    batch.save()
    counts = {name: getattr(result, name) for name in ("created", "updated", "unchanged", "unattributed")}
    details = {"source": source, "channel": batch.channel, "file_sha256": file_sha256, **counts}
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
