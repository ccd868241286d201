"""The figures from kept day figures (PostgreSQL): a day's notices are read once, not on every view.

Migration 0017 keeps, per hoster (0: unattributed) and day of the portal's time zone, the day's counted notices,
its open ones, its latest removal and its removal durations (in no order); a trigger marks, after every statement that
writes notices, the hosters it touched and the span of report times it wrote (`scoring_noticehoster`). `refresh`
computes the marked days again and clears the mark unless a writer moved it meanwhile. A fast import big enough
to rebuild the notices' indexes marks nothing: it keeps the days of its rows itself (`kept_by_load`, `load_days`).

Each hoster's kept days are also kept in blocks of 32 days (migration 0020, written with the days by every writer of
days): a block that the period holds whole, every day of it settled and unmarked and no removal after the cut-off,
is read as one row instead of a row a day.

`query` gives exactly what `metrics._query_aggregate` gives, for a period of whole days: a day is taken from its
kept figures when they are known and settled for the cut-off (before the day that the norm's span before the
cut-off falls on, not marked; a removal after the cut-off, found by the removal instants kept beside the durations,
counts its notice as open); every other day's notices are read as the plain way reads them. A figure therefore
never depends on a refresh having run: while a hoster has a long span marked (until the worker computed it), only
that span is read from the notices, or, when it covers most of the period, the period's notices the plain way
(`ready`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from scoring.measurement.quantiles import DAY_PART_SQL, TIME_PART_SQL, figure_rows, parts_sql
from scoring.migrations._notice_days import BLOCK_DAYS, BLOCK_START_SQL, KEPT_SQL, MARK_INSERTED, keep_blocks

if TYPE_CHECKING:
    from scoring.measurement.load_days import LoadDays

# Refreshes take turns: two at once would compute the same days twice (either result is right).
_LOCK = 0x6E6F7469636564  # "noticed"
UNATTRIBUTED = 0  # the key of the unattributed notices here; the figures' callers name them None
# A reader refreshes a hoster's marked days itself when they are this few (a dispute, a corrected removal); the
# imports and re-attributions keep theirs before they commit (`settle`); a longer span another writer leaves is
# the worker's (`tasks.refresh_notice_days`, the daily run), read from the notices until it ran.
READER_DAYS = 7
_UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_BLOCK_EPOCH = date(2000, 1, 1)  # blocks count from here (`_notice_days.BLOCK_SQL`)
# A refresh that writes this many days or more analyses them: the kept days' reads were planned for a few hundred
# rows before (over a million notices the figures of all hosters took 0.31 s before, 0.25 s after).
ANALYZED_DAYS = 10000
# Of scoring_noticeday, as `load_days` writes them: `removals` holds each removal's instant (microseconds since 1970)
# beside its duration in `durations`, both in the same order (any).
DAY_COLUMNS = "hoster_key, day, notices, open, removed_max, durations, removals"
DURATION_SQL = "date_part('epoch', removed - reported_at)"
REMOVAL_US_SQL = "(EXTRACT(epoch FROM removed) * 1000000)::bigint"


def available(date_from: datetime, date_to: datetime) -> bool:
    """Whether the kept days may answer for this period: PostgreSQL, whole days (`ready` checks the rest)."""
    if connection.vendor != "postgresql":
        return False
    return all(timezone.localtime(moment).time() == datetime.min.time() for moment in (date_from, date_to))


def _hoster(key: int) -> int | None:
    return None if key == UNATTRIBUTED else key


def _keys(hosters: list[int | None] | None) -> list[int] | None:
    return None if hosters is None else [UNATTRIBUTED if hoster is None else hoster for hoster in hosters]


def versions() -> dict[int | None, int]:
    """Each hoster's version (None: the unattributed notices): it moves whenever one of its notices is written."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT hoster_key, version FROM scoring_noticehoster")
        return {_hoster(key): version for key, version in cursor.fetchall()}


def settle() -> None:
    """A writer's marked days computed in its own transaction, before it commits (an import, a re-attribution): the
    first view after it then reads kept days, not the notices (at 1M notices all marked, a hoster's figures page
    took 7-8 times a plain pass over the period's notices). The writer holds the refresh lock until it commits."""
    if connection.vendor == "postgresql":
        refresh()


