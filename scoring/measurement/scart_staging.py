"""Where SCARt's lines go: a staging table of lines, then one set-based merge into the notices (DESIGN §4.2).

The NTD export has a line per URL of every NTD sent; the portal keeps a notice per URL (its SHA-256 is the notice
ID within the source). Its clock starts at the URL's first NTD; every later NTD of the URL is a reminder, counted
on the notice and never a notice of its own. The IP comes from the first NTD's line; the hoster from the earliest
line addressed to the host (`abuse type` host) whose owner is a hoster's name or alias, else from the first line's
network. A file that holds an earlier NTD than the one stored moves the clock back and takes its IP and owner.
Each reminder is kept by when it went out (`NoticeReminder`): consecutive exports add their reminders up, while a
file read again, or an export that overlaps another, counts no NTD twice.

The closed export gives each URL found offline the time it was last seen online: that is the removal (never
before the report: SCARt copies `last seen` when it sends an NTD, so it can lie before the NTD's time; the
removal time is then 0). The latest `last seen` of a URL wins, so an older export read again changes nothing.
A closed line for a URL that has no notice in the source is reported, never dropped silently.
"""

from __future__ import annotations

import socket
from abc import ABC, abstractmethod
from collections.abc import Iterable
from contextlib import nullcontext
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeAlias

from django.db import connection

from scoring.measurement.models import Attribution
from scoring.measurement.scart import ClosedLine, NtdLine, url_key
from scoring.measurement.staging import NULL, _copy_text, indexes_rebuilt

if TYPE_CHECKING:
    from scoring.measurement.scart_columnar import ScartBinaryRows

    Lines: TypeAlias = Iterable[NtdLine] | Iterable[ClosedLine] | ScartBinaryRows

_COPY_CHUNK = 1 << 21
_SQLITE_CHUNK = 5000
WARNINGS_MAX = 1000
REBUILD_SHARE = 8  # a closed export closing 1/8 of all notices or more builds their indexes anew
EXPLICIT, DISPUTE = Attribution.EXPLICIT.value, Attribution.DISPUTE.value


