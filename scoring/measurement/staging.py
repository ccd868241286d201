"""Where validated notice rows go: a staging table (or, for a source's first file on PostgreSQL, the notices
themselves) loaded by COPY or batched inserts, then merged into the notices with one UPDATE and one INSERT.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import connection

from scoring.measurement import notice_days
from scoring.measurement.models import Attribution, ImportBatch
from scoring.measurement.rows import StagedRow

if TYPE_CHECKING:
    from scoring.measurement.columnar import BinaryRows

    # What `Staging` loads: validated rows one by one, or the fast way's binary COPY stream.
    Rows = Iterable[StagedRow] | BinaryRows

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_CHUNK = 1 << 21  # characters per `copy.write`
_SQLITE_CHUNK = 5000  # rows per `executemany`
NULL = "\\N"


def _copy_text(value: str) -> str:
    """COPY text format: only backslash, tab, newline and carriage return need escaping."""
    if value.isprintable() and "\\" not in value:
        return value
    return value.translate(_COPY_ESCAPES)


class Staging:
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
        self.frozen = False  # the direct way into notices truncated in its transaction (`_emptied`)
        self.loaded = 0

    def _source_has_notices(self) -> bool:
        """Whether the source has notices, or may have (a succeeded import of it: answered without a look at the
        notices, whose unique key leads with the notice ID). Only a new source's first file costs a scan."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT EXISTS (SELECT 1 FROM scoring_importbatch WHERE source = %s AND status = %s)"
                " OR EXISTS (SELECT 1 FROM scoring_notice WHERE source = %s)",
                [self.source, ImportBatch.Status.SUCCEEDED, self.source],
            )
            return bool(cursor.fetchone()[0])

    def stage(self, rows: Rows) -> None:
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

    def load_direct(self, rows: Rows, batch_id: int) -> None:
        """Inside the transaction: the rows straight into the notices, unless another import got there first.

        The transaction holds the source's lock (`imports._one_import_per_source`), so "first file" stays true.
        """
        if self._source_has_notices():
            self.stage(rows)
        elif self._outweighs_notices():
            with self._indexes_rebuilt(rows):
                self.load(rows, batch_id)
        else:
            self.load(rows, batch_id)

    def _outweighs_notices(self) -> bool:
        """Whether the file is at least as big as the notice table: then building its indexes anew is cheaper."""
        if self.size is None:
            return False
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_relation_size('scoring_notice')")
            return self.size >= int(cursor.fetchone()[0])

    @contextmanager
    def _indexes_rebuilt(self, rows: Rows | None = None) -> Iterator[None]:
        """The notices' indexes dropped for the load and built again after it (`indexes_rebuilt`); the fast way's
        rows keep their days themselves meanwhile (`notice_days.kept_by_load`), rows one by one are marked."""
        if rows is None or isinstance(rows, Iterable):
            with indexes_rebuilt("scoring_notice"):
                yield
            return
        from scoring.measurement.load_days import LoadDays  # loaded already: the rows come from `columnar`

        rows.days = LoadDays()
        with notice_days.kept_by_load(rows.days), indexes_rebuilt("scoring_notice"):
            self.frozen = self._emptied()
            yield

    def _emptied(self) -> bool:
        """Whether there are no notices at all (a hotline's first load): then they are truncated in this transaction,
        so that the COPY writes its rows frozen and visible to all (`COPY ... FREEZE`), and the figures read them
        from the indexes alone from the first view on, before any vacuum."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT NOT EXISTS (SELECT 1 FROM scoring_notice)")
            if not cursor.fetchone()[0]:
                return False
            cursor.execute("TRUNCATE scoring_notice")
        return True

    def drop(self) -> None:
        if not self.direct:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {self.TABLE}")

    def load(self, rows: Rows, batch_id: int | None) -> None:
        """Into the notices with `batch_id` (the direct way), or into the staging table when it is None."""
        if not isinstance(rows, Iterable):  # the fast way's BinaryRows
            self._copy_binary(rows, batch_id)
        elif self.postgres:
            self._copy(rows, batch_id)
        else:
            self._insert(rows, batch_id)

    def _copy_binary(self, rows: BinaryRows, batch_id: int | None) -> None:
        from scoring.measurement import columnar  # loaded already: the rows come from it

        table, columns = self._target()
        tail = b"" if batch_id is None else columnar.direct_tail(self.source, batch_id)
        count = rows.validator.rows
        sql = f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY{', FREEZE' if self.frozen else ''})"
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
        chunk: list[tuple[Any, ...]] = []
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


@contextmanager
def indexes_rebuilt(table: str) -> Iterator[None]:
    """Drop a table's indexes (and the keys that rest on them) for a big load, and build them again after it.

    PostgreSQL's advice for populating a table: one sorted build of an index costs a fraction of a million
    scattered insertions. All of it happens in the import's transaction: the table stays locked until it
    commits, and a failure rolls the dropped indexes back with everything else. `table` is a constant name.
    """
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE confrelid = %s::regclass AND contype = 'f'",
            [table],
        )
        foreign_keys = cursor.fetchall()
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = %s::regclass AND contype IN ('p', 'u') ORDER BY contype",
            [table],
        )
        keys = cursor.fetchall()  # the primary key first
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i"
            " WHERE indrelid = %s::regclass AND NOT EXISTS"
            " (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid)",
            [table],
        )
        indexes = cursor.fetchall()
        for referring, name, _definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {referring} DROP CONSTRAINT {quote(name)}")
        for name, _definition in keys:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for name, definition in keys:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}")
        for _name, definition in indexes:
            cursor.execute(definition)
        for referring, name, definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {referring} ADD CONSTRAINT {quote(name)} {definition}")