def refresh(keys: Iterable[int] | None = None, *, days_max: int | None = None) -> int:
    """Compute the marked days of `keys` (None: every hoster) again, of the hosters with at most `days_max` marked
    days when it is given (a reader's share: more is the worker's); returns the hosters refreshed."""
    wanted = None if keys is None else list(keys)
    only = "" if wanted is None else "AND hoster_key = ANY(%s)"
    if days_max is not None:
        only += f" AND scoring_notice_day(changed_to) - scoring_notice_day(changed_from) < {int(days_max):d}"
    marked_sql = (
        "SELECT hoster_key, version, scoring_notice_day(changed_from), scoring_notice_day(changed_to)"  # noqa: S608
        f" FROM scoring_noticehoster WHERE changed_from IS NOT NULL {only}"
    )
    marked_params = [] if wanted is None else [wanted]
    with connection.cursor() as cursor:  # most often nothing is marked: no lock, no transaction
        cursor.execute(marked_sql, marked_params)
        if not cursor.fetchall():
            return 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK])
        cursor.execute(marked_sql, marked_params)
        marked = cursor.fetchall()
        if not marked:
            return 0
        cursor.execute("SET LOCAL work_mem = '256MB'")
        columns = [list(column) for column in zip(*marked, strict=True)]
        span = "unnest(%s::bigint[], %s::date[], %s::date[]) AS x(hoster_key, first_day, last_day)"
        span_params = [columns[0], columns[2], columns[3]]
        cursor.execute(
            f"DELETE FROM scoring_noticeday d USING {span}"  # noqa: S608 - constants only
            " WHERE d.hoster_key = x.hoster_key AND d.day BETWEEN x.first_day AND x.last_day",
            span_params,
        )
        cursor.execute(
            f"INSERT INTO scoring_noticeday ({DAY_COLUMNS})"  # noqa: S608 - constants only
            " SELECT hoster_key, scoring_notice_day(reported_at), COUNT(*), COUNT(*) FILTER (WHERE removed IS NULL),"
            f" MAX(removed), {_removed(DURATION_SQL)}, {_removed(REMOVAL_US_SQL)}"
            f" FROM ({_notices_of(span)}) AS n GROUP BY 1, 2",
            span_params * 2,
        )
        many = cursor.rowcount >= ANALYZED_DAYS
        for statement in keep_blocks(span):
            cursor.execute(statement, span_params)
        if many:  # the planner counts them now, not when autovacuum comes by
            cursor.execute("ANALYZE scoring_noticeday, scoring_noticeblock")
        # Cleared where the version is still the one read; a row a writer holds is skipped, not waited for (the
        # writer moves its version anyway), so a refresh never waits on a writer while holding rows it may want.
        cursor.execute(
            "UPDATE scoring_noticehoster h SET changed_from = NULL, changed_to = NULL FROM ("
            " SELECT hoster_key FROM scoring_noticehoster WHERE (hoster_key, version) IN"
            " (SELECT * FROM unnest(%s::bigint[], %s::bigint[])) FOR UPDATE SKIP LOCKED) AS x"
            " WHERE h.hoster_key = x.hoster_key",
            columns[:2],
        )
    return len(marked)


def _removed(value: str) -> str:
    """SQL of the array of `value` over a day's removed notices, in no order (the figures select their ranks,
    `quantiles`; both arrays of a day follow the same one). Unordered aggregates let the server hash the days
    instead of sorting a million notices by day and each day's twice: a refresh of 1M notices took 2.1-2.5 s
    ordered, 1.5 s not."""
    return f"COALESCE(ARRAY_AGG({value}) FILTER (WHERE removed IS NOT NULL), '{{}}')"


def vacuum() -> None:
    """The notices and their kept days vacuumed and analysed (the worker's, after an import): an import's rows are
    neither counted by the planner nor known to be visible to all, so every read of them would visit the table (a
    refresh after an import of 1M notices took 4.3 s without, 2.2 s with; the figures of all hosters after one of
    10M, 8.2 s without the vacuum, 5.2 s with), and the days it kept again leave the old ones dead in the table.
    Within a transaction (the tests') only analysed."""
    tables = "scoring_notice, scoring_noticeday, scoring_noticeblock"
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}" if connection.in_atomic_block else f"VACUUM ANALYZE {tables}")