class _ScartStaging(ABC):
    """The vendor differences and the life of the staging tables, shared by both exports."""

    TABLE = ""
    COLUMNS: tuple[str, ...] = ()
    TABLES: tuple[str, ...] = ()
    direct = False  # never straight into the notices: lines are first gathered per URL

    def __init__(self, source: str, size: int | None = None) -> None:
        self.source = source
        self.postgres = connection.vendor == "postgresql"
        self.distinct = "IS DISTINCT FROM" if self.postgres else "IS NOT"
        self.unchanged = 0
        self.reminders = 0
        self.unmatched = 0
        self.unmatched_lines: list[int] = []

    def _types(self) -> dict[str, str]:
        if self.postgres:
            return {"ts": "timestamptz", "ip": "inet", "int": "bigint", "text": "text"}
        return {"ts": "text", "ip": "text", "int": "integer", "text": "text"}

    def stage(self, rows: Lines) -> None:
        """Create the staging table and load the lines into it (outside the import's transaction)."""
        self.drop()
        with connection.cursor() as cursor:
            cursor.execute(self.create_sql().format(**self._types()))
        if not isinstance(rows, Iterable):  # the fast way's binary COPY stream
            self._copy_binary(rows)
        elif self.postgres:
            self._copy(rows)
        else:
            self._insert(rows)
        self.analyze(self.TABLE)

    @abstractmethod
    def create_sql(self) -> str:
        """The staging table's CREATE statement, with `{ts}`, `{ip}`, `{int}`, `{text}` for the database's types."""

    @abstractmethod
    def text_line(self, row: Any) -> str:
        """One row as a line of text COPY."""

    @abstractmethod
    def sqlite_row(self, row: Any) -> tuple[Any, ...]:
        """One row as SQLite's INSERT parameters."""

    def _copy_binary(self, rows: ScartBinaryRows) -> None:
        sql = f"COPY {self.TABLE} ({', '.join(self.COLUMNS)}) FROM STDIN (FORMAT BINARY)"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for chunk in rows.chunks():
                copy.write(chunk)

    def _copy(self, rows: Iterable[Any]) -> None:
        sql = f"COPY {self.TABLE} ({', '.join(self.COLUMNS)}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            chunk: list[str] = []
            size = 0
            for row in rows:
                line = self.text_line(row)
                chunk.append(line)
                size += len(line)
                if size >= _COPY_CHUNK:
                    copy.write("".join(chunk))
                    chunk, size = [], 0
            if chunk:
                copy.write("".join(chunk))

    def _insert(self, rows: Iterable[Any]) -> None:
        marks = ", ".join(["%s"] * len(self.COLUMNS))
        sql = f"INSERT INTO {self.TABLE} ({', '.join(self.COLUMNS)}) VALUES ({marks})"  # noqa: S608 - constants
        chunk: list[tuple[Any, ...]] = []
        with connection.cursor() as cursor:
            for row in rows:
                chunk.append(self.sqlite_row(row))
                if len(chunk) >= _SQLITE_CHUNK:
                    cursor.executemany(sql, chunk)
                    chunk = []
            if chunk:
                cursor.executemany(sql, chunk)

    def drop(self) -> None:
        with connection.cursor() as cursor:
            for table in self.TABLES:
                cursor.execute(f"DROP TABLE IF EXISTS {table}")

    def analyze(self, table: str) -> None:
        """PostgreSQL's statistics of a staging table: without them (temporary tables are never analysed on their
        own) it would join a million lines one by one."""
        if self.postgres:
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {table}")

    def _work_mem(self, cursor: Any) -> None:
        if self.postgres:  # the joins and sorts of a million lines: in memory rather than in batches on disk
            cursor.execute("SET LOCAL work_mem = '256MB'")


def _time(text: str) -> Any:
    return connection.ops.adapt_datetimefield_value(datetime.fromisoformat(text))


def _canonical_ip(ip: str) -> str:
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    return socket.inet_ntop(family, socket.inet_pton(family, ip))


def _null(value: int | None) -> str:
    return NULL if value is None else str(value)


def _count(cursor: Any, table: str) -> int:
    cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - a constant name
    return int(cursor.fetchone()[0])


