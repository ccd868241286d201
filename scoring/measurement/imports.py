"""Notice import: one validation for the command, the upload and the API, then a set-based merge in SQL.

The rows are validated in one streaming pass (a few microseconds a row: no objects beyond a tuple) and
written as they come: on PostgreSQL with `COPY` in big chunks, so the server stores while Python reads.
On PostgreSQL a file goes the fast way first (`columnar`: Arrow checks the plain rows by the column and
`RowValidator` the rest, written as binary COPY); any file that leaves it is read again row by row here.
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
import re
import socket
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import IO, TYPE_CHECKING, Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import log_action
from portal.models import Hoster, User
from scoring.measurement.attribution import Attributor
from scoring.measurement.models import Attribution, ImportBatch

if TYPE_CHECKING:
    from scoring.measurement import columnar

REQUIRED_COLUMNS = ("notice_id", "reported_at", "removed_at", "ip", "asn")
OPTIONAL_COLUMNS = ("hoster", "url")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
NOTICE_ID_MAX = 100
ASN_MAX = 4294967295
STORED_ERRORS_MAX = 1000
PROGRESS_EVERY = 20000

# The host part of an absolute URL or of one without a scheme ("example.com/path"); IPv6 hosts in brackets.
_URL_HOST = re.compile(r"(?:(?:[A-Za-z][A-Za-z0-9+.\-]*:)?//)?(?:[^@/?#\s]*@)?(\[[0-9A-Fa-f:.]+\]|[^:/?#\s\[\]]+)")
# A validated row in the column order of `_Staging.COLUMNS`; timestamps as ISO 8601 text with an offset, the IP as
# given (valid; PostgreSQL's inet normalises it, the SQLite loader writes the canonical form).
StagedRow = tuple[str, str, str | None, str | None, int | None, int | None, int | None, str, str, str]
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RowError:
    """One problem with one row: `line N: column: message` (the header is line 1; API items count from 1)."""

    line: int
    column: str
    message: str
    label: str = "line"

    def __str__(self) -> str:
        return f"{self.label} {self.line}: {self.column}: {self.message}"


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


class _Bad(ValueError):
    pass


class RowValidator:
    """Validates and normalises rows; collects every error instead of stopping at the first.

    Hot path: a million-row file goes through `validate` once per row, so it creates no objects beyond the
    staged tuple (timestamps stay text when they are already plain ISO 8601 with an offset).
    """

    def __init__(
        self, tz: tzinfo | None, hoster_ids: Mapping[str, int], attributor: Attributor, label: str = "line"
    ) -> None:
        self.tz = tz
        self.hoster_ids = hoster_ids
        self.attributor = attributor
        self.label = label
        self.errors: list[RowError] = []
        self.bad_lines: set[int] = set()
        self.seen: set[str] = set()
        self.rows = 0
        self.unattributed = 0  # valid rows that no hoster claims

    def error(self, line: int, column: str, message: str) -> None:
        # A NUL quoted from the file is shown as ␀: PostgreSQL keeps no NUL in text or JSON (the batch's errors).
        self.errors.append(RowError(line, column, message.replace("\x00", "\N{SYMBOL FOR NULL}"), self.label))
        self.bad_lines.add(line)

    def _timestamp(self, text: str) -> tuple[datetime, str]:
        """The instant and its text for the database: ISO 8601 with an explicit offset."""
        try:
            if "\x00" in text:  # Python's parser would stop reading at it
                raise ValueError
            value = datetime.fromisoformat(text)
        except ValueError:
            raise _Bad(_("“%(value)s” is not an ISO 8601 timestamp.") % {"value": text}) from None
        if value.tzinfo is None:
            if self.tz is None:
                raise _Bad(
                    _("“%(value)s” has no UTC offset; add one (Z, +02:00) or give the file's time zone.")
                    % {"value": text}
                )
            value = value.replace(tzinfo=self.tz)
            return value, value.isoformat()
        # `YYYY-MM-DDTHH:MM:SSZ` and `…±HH:MM` (also with a fraction) are read alike everywhere; any other
        # form Python accepts (week dates, basic format, long fractions) is written out canonically.
        if len(text) in (20, 25) and text[4] == text[7] == "-" and text[13] == text[16] == ":":
            return value, text
        return value, value.isoformat()

    def validate(
        self, line: int, notice_id: str, reported: str, removed: str, ip: str, asn: str, hoster: str, url: str
    ) -> StagedRow | None:
        """The staged form of one row, or None (with the reasons recorded) when it is bad."""
        self.rows += 1
        errors_before = len(self.errors)
        notice_id = notice_id.strip()
        if not notice_id:
            self.error(line, "notice_id", _("A notice ID is required."))
        elif "\x00" in notice_id:
            self.error(line, "notice_id", _("A NUL character is not allowed here."))
        elif len(notice_id) > NOTICE_ID_MAX:
            self.error(line, "notice_id", _("A notice ID has at most %(max)d characters.") % {"max": NOTICE_ID_MAX})
        elif notice_id in self.seen:
            self.error(line, "notice_id", _("“%(value)s” appears more than once in this file.") % {"value": notice_id})
        else:
            self.seen.add(notice_id)
        reported_at = removed_text = None
        reported = reported.strip()
        if not reported:
            self.error(line, "reported_at", _("The time of the report is required."))
        else:
            try:
                reported_at, reported = self._timestamp(reported)
            except _Bad as exc:
                self.error(line, "reported_at", str(exc))
        removed = removed.strip()
        if removed:
            try:
                removed_at, removed_text = self._timestamp(removed)
            except _Bad as exc:
                self.error(line, "removed_at", str(exc))
            else:
                if reported_at is not None and removed_at < reported_at:
                    self.error(line, "removed_at", _("The removal lies before the report."))
        ip = ip.strip()
        if ip:
            try:
                socket.inet_pton(socket.AF_INET6 if ":" in ip else socket.AF_INET, ip)
            except (OSError, ValueError):
                self.error(line, "ip", _("“%(value)s” is not an IPv4 or IPv6 address.") % {"value": ip})
        asn = asn.strip()
        asn_value = None
        if asn:
            digits = asn[2:] if asn[:2] in ("AS", "as", "As", "aS") else asn
            asn_value = int(digits) if digits.isdigit() and digits.isascii() else 0
            if not 1 <= asn_value <= ASN_MAX:
                asn_value = None
                self.error(line, "asn", _("“%(value)s” is not an AS number (1 to 4294967295).") % {"value": asn})
        hoster = hoster.strip()
        declared_id = None
        if hoster:
            declared_id = self.hoster_ids.get(hoster)
            if declared_id is None:
                self.error(line, "hoster", _("No hoster has the slug “%(value)s”.") % {"value": hoster})
        elif not ip and not asn:
            self.error(line, "hoster", _("A row needs at least one of hoster, asn or ip."))
        url = url.strip()
        url_sha256 = url_host = ""
        if url:
            match = _URL_HOST.match(url)
            if "\x00" in url:
                self.error(line, "url", _("A NUL character is not allowed here."))
            elif match is None:
                self.error(line, "url", _("This is not a URL."))
            else:
                url_host = match.group(1).lower()[:255]
            url_sha256 = hashlib.sha256(url.encode()).hexdigest()
        if len(self.errors) != errors_before:
            return None
        hoster_id, attribution = self.attributor.attribute(declared_id, asn_value, ip or None)
        if hoster_id is None:
            self.unattributed += 1
        return (
            notice_id,
            reported,
            removed_text,
            ip or None,
            asn_value,
            declared_id,
            hoster_id,
            attribution,
            url_sha256,
            url_host,
        )


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


def _arrow_rows(
    validator: RowValidator, progress: Progress | None, reader_state: _HashingReader
) -> columnar.BinaryRows:
    """The fast way (PostgreSQL): the file read and checked by the column, as binary COPY (see `columnar`)."""
    from scoring.measurement import columnar  # Arrow and numpy are loaded only by the processes that import files

    buffered = io.BufferedReader(reader_state, 1 << 20)
    header = columnar.read_header(buffered)
    positions = _positions(header, validator)
    if positions is None:
        raise columnar.NotSimple("header")
    report = None if progress is None else (lambda rows: progress(rows, reader_state.bytes_read))
    return columnar.BinaryRows(buffered, len(header), positions, validator, report)


def _csv_rows(
    stream: IO[bytes], validator: RowValidator, progress: Progress | None, reader_state: _HashingReader
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
        values = ["" if record.get(name) is None else str(record.get(name)) for name in COLUMNS]
        row = validator.validate(index, *values)
        if row is not None:
            yield row


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_CHUNK = 1 << 21  # characters per `copy.write`
_SQLITE_CHUNK = 5000  # rows per `executemany`
NULL = "\\N"


def _copy_text(value: str) -> str:
    """COPY text format: only backslash, tab, newline and carriage return need escaping."""
    if value.isprintable() and "\\" not in value:
        return value
    return value.translate(_COPY_ESCAPES)


class _Rollback(Exception):
    """Leaves `transaction.atomic` undoing everything: a rejected file or a dry run."""


class _Staging:
    """Where the validated rows go, and the set-based merge, with the few vendor differences.

    On PostgreSQL a source's first file is COPYed straight into the notices, inside the import's transaction:
    there is nothing to compare with, and the server indexes the rows while Python reads on. Otherwise the
    rows go into a connection-local staging table first, outside the transaction (so the upload's progress
    stays visible and SQLite's database is not locked while the file is read); the merge then updates the
    changed notices and inserts the new ones, one statement each, in the transaction.
    """

    TABLE = "scoring_notice_stage"
    COLUMNS = (
        "notice_id",
        "reported_at",
        "removed_at",
        "ip",
        "asn",
        "declared_hoster_id",
        "hoster_id",
        "attribution",
        "url_sha256",
        "url_host",
    )

    def __init__(self, source: str, size: int | None = None) -> None:
        self.source = source
        self.size = size
        self.postgres = connection.vendor == "postgresql"
        self.distinct = "IS DISTINCT FROM" if self.postgres else "IS NOT"
        self.direct = self.postgres and not self._source_has_notices()
        self.loaded = 0

    def _source_has_notices(self) -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM scoring_notice WHERE source = %s LIMIT 1", [self.source])
            return cursor.fetchone() is not None

    def stage(self, rows: Iterable[StagedRow]) -> None:
        """Create the staging table and load the rows into it."""
        self.direct = False
        types = ("timestamptz", "inet", "bigint", "text") if self.postgres else ("text", "text", "integer", "text")
        ts, ip, integer, text = types
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.TABLE}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {self.TABLE} (notice_id {text} NOT NULL, reported_at {ts} NOT NULL,"
                f" removed_at {ts}, ip {ip}, asn {integer}, declared_hoster_id {integer}, hoster_id {integer},"
                f" attribution {text} NOT NULL, url_sha256 {text} NOT NULL, url_host {text} NOT NULL)"
            )
        self.load(rows, None)

    def load_direct(self, rows: Iterable[StagedRow], batch_id: int) -> None:
        """Inside the transaction: the rows straight into the notices, unless another import got there first."""
        with connection.cursor() as cursor:  # one import per source at a time, so "first file" stays true
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"scoring.notices:{self.source}"])
        if self._source_has_notices():
            self.stage(rows)
        elif self._outweighs_notices():
            with self._indexes_rebuilt():
                self.load(rows, batch_id)
        else:
            self.load(rows, batch_id)

    def _outweighs_notices(self) -> bool:
        """Whether the file is at least as big as the notice table: then building its indexes anew is cheaper."""
        if self.size is None:
            return False
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_relation_size('scoring_notice')")
            return self.size >= cursor.fetchone()[0]

    @contextmanager
    def _indexes_rebuilt(self) -> Iterator[None]:
        """Drop the notices' indexes (and the keys that rest on them) for the load, and build them again after it.

        PostgreSQL's advice for populating a table: one sorted build of an index costs a fraction of a million
        scattered insertions. All of it happens in the import's transaction: the notices stay locked until it
        commits, and a failure rolls the dropped indexes back with everything else.
        """
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
                " WHERE confrelid = 'scoring_notice'::regclass AND contype = 'f'"
            )
            foreign_keys = cursor.fetchall()
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                " WHERE conrelid = 'scoring_notice'::regclass AND contype IN ('p', 'u') ORDER BY contype"
            )
            keys = cursor.fetchall()  # the primary key first
            cursor.execute(
                "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i"
                " WHERE indrelid = 'scoring_notice'::regclass AND NOT EXISTS"
                " (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid)"
            )
            indexes = cursor.fetchall()
            for table, name, _definition in foreign_keys:
                cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
            for name, _definition in keys:
                cursor.execute(f"ALTER TABLE scoring_notice DROP CONSTRAINT {quote(name)}")
            for name, _definition in indexes:
                cursor.execute(f"DROP INDEX {name}")
        yield
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for name, definition in keys:
                cursor.execute(f"ALTER TABLE scoring_notice ADD CONSTRAINT {quote(name)} {definition}")
            for _name, definition in indexes:
                cursor.execute(definition)
            for table, name, definition in foreign_keys:
                cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}")

    def drop(self) -> None:
        if not self.direct:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {self.TABLE}")

    def load(self, rows: Iterable[StagedRow] | columnar.BinaryRows, batch_id: int | None) -> None:
        if not isinstance(rows, Iterable):  # the fast way's BinaryRows
            self._copy_binary(rows, batch_id)
        elif self.postgres:
            self._copy(rows, batch_id)
        else:
            self._insert(rows, batch_id)

    def _copy_binary(self, rows: columnar.BinaryRows, batch_id: int | None) -> None:
        from scoring.measurement import columnar

        table, columns = self._target()
        tail = columnar.direct_tail(self.source, batch_id) if self.direct else b""
        count = rows.validator.rows
        sql = f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for chunk in rows.chunks(columnar.row_header(self.direct), tail):
                copy.write(chunk)
        self.loaded += rows.validator.rows - count

    def _target(self) -> tuple[str, str]:
        """The table and column list the rows go to; the direct way adds source, excluded and batch."""
        columns = ", ".join(self.COLUMNS)
        if self.direct:
            return "scoring_notice", f"{columns}, source, excluded, batch_id"
        return self.TABLE, columns

    def _copy(self, rows: Iterable[StagedRow], batch_id: int | None) -> None:
        """Stream the rows as COPY text in big chunks; the server stores them while Python reads on."""
        table, columns = self._target()
        suffix = f"\t{_copy_text(self.source)}\tf\t{batch_id}\n" if self.direct else "\n"
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            chunk: list[str] = []
            size = 0
            for notice_id, reported, removed, ip, asn, declared, hoster, attribution, sha, host in rows:
                line = (
                    f"{_copy_text(notice_id)}\t{reported}\t{removed or NULL}\t{ip or NULL}\t"
                    f"{NULL if asn is None else asn}\t{NULL if declared is None else declared}\t"
                    f"{NULL if hoster is None else hoster}\t{attribution}\t{sha}\t{_copy_text(host)}{suffix}"
                )
                chunk.append(line)
                size += len(line)
                self.loaded += 1
                if size >= _COPY_CHUNK:
                    copy.write("".join(chunk))
                    chunk, size = [], 0
            if chunk:
                copy.write("".join(chunk))

    def _insert(self, rows: Iterable[StagedRow], batch_id: int | None) -> None:
        adapt = connection.ops.adapt_datetimefield_value
        table, columns = self._target()
        extra = (self.source, False, batch_id) if self.direct else ()
        marks = ", ".join(["%s"] * (len(self.COLUMNS) + len(extra)))
        sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 - table and column names are constants
        chunk: list[tuple] = []
        with connection.cursor() as cursor:
            for notice_id, reported, removed, ip, *rest in rows:
                chunk.append(
                    (
                        notice_id,
                        adapt(datetime.fromisoformat(reported)),
                        adapt(datetime.fromisoformat(removed)) if removed else None,
                        _canonical_ip(ip) if ip else None,
                        *rest,
                        *extra,
                    )
                )
                self.loaded += 1
                if len(chunk) >= _SQLITE_CHUNK:
                    cursor.executemany(sql, chunk)
                    chunk = []
            if chunk:
                cursor.executemany(sql, chunk)

    def _changed(self) -> str:
        d = self.distinct
        return (
            f"(n.reported_at <> s.reported_at OR n.removed_at {d} s.removed_at OR n.ip {d} s.ip"
            f" OR n.asn {d} s.asn OR n.declared_hoster_id {d} s.declared_hoster_id"
            f" OR n.url_sha256 <> s.url_sha256 OR n.url_host <> s.url_host"
            f" OR (n.attribution <> '{Attribution.DISPUTE}'"
            f" AND (n.hoster_id {d} s.hoster_id OR n.attribution <> s.attribution)))"
        )

    def merge(self, source: str, batch_id: int) -> tuple[int, int]:
        """Update the changed notices, insert the new ones; returns (created, updated)."""
        if self.direct:  # the rows are in already, all of them new
            return self.loaded, 0
        dispute = Attribution.DISPUTE
        columns = ", ".join(self.COLUMNS)
        with connection.cursor() as cursor:
            if self.postgres:  # both joins hash a million rows: in memory rather than in 32 batches on disk
                cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute(
                f"UPDATE scoring_notice AS n SET reported_at = s.reported_at, removed_at = s.removed_at,"  # noqa: S608 - table and column names are constants
                f" ip = s.ip, asn = s.asn, declared_hoster_id = s.declared_hoster_id,"
                f" url_sha256 = s.url_sha256, url_host = s.url_host,"
                f" hoster_id = CASE WHEN n.attribution = '{dispute}' THEN n.hoster_id ELSE s.hoster_id END,"
                f" attribution = CASE WHEN n.attribution = '{dispute}' THEN n.attribution ELSE s.attribution END,"
                f" batch_id = %s"
                f" FROM {self.TABLE} AS s WHERE n.source = %s AND n.notice_id = s.notice_id AND {self._changed()}",
                [batch_id, source],
            )
            updated = cursor.rowcount
            cursor.execute(
                f"INSERT INTO scoring_notice ({columns}, source, excluded, batch_id)"  # noqa: S608 - table and column names are constants
                f" SELECT {columns}, %s, %s, %s FROM {self.TABLE} AS s WHERE NOT EXISTS"
                " (SELECT 1 FROM scoring_notice n WHERE n.source = %s AND n.notice_id = s.notice_id)",
                [source, False, batch_id, source],
            )
            return cursor.rowcount, updated

    def unattributed(self, source: str, staged_unattributed: int) -> int:
        """The file's notices left without a hoster and counted, after the merge.

        That is the staged rows without a hoster, corrected for the notices whose hoster a dispute fixed
        or which a dispute excluded: few, so this looks at those alone instead of at every notice.
        """
        if self.direct:
            return staged_unattributed
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COALESCE(SUM(CASE WHEN n.hoster_id IS NULL AND n.excluded = %s THEN 1 ELSE 0 END"  # noqa: S608 - table and column names are constants
                " - CASE WHEN s.hoster_id IS NULL THEN 1 ELSE 0 END), 0)"
                f" FROM scoring_notice n JOIN {self.TABLE} s ON s.notice_id = n.notice_id"
                " WHERE n.source = %s AND (n.attribution = %s OR n.excluded = %s)",
                [False, source, Attribution.DISPUTE, True],
            )
            return staged_unattributed + int(cursor.fetchone()[0])


def _canonical_ip(ip: str) -> str:
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    return socket.inet_ntop(family, socket.inet_pton(family, ip))


def _fail_batch(batch: ImportBatch | None, status: str, errors: list[str]) -> None:
    if batch is None:
        return
    batch.status = status
    batch.errors = errors
    batch.finished_at = timezone.now()
    batch.save(update_fields=["status", "errors", "finished_at", "rejected"])


def import_notices(
    *,
    stream: IO[bytes] | None = None,
    records: Sequence[Any] | None = None,
    source: str,
    tz: tzinfo | None = None,
    user: User | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
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
    """
    options = {
        "source": source,
        "tz": tz,
        "user": user,
        "dry_run": dry_run,
        "progress": progress,
        "batch": batch,
        "channel": channel,
        "filename": filename,
    }
    size = _remaining_size(stream) if stream is not None else None
    if size is not None and connection.vendor == "postgresql":
        from scoring.measurement.columnar import NotSimple

        start = stream.tell()
        try:
            return _import(stream=stream, records=None, size=size, fast=True, **options)
        except NotSimple:
            stream.seek(start)
    return _import(stream=stream, records=records, size=size, fast=False, **options)


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
    progress: Progress | None,
    batch: ImportBatch | None,
    channel: str,
    filename: str,
    size: int | None,
    fast: bool,
) -> ImportResult:
    validator = RowValidator(
        tz,
        dict(Hoster.objects.values_list("slug", "id")),
        Attributor.from_database(),
        label="line" if stream is not None else "item",
    )
    hasher = _HashingReader(stream) if stream is not None else None
    if fast:
        rows = _arrow_rows(validator, progress, hasher)
    elif hasher:
        rows = _csv_rows(stream, validator, progress, hasher)
    else:
        rows = _record_rows(records or [], validator)
    staging = _Staging(source, size)
    result = ImportResult(dry_run=dry_run, batch=batch)
    given_batch = batch

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
        with transaction.atomic():
            if batch is None:
                batch = ImportBatch.objects.create(
                    created_by=user,
                    channel=channel,
                    source=source,
                    filename=filename,
                    status=ImportBatch.Status.RUNNING,
                )
            if staging.direct:
                staging.load_direct(rows, batch.pk)
                if not loaded():
                    raise _Rollback
            result.created, result.updated = staging.merge(source, batch.pk)
            result.unchanged = validator.rows - result.created - result.updated
            result.unattributed = staging.unattributed(source, validator.unattributed)
            if dry_run:
                raise _Rollback
            file_sha256 = hasher.sha256.hexdigest() if hasher else _records_sha256(records or [])
            batch.source = source
            batch.timezone = str(tz or "")
            batch.file_sha256 = file_sha256
            batch.status = ImportBatch.Status.SUCCEEDED
            batch.finished_at = timezone.now()
            batch.progress_rows = validator.rows
            for name in ("created", "updated", "unchanged", "unattributed"):
                setattr(batch, name, getattr(result, name))
            batch.rejected = 0
            batch.errors = []
            batch.save()
            log_action(
                user,
                "scoring.notices.imported",
                batch,
                {
                    "source": source,
                    "channel": batch.channel,
                    "file_sha256": file_sha256,
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                    "unattributed": result.unattributed,
                },
            )
    except _Rollback:  # a dry run, or a file rejected while it went straight into the notices
        result.batch = given_batch
        return _rejected(result, validator, given_batch) if validator.errors else result
    finally:
        staging.drop()
    result.batch = batch
    return result


def _rejected(result: ImportResult, validator: RowValidator, batch: ImportBatch | None) -> ImportResult:
    result.errors = validator.errors
    result.created = result.updated = result.unchanged = result.unattributed = 0
    result.rejected = len(validator.bad_lines)
    if batch is not None:
        batch.rejected = result.rejected
    _fail_batch(batch, ImportBatch.Status.REJECTED, [str(e) for e in validator.errors[:STORED_ERRORS_MAX]])
    return result


def _records_sha256(records: Sequence[Any]) -> str:
    return hashlib.sha256(json.dumps(list(records), sort_keys=True, default=str).encode()).hexdigest()