@contextmanager
def kept_by_load(days: LoadDays) -> Iterator[None]:
    """For a fast load that rebuilds the notices' indexes (`staging.Staging.load_direct`): the marking trigger
    dropped for its COPY, and the days of its rows, which it gathers on its way (`load_days`), kept at the end.

    The trigger would keep every row such a load writes in a tuple store (5M rows inserted by one statement took 16 s
    with it, 8.4 s without) and leave every day it touched to the worker, read from the notices until then. The
    load's days are added to the kept ones (a day also kept already: counts added, durations merged), and each of
    its hosters gets a new version; a marked span stays marked. The load holds the notices alone until it commits,
    so no other writer comes between; the refresh lock is taken first, as `refresh` takes it before the notices.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK])
            cursor.execute("DROP TRIGGER scoring_notice_days_inserted ON scoring_notice")
        yield
        with connection.cursor() as cursor:
            cursor.execute("SELECT EXISTS (SELECT 1 FROM scoring_noticeday)")
            merged = cursor.fetchone()[0]
            target = "scoring_noticeday_load" if merged else "scoring_noticeday"
            if merged:
                cursor.execute(f"CREATE TEMPORARY TABLE {target} (LIKE scoring_noticeday INCLUDING STORAGE)")
            with cursor.cursor.copy(f"COPY {target} ({DAY_COLUMNS}) FROM STDIN (FORMAT BINARY)") as copy:
                for chunk in days.copy_stream():
                    copy.write(chunk)
            if merged:
                cursor.execute(
                    f"INSERT INTO scoring_noticeday AS d SELECT * FROM {target}"  # noqa: S608 - constants only
                    " ON CONFLICT (hoster_key, day) DO UPDATE SET notices = d.notices + EXCLUDED.notices,"
                    " open = d.open + EXCLUDED.open, removed_max = GREATEST(d.removed_max, EXCLUDED.removed_max),"
                    " durations = d.durations || EXCLUDED.durations, removals = d.removals || EXCLUDED.removals"
                )
            loaded = f"(SELECT hoster_key, MIN(day) AS first_day, MAX(day) AS last_day FROM {target} GROUP BY 1) AS x"  # noqa: S608
            for statement in keep_blocks(loaded):
                cursor.execute(statement)
            cursor.execute(
                "INSERT INTO scoring_noticehoster AS h (hoster_key, version)"  # noqa: S608 - constants only
                f" SELECT hoster_key, nextval('scoring_noticehoster_version') FROM (SELECT DISTINCT hoster_key"
                f" FROM {target}) AS k ON CONFLICT (hoster_key) DO UPDATE SET version = EXCLUDED.version"
            )
            if merged:
                cursor.execute(f"DROP TABLE {target}")
            cursor.execute(MARK_INSERTED)
            # The planner's counts at once: the figures of all hosters after a load of 10M took 16 s without,
            # 8 s with (0.5 s to analyse); the worker vacuums after the commit (`vacuum`).
            cursor.execute("ANALYZE scoring_notice, scoring_noticeday, scoring_noticeblock")
    finally:
        days.close()


def ready(hosters: list[int | None] | None, date_from: datetime, date_to: datetime) -> bool:
    """Whether the kept days answer for `hosters` (None: all; None among them: the unattributed) in the period:
    they were kept in the portal's time zone, and no marked span covers more than half the period. Marked days
    are computed first when they are few (`READER_DAYS`); a longer span is the worker's, and until it ran `query`
    reads that span's notices and takes every other day from its kept figures. Reading most of a period's notices
    span by span costs more than the plain way's one pass over them all (10M notices all marked: 7.7 s against
    4.5 s for the largest hoster's figures page), so then the figures come the plain way."""
    keys = _keys(hosters)
    refresh(keys, days_max=READER_DAYS)
    first_day, end_day = timezone.localtime(date_from).date(), timezone.localtime(date_to).date()
    only = "" if keys is None else "AND hoster_key = ANY(%(keys)s)"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT scoring_notice_days_zone() = %(zone)s AND NOT EXISTS (SELECT 1 FROM scoring_noticehoster"  # noqa: S608
            f" WHERE changed_from IS NOT NULL {only} AND 2 * (LEAST(scoring_notice_day(changed_to), %(last_day)s)"
            " - GREATEST(scoring_notice_day(changed_from), %(first_day)s) + 1) > %(end_day)s - %(first_day)s)",
            {
                "zone": settings.TIME_ZONE,
                "keys": keys,
                "first_day": first_day,
                "last_day": end_day - timedelta(days=1),
                "end_day": end_day,
            },
        )
        return bool(cursor.fetchone()[0])