class NtdStaging(_ScartStaging):
    """The NTD export: lines staged, gathered into one row per URL, merged into the notices."""

    TABLE = "scoring_scart_ntd"
    REPEATS = "scoring_scart_repeats"
    MERGE = "scoring_scart_merge"
    SENDS = "scoring_scart_sends"
    TABLES = (TABLE, REPEATS, MERGE, SENDS)
    COLUMNS = (
        "url_key",
        "url_sha256",
        "url_host",
        "sent_at",
        "ip",
        "named_hoster_id",
        "ip_hoster_id",
        "ip_attribution",
        "owner",
        "owner_key",
        "line",
    )

    def create_sql(self) -> str:
        return (
            f"CREATE TEMPORARY TABLE {self.TABLE} (url_key bigint NOT NULL, url_sha256 {{text}} NOT NULL,"
            " url_host {text} NOT NULL,"
            " sent_at {ts} NOT NULL, ip {ip}, named_hoster_id {int}, ip_hoster_id {int},"
            " ip_attribution {text} NOT NULL, owner {text} NOT NULL, owner_key {text} NOT NULL, line integer NOT NULL)"
        )

    def text_line(self, row: NtdLine) -> str:
        sha, host, sent, ip, named, hoster, attribution, owner, key, line = row
        return (
            f"{url_key(sha)}\t{sha}\t{_copy_text(host)}\t{sent}\t{ip or NULL}\t{_null(named)}\t{_null(hoster)}\t"
            f"{attribution}\t{_copy_text(owner)}\t{_copy_text(key)}\t{line}\n"
        )

    def sqlite_row(self, row: NtdLine) -> tuple[Any, ...]:
        sha, host, sent, ip, *rest = row
        return (url_key(sha), sha, host, _time(sent), _canonical_ip(ip) if ip else None, *rest)

    def _gather(self, cursor: Any) -> str:
        """The query of one row per URL: its first NTD, its earliest host line naming an owner, how many NTDs it had.

        Most URLs have one line, which is all there is to know: only the lines of URLs with more (found by a
        hashed count of their keys, no sort) are ranked, by window functions over their URL.
        """
        cursor.execute(
            f"CREATE TEMPORARY TABLE {self.REPEATS} AS SELECT url_key FROM {self.TABLE}"  # noqa: S608 - constants
            " GROUP BY url_key HAVING COUNT(*) > 1"
        )
        self.analyze(self.REPEATS)
        repeated = f"EXISTS (SELECT 1 FROM {self.REPEATS} r WHERE r.url_key = l.url_key)"  # noqa: S608 - constants
        url = "PARTITION BY url_key, url_sha256"
        owner_first = "CASE WHEN owner <> '' THEN 0 ELSE 1 END"
        columns = "url_sha256, url_host, sent_at, ip, ip_hoster_id, ip_attribution"
        ranked = (
            f"SELECT {columns}, ROW_NUMBER() OVER ({url} ORDER BY sent_at, {owner_first}, line) AS first_rank,"  # noqa: S608 - constants
            f" DENSE_RANK() OVER ({url} ORDER BY sent_at) AS send_rank, url_key,"
            " FIRST_VALUE(named_hoster_id) OVER owner_line AS named_hoster_id,"
            " FIRST_VALUE(owner) OVER owner_line AS owner, FIRST_VALUE(owner_key) OVER owner_line AS owner_key"
            f" FROM {self.TABLE} l WHERE {repeated} WINDOW owner_line AS"
            f" ({url} ORDER BY {owner_first}, sent_at, line ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)"
        )
        return (
            f"SELECT {columns}, named_hoster_id, owner, owner_key, 1 AS sends FROM {self.TABLE} l WHERE NOT {repeated}"  # noqa: S608 - constants
            f" UNION ALL SELECT {columns}, named_hoster_id, owner, owner_key, sends FROM"
            f" (SELECT x.*, MAX(send_rank) OVER (PARTITION BY url_key, url_sha256) AS sends FROM ({ranked}) x) y"
            " WHERE first_rank = 1"
        )

    def _plan(self, cursor: Any, urls: str) -> None:
        """Each URL beside its stored notice (if any), with the notice's values after the merge.

        A new notice's ID is drawn here (PostgreSQL: from the notices' sequence; SQLite, which has one writer: after
        the largest), so that its owner and reminders are written without looking the notice up again.
        """
        d = self.distinct
        earlier = "(n.id IS NULL OR s.sent_at < n.reported_at)"
        covers = "(n.id IS NULL OR s.sent_at <= n.reported_at)"
        takes_owner = f"(s.owner <> '' AND ({covers} OR o.name IS NULL))"
        declared = f"CASE WHEN {takes_owner} THEN s.named_hoster_id ELSE n.declared_hoster_id END"
        cursor.execute(
            f"CREATE TEMPORARY TABLE {self.MERGE} AS SELECT s.url_sha256 AS notice_id, s.url_host, n.id AS nid,"  # noqa: S608 - constants
            f" COALESCE(n.id, {self._new_id(cursor)}) AS id,"
            f" CASE WHEN {earlier} THEN s.sent_at ELSE n.reported_at END AS reported_at,"
            f" CASE WHEN {earlier} THEN s.ip ELSE n.ip END AS ip, {declared} AS declared,"
            f" CASE WHEN n.attribution = '{DISPUTE}' THEN n.hoster_id WHEN ({declared}) IS NOT NULL THEN ({declared})"
            f" WHEN {covers} THEN s.ip_hoster_id ELSE n.hoster_id END AS hoster_id,"
            f" CASE WHEN n.attribution = '{DISPUTE}' THEN n.attribution WHEN ({declared}) IS NOT NULL THEN '{EXPLICIT}'"
            f" WHEN {covers} THEN s.ip_attribution ELSE n.attribution END AS attribution,"
            " CASE WHEN n.id IS NULL THEN s.sends - 1 ELSE n.reminders END AS reminders, s.sent_at AS first_sent,"
            " s.sends,"
            f" CASE WHEN {takes_owner} AND (s.owner {d} o.name OR s.owner_key {d} o.owner_key) THEN 1 ELSE 0 END"
            " AS owner_changed, s.owner, s.owner_key,"
            " n.reported_at AS old_reported_at, n.ip AS old_ip, n.declared_hoster_id AS old_declared,"
            " n.hoster_id AS old_hoster_id, n.attribution AS old_attribution, n.reminders AS old_reminders,"
            " COALESCE(n.excluded, %s) AS excluded"
            f" FROM ({urls}) s LEFT JOIN scoring_notice n ON n.source = %s AND n.notice_id = s.url_sha256"
            " LEFT JOIN scoring_noticeowner o ON o.notice_id = n.id",
            [False, self.source],
        )
        self.analyze(self.MERGE)

    def _new_id(self, cursor: Any) -> str:
        if self.postgres:
            cursor.execute("SELECT pg_get_serial_sequence('scoring_notice', 'id')")
            return f"nextval('{cursor.fetchone()[0]}'::regclass)"
        return "(SELECT COALESCE(MAX(id), 0) FROM scoring_notice) + ROW_NUMBER() OVER ()"

    def merge(self, source: str, batch_id: int) -> tuple[int, int]:
        """Update the notices the file changes, insert the new ones, keep their owners; returns (created, updated).

        A file with at least as many new notices as there are notices builds the indexes anew after writing
        (`staging.indexes_rebuilt`), as the portal CSV's first big file does.
        """
        with connection.cursor() as cursor:
            self._work_mem(cursor)
            self._plan(cursor, self._gather(cursor))
            self._count_sends(cursor)
            cursor.execute(
                f"SELECT COUNT(*), COALESCE(SUM(CASE WHEN nid IS NULL THEN 1 ELSE 0 END), 0),"  # noqa: S608 - constants
                f" COALESCE(SUM(reminders - COALESCE(old_reminders, 0)), 0) FROM {self.MERGE}"
            )
            urls, new, self.reminders = (int(value) for value in cursor.fetchone())
            big = self.postgres and new >= _count(cursor, "scoring_notice")
            with indexes_rebuilt("scoring_notice") if big else nullcontext():
                created, updated = self._write_notices(cursor, source, batch_id)
            big = self.postgres and new >= _count(cursor, "scoring_noticeowner")
            with indexes_rebuilt("scoring_noticeowner") if big else nullcontext():
                self._write_owners(cursor, new_notices=True)
            self._write_owners(cursor, new_notices=False)
            self._write_reminders(cursor)
        self.unchanged = urls - created - updated
        return created, updated

    def _count_sends(self, cursor: Any) -> None:
        """The NTDs of the file that are new to their notice; a stored notice's reminders grow by those.

        Only URLs the file names more than once, or whose one NTD is not the stored first, can bring one: their
        distinct send times are gathered. A send is new to a stored notice unless it is its first NTD or a reminder
        already kept; a notice whose clock moves back keeps its old first NTD as a reminder, which adds up the same.
        """
        cursor.execute(
            f"CREATE TEMPORARY TABLE {self.SENDS} AS SELECT m.nid, m.id, m.reported_at, m.old_reported_at, l.sent_at"  # noqa: S608 - constants
            f" FROM {self.TABLE} l JOIN (SELECT * FROM {self.MERGE} WHERE sends > 1) m ON m.notice_id = l.url_sha256"
            f" WHERE l.url_key IN (SELECT url_key FROM {self.REPEATS})"
            f" UNION SELECT nid, id, reported_at, old_reported_at, first_sent FROM {self.MERGE}"
            " WHERE nid IS NOT NULL AND sends = 1 AND first_sent <> old_reported_at"
        )
        self.analyze(self.SENDS)
        cursor.execute(
            f"UPDATE {self.MERGE} AS m SET reminders = m.reminders + a.added FROM"  # noqa: S608 - constants
            f" (SELECT s.nid, COUNT(*) AS added FROM {self.SENDS} s WHERE s.nid IS NOT NULL"
            " AND s.sent_at <> s.old_reported_at AND NOT EXISTS (SELECT 1 FROM scoring_noticereminder k"
            " WHERE k.notice_id = s.nid AND k.sent_at = s.sent_at) GROUP BY s.nid) a WHERE m.nid = a.nid"
        )

    def _write_reminders(self, cursor: Any) -> None:
        """Keep every NTD of the file that is not its notice's first, and a first NTD that an earlier one displaced."""
        ignore = ("", " ON CONFLICT DO NOTHING") if self.postgres else (" OR IGNORE", "")
        cursor.execute(
            f"INSERT{ignore[0]} INTO scoring_noticereminder (notice_id, sent_at)"  # noqa: S608 - constants
            f" SELECT id, sent_at FROM {self.SENDS} WHERE sent_at <> reported_at"
            f" UNION SELECT nid, old_reported_at FROM {self.MERGE}"
            f" WHERE nid IS NOT NULL AND reported_at < old_reported_at{ignore[1]}"
        )

    def _write_notices(self, cursor: Any, source: str, batch_id: int) -> tuple[int, int]:
        d = self.distinct
        changed = (
            f"(m.reported_at <> m.old_reported_at OR m.ip {d} m.old_ip OR m.declared {d} m.old_declared"
            f" OR m.hoster_id {d} m.old_hoster_id OR m.attribution <> m.old_attribution"
            " OR m.reminders <> m.old_reminders OR m.owner_changed = 1)"
        )
        cursor.execute(
            "UPDATE scoring_notice AS n SET reported_at = m.reported_at, ip = m.ip,"  # noqa: S608 - constants
            " declared_hoster_id = m.declared, hoster_id = m.hoster_id, attribution = m.attribution,"
            f" reminders = m.reminders, batch_id = %s FROM {self.MERGE} AS m WHERE n.id = m.nid AND {changed}",
            [batch_id],
        )
        updated = cursor.rowcount
        cursor.execute(
            "INSERT INTO scoring_notice (id, source, notice_id, reported_at, removed_at, ip, asn, url_sha256,"  # noqa: S608 - constants
            " url_host, declared_hoster_id, hoster_id, attribution, excluded, reminders, batch_id)"
            " SELECT m.id, %s, m.notice_id, m.reported_at, NULL, m.ip, NULL, m.notice_id, m.url_host, m.declared,"
            f" m.hoster_id, m.attribution, %s, m.reminders, %s FROM {self.MERGE} m WHERE m.nid IS NULL",
            [source, False, batch_id],
        )
        return cursor.rowcount, updated

    def _write_owners(self, cursor: Any, *, new_notices: bool) -> None:
        """The owners the file names: of its new notices (none can have one yet), or replaced on the others."""
        if new_notices:
            where, upsert = "m.nid IS NULL", ""
        else:
            where = "m.nid IS NOT NULL"
            upsert = " ON CONFLICT (notice_id) DO UPDATE SET name = excluded.name, owner_key = excluded.owner_key"
        cursor.execute(
            "INSERT INTO scoring_noticeowner (notice_id, name, owner_key) SELECT m.id, m.owner, m.owner_key"  # noqa: S608 - constants
            f" FROM {self.MERGE} m WHERE m.owner_changed = 1 AND {where}{upsert}"
        )

    def unattributed(self, source: str, staged_unattributed: int) -> int:
        """The file's notices left without a hoster and counted, after the merge."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT COUNT(*) FROM {self.MERGE} WHERE hoster_id IS NULL AND excluded = %s",  # noqa: S608 - constants
                [False],
            )
            return int(cursor.fetchone()[0])


class ClosedStaging(_ScartStaging):
    """The closed export: lines staged, their URLs' notices closed at the latest time each was seen online."""

    TABLE = "scoring_scart_closed"
    REMOVALS = "scoring_scart_removals"
    TABLES = (TABLE, REMOVALS)
    COLUMNS = ("url_sha256", "removed_at", "line")

    def create_sql(self) -> str:
        return (
            f"CREATE TEMPORARY TABLE {self.TABLE}"
            " (url_sha256 {text} NOT NULL, removed_at {ts} NOT NULL, line integer NOT NULL)"
        )

    def text_line(self, row: ClosedLine) -> str:
        sha, removed, line = row
        return f"{sha}\t{removed}\t{line}\n"

    def sqlite_row(self, row: ClosedLine) -> tuple[Any, ...]:
        sha, removed, line = row
        return (sha, _time(removed), line)

    def merge(self, source: str, batch_id: int) -> tuple[int, int]:
        """Close the notices of the file's URLs; count the lines whose URL has none. Returns (0, updated).

        A file that closes an eighth of all notices or more builds their indexes anew after the update: one sorted
        build of each index costs less than that many scattered insertions into it.
        """
        if self.postgres:
            removal = "GREATEST(n.removed_at, r.removed_at, n.reported_at)"
        else:
            removal = "MAX(COALESCE(n.removed_at, r.removed_at), r.removed_at, n.reported_at)"
        with connection.cursor() as cursor:
            self._work_mem(cursor)
            cursor.execute(
                f"CREATE TEMPORARY TABLE {self.REMOVALS} AS SELECT r.url_sha256, r.removed_at, n.id AS nid"  # noqa: S608 - constants
                f" FROM (SELECT url_sha256, MAX(removed_at) AS removed_at FROM {self.TABLE} GROUP BY url_sha256) r"
                " LEFT JOIN scoring_notice n ON n.source = %s AND n.notice_id = r.url_sha256",
                [source],
            )
            self.analyze(self.REMOVALS)
            self._unmatched(cursor)
            cursor.execute(f"SELECT COUNT(*) FROM {self.REMOVALS} WHERE nid IS NOT NULL")  # noqa: S608 - constants
            matched = int(cursor.fetchone()[0])
            big = self.postgres and REBUILD_SHARE * matched >= _count(cursor, "scoring_notice")
            with indexes_rebuilt("scoring_notice") if big else nullcontext():
                cursor.execute(
                    f"UPDATE scoring_notice AS n SET removed_at = {removal}, batch_id = %s FROM {self.REMOVALS} AS r"  # noqa: S608 - constants
                    f" WHERE n.id = r.nid AND {removal} {self.distinct} n.removed_at",
                    [batch_id],
                )
                updated = cursor.rowcount
        self.unchanged = matched - updated
        return 0, updated

    def _unmatched(self, cursor: Any) -> None:
        no_notice = f"FROM {self.TABLE} c JOIN {self.REMOVALS} r ON r.url_sha256 = c.url_sha256 WHERE r.nid IS NULL"
        cursor.execute(f"SELECT COUNT(*) {no_notice}")
        self.unmatched = int(cursor.fetchone()[0])
        if self.unmatched:
            cursor.execute(f"SELECT c.line {no_notice} ORDER BY c.line LIMIT {WARNINGS_MAX:d}")
            self.unmatched_lines = [int(line) for (line,) in cursor.fetchall()]

    def unattributed(self, source: str, staged_unattributed: int) -> int:
        return 0