def _notices_of(days: str, *, ranged: bool = False) -> str:
    """The counted notices (key, report, counted removal) of the hosters and days of `days` (a FROM item with
    `hoster_key`, `first_day` and `last_day`): the attributed ones and the unattributed ones (key 0) by their
    own index each.

    `ranged` (a reader's few unknown days): each hoster's span read by its own range of the index, whatever the
    planner estimates. Joined freely, it estimated millions of notices for a few hundred hoster-days (4.2M for
    464 over 10M notices), which may tip it to a scan of all notices. A refresh of many spans joins freely."""
    within = (
        "n.reported_at >= scoring_notice_day_start(x.first_day)"
        " AND n.reported_at < scoring_notice_day_start(x.last_day + 1) AND n.excluded = false"
    )
    removal = "COALESCE(n.corrected_removed_at, n.removed_at)"
    attributed = f"n.hoster_id = x.hoster_key AND {within}"
    unattributed = f"x.hoster_key = {UNATTRIBUTED} AND n.hoster_id IS NULL AND {within}"
    if ranged:  # OFFSET 0: the lateral subquery stays one, looked up for each span, never flattened into a join
        return (
            f"SELECT x.hoster_key, n.reported_at, n.removed FROM {days} CROSS JOIN LATERAL ("  # noqa: S608 - constants
            f"SELECT n.reported_at, {removal} AS removed FROM scoring_notice n WHERE {attributed}"
            f" UNION ALL SELECT n.reported_at, {removal} FROM scoring_notice n WHERE {unattributed} OFFSET 0) AS n"
        )
    return (
        f"SELECT x.hoster_key, n.reported_at, {removal} AS removed FROM {days}"  # noqa: S608 - constants only
        f" JOIN scoring_notice n ON {attributed}"
        f" UNION ALL SELECT x.hoster_key, n.reported_at, {removal} FROM {days} JOIN scoring_notice n ON {unattributed}"
    )


def query(
    date_from: datetime,
    date_to: datetime,
    as_of: datetime,
    norm_hours: float,
    hosters: list[int | None] | None,
    week_starts: list[datetime] | None,
    *,
    quantiles: bool,
) -> dict[Any, tuple[Any, ...]]:
    """The raw figures of `metrics._query_aggregate` per hoster (`week_starts` None; None is unattributed) or per
    week (the index in `week_starts`, one hoster), for `hosters` (None: all)."""
    keys = _keys(hosters)
    adapt = connection.ops.adapt_datetimefield_value
    first_day, end_day = timezone.localtime(date_from).date(), timezone.localtime(date_to).date()
    # Every notice of a day before this one was reported more than the norm before the cut-off: none is pending.
    settled_before: date = timezone.localtime(as_of - timedelta(hours=float(norm_hours))).date()
    norm_seconds = Decimal(str(norm_hours)) * 3600
    key_filter = "" if keys is None else "AND hoster_key = ANY(%(keys)s)"
    kept_filter = "" if keys is None else "d.hoster_key = ANY(%(keys)s) AND"
    # Whole blocks of the period before the day `settled_before` (their days all settled): read as one row each
    # when no mark touches them and none of their removals came after the cut-off; only for figures by hoster.
    first_block = -((_BLOCK_EPOCH - first_day).days // BLOCK_DAYS)
    last_block = (min(end_day, settled_before) - _BLOCK_EPOCH).days // BLOCK_DAYS - 1
    if week_starts is not None:
        first_block, last_block = 0, -1
    block_filter = "" if keys is None else "b.hoster_key = ANY(%(keys)s) AND"
    if week_starts is None:
        notice_key, day_key = "hoster_key", "hoster_key"
    else:
        notice_key = "width_bucket(reported_at, %(starts)s::timestamptz[]) - 1"
        day_key = "width_bucket(scoring_notice_day_start(day), %(starts)s::timestamptz[]) - 1"
    # The parts of every key (`quantiles`): the notices read one by one, and the final kept days.
    parts = f"""
        SELECT k, SUM(notices)::bigint AS notices, SUM(still_open)::bigint AS still_open,
               SUM(open_over)::bigint AS open_over, SUM(pending)::bigint AS pending,
               string_agg({KEPT_SQL.format("durations")}, ''::bytea) FILTER (WHERE NOT late) AS kept,
               string_agg(float8send(d), ''::bytea) AS loose,
               string_agg({KEPT_SQL.format("durations")}, ''::bytea) FILTER (WHERE late) AS late,
               string_agg({KEPT_SQL.format("removals")}, ''::bytea) FILTER (WHERE late) AS late_removals,
               SUM(finite) AS finite
        FROM (  -- the arrays' bytes made where they are gathered, not before the rows are grouped
            SELECT k, {TIME_PART_SQL.format("reported_at")} AS part, 1 AS notices,
                   (d IS NULL)::int AS still_open, (d IS NULL AND pending = 0)::int AS open_over, pending,
                   NULL::float8[] AS durations, NULL::bigint[] AS removals, false AS late, d,
                   (d IS NOT NULL)::int AS finite
            FROM base
            UNION ALL
            SELECT k, {DAY_PART_SQL.format("day")}, notices, open, open, 0, durations, removals, late, NULL,
                   notices - open
            FROM final
        ) AS f GROUP BY k, part
        UNION ALL  -- a block is a part of its own
        SELECT hoster_key, notices, open, open, 0, durations, NULL, NULL, NULL, notices - open FROM blocks WHERE used
    """  # noqa: S608 - only constants are formatted in
    sql = f"""
        WITH marked AS (
            SELECT hoster_key, scoring_notice_day(changed_from) AS first_day, scoring_notice_day(changed_to) AS last_day
            FROM scoring_noticehoster WHERE changed_from IS NOT NULL {key_filter}
        ), blocks AS (  -- the whole settled blocks of the period; `used` when no mark touches them, none late
            SELECT b.hoster_key, b.block, b.notices::bigint AS notices, b.open::bigint AS open, b.durations,
                   m.hoster_key IS NULL AND (b.removed_max IS NULL OR b.removed_max <= %(as_of)s) AS used
            FROM scoring_noticeblock b
            LEFT JOIN marked m ON m.hoster_key = b.hoster_key AND m.first_day < {BLOCK_START_SQL.format("b.block + 1")}
                 AND m.last_day >= {BLOCK_START_SQL.format("b.block")}
            WHERE {block_filter} b.block BETWEEN %(first_block)s AND %(last_block)s
        ), kept AS NOT MATERIALIZED (  -- a hoster has one mark at most: joined by hash, not looked up for every day
            SELECT d.hoster_key, d.day, d.notices, d.open, d.durations, d.removals, m.hoster_key IS NULL AS unmarked,
                   d.day < %(settled_before)s AS settled, d.removed_max > %(as_of)s AS late
            FROM (  -- the days outside the blocks, and those of the blocks not used (every kept day has its block)
                SELECT d.* FROM scoring_noticeday d WHERE {kept_filter} d.day >= %(first_day)s
                       AND d.day < %(end_day)s AND (d.day < %(blocks_from)s OR d.day >= %(blocks_to)s)
                UNION ALL
                SELECT d.* FROM blocks u JOIN scoring_noticeday d ON d.hoster_key = u.hoster_key
                       AND d.day >= {BLOCK_START_SQL.format("u.block")}
                       AND d.day < {BLOCK_START_SQL.format("u.block + 1")}
                WHERE NOT u.used
            ) AS d
            LEFT JOIN marked m ON m.hoster_key = d.hoster_key AND d.day BETWEEN m.first_day AND m.last_day
        ), unknown AS (
            SELECT hoster_key, GREATEST(first_day, %(first_day)s) AS first_day,
                   LEAST(last_day, %(last_day)s) AS last_day
            FROM marked
            UNION ALL  -- `kept` read twice rather than kept in memory: its days are many, the unsettled few
            SELECT hoster_key, day, day FROM kept WHERE unmarked AND NOT settled
        ), base AS (
            SELECT {notice_key} AS k, reported_at,
                   CASE WHEN removed IS NOT NULL AND removed <= %(as_of)s
                        THEN date_part('epoch', removed - reported_at) END AS d,
                   CASE WHEN removed IS NOT NULL AND removed <= %(as_of)s THEN 0
                        WHEN reported_at >= %(due_from)s THEN 1 ELSE 0 END AS pending
            FROM ({_notices_of("unknown x", ranged=True)}) AS n OFFSET 0
        ), final AS (
            SELECT {day_key} AS k, day, notices, open, durations, COALESCE(late, false) AS late,
                   CASE WHEN late THEN removals END AS removals  -- only a late day's are read
            FROM kept WHERE unmarked AND settled
        )
        {parts_sql(parts)}
    """  # noqa: S608 - only constants are formatted in
    params = {
        "keys": keys,
        "starts": [adapt(start) for start in week_starts or []],
        "settled_before": settled_before,
        "as_of": adapt(as_of),
        "due_from": adapt(as_of - timedelta(hours=float(norm_hours))),
        "first_day": first_day,
        "end_day": end_day,
        "last_day": end_day - timedelta(days=1),
        "first_block": first_block,
        "last_block": last_block,
        "blocks_from": _BLOCK_EPOCH + timedelta(days=BLOCK_DAYS * first_block)
        if first_block <= last_block
        else end_day,
        "blocks_to": _BLOCK_EPOCH + timedelta(days=BLOCK_DAYS * (last_block + 1))
        if first_block <= last_block
        else end_day,
    }
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '256MB'")
            # Compiling the query costs more than it saves (0.2-0.5 s over a million notices): the planner's
            # estimate of the notices of the unknown days, joined by hoster and day, is far too high.
            cursor.execute("SET LOCAL jit = off")
        cut_off_us = (as_of - _UNIX_EPOCH) // timedelta(microseconds=1)
        rows = list(
            figure_rows(sql, params, norm_seconds=float(norm_seconds), quantiles=quantiles, cut_off_us=cut_off_us)
        )
    key = _hoster if week_starts is None else int
    return {key(row[0]): row[1:] for row in rows if row[1]}


def totals(date_from: datetime, date_to: datetime, week_starts: list[datetime] | None) -> dict[Any, int]:
    """All counted notices of the period (attributed or not) in one row keyed 0, or per week: what a share is a part
    of, from the kept days where they are known and from the notices of the marked days."""
    adapt = connection.ops.adapt_datetimefield_value
    first_day, end_day = timezone.localtime(date_from).date(), timezone.localtime(date_to).date()
    if week_starts is None:
        notice_key = day_key = "0"
    else:
        notice_key = "width_bucket(reported_at, %(starts)s::timestamptz[]) - 1"
        day_key = "width_bucket(scoring_notice_day_start(day), %(starts)s::timestamptz[]) - 1"
    sql = f"""
        WITH marked AS (
            SELECT hoster_key, GREATEST(scoring_notice_day(changed_from), %(first_day)s) AS first_day,
                   LEAST(scoring_notice_day(changed_to), %(last_day)s) AS last_day
            FROM scoring_noticehoster WHERE changed_from IS NOT NULL
        )
        SELECT k, SUM(notices) FROM (
            SELECT {day_key} AS k, d.notices FROM scoring_noticeday d
            WHERE d.day >= %(first_day)s AND d.day < %(end_day)s AND NOT EXISTS (
                SELECT 1 FROM marked m WHERE m.hoster_key = d.hoster_key AND d.day BETWEEN m.first_day AND m.last_day)
            UNION ALL
            SELECT {notice_key}, 1 FROM ({_notices_of("marked x", ranged=True)}) AS n
        ) AS counted GROUP BY k
    """  # noqa: S608 - only constants are formatted in
    params: dict[str, Any] = {
        "starts": [adapt(start) for start in week_starts or []],
        "first_day": first_day,
        "end_day": end_day,
        "last_day": end_day - timedelta(days=1),
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0]: int(row[1]) for row in cursor.fetchall()}
