"""The kept day figures of the notices (migration 0017, PostgreSQL only; `scoring.measurement.notice_days`).

`scoring_noticeday` holds, per hoster (0: unattributed) and day of the portal's time zone, what the figures need
of that day's counted notices: how many, how many open, the latest removal and the removal durations (and,
since migration 0019, each removal's instant beside its duration, in microseconds since 1970).
Statements never compute it (an import and a re-attribution do before they commit, `notice_days.settle`, and a
big fast import keeps its own, `notice_days.kept_by_load`): after every statement that
writes notices, a trigger marks the hosters it touched as changed (`scoring_noticehoster`: a new version from a
sequence, and the span of report times written, widened until a reader refreshes those days). Readers treat the days of a marked span as unknown and read those notices
themselves, so a figure never depends on a refresh having run. The loader skips this module (its name starts
with an underscore): it is no migration.
"""

from django.conf import settings

ZONE = settings.TIME_ZONE.replace("'", "")


def _mark(rows: str) -> str:
    """Mark the hosters of `rows` (a FROM item with `hoster_id` and `reported_at`) as changed: a new version each,
    and their span of report times widened to cover the rows."""
    return f"""INSERT INTO scoring_noticehoster AS h (hoster_key, version, changed_from, changed_to)
            SELECT COALESCE(hoster_id, 0), nextval('scoring_noticehoster_version'), MIN(reported_at), MAX(reported_at)
            FROM {rows} GROUP BY 1
            ON CONFLICT (hoster_key) DO UPDATE SET version = EXCLUDED.version,
                changed_from = LEAST(h.changed_from, EXCLUDED.changed_from),
                changed_to = GREATEST(h.changed_to, EXCLUDED.changed_to)"""  # noqa: S608 - constants only


# Blocks (migration 0020): each hoster's kept days gathered by 32 days from 1 January 2000 (the kept figures' parts,
# `quantiles.PART_DAYS`), with the bytes of their durations as the figures' queries send them (`KEPT_SQL`), in no
# particular order. A period's figures read a block instead of its days
# when every one of them counts whole and settled; a writer of days writes the blocks over them too.
BLOCK_DAYS = 32
BLOCK_SQL = f"floor((({{}}) - DATE '2000-01-01') / {BLOCK_DAYS:d}::float8)::integer"  # the block of a date
BLOCK_START_SQL = f"(DATE '2000-01-01' + {BLOCK_DAYS:d} * ({{}}))"  # the first day of a block
# A float8[]'s elements as `array_send` writes them, without its 20-byte header (dimensions, flags, element type,
# length, lower bound): the bytes the figures' queries send and the blocks keep.
KEPT_SQL = "substring(array_send({}) FROM 21)"


def keep_blocks(span: str) -> list[str]:
    """The statements that compute the blocks over the days of `span` (a FROM item `x` with `hoster_key`,
    `first_day` and `last_day`, parameters used once by each) again from the kept days."""
    first, last = BLOCK_SQL.format("x.first_day"), BLOCK_SQL.format("x.last_day")
    return [
        f"DELETE FROM scoring_noticeblock b USING {span}"  # noqa: S608 - constants only
        f" WHERE b.hoster_key = x.hoster_key AND b.block BETWEEN {first} AND {last}",
        "INSERT INTO scoring_noticeblock (hoster_key, block, notices, open, removed_max, durations)"
        f" SELECT d.hoster_key, {BLOCK_SQL.format('d.day')}, SUM(d.notices), SUM(d.open), MAX(d.removed_max),"
        f" string_agg({KEPT_SQL.format('d.durations')}, ''::bytea)"
        f" FROM {span} JOIN scoring_noticeday d ON d.hoster_key = x.hoster_key"
        f" AND d.day >= {BLOCK_START_SQL.format(first)} AND d.day < {BLOCK_START_SQL.format(last + ' + 1')}"
        " GROUP BY 1, 2",
    ]


def _truncated(tables: str) -> str:
    return f"""CREATE OR REPLACE FUNCTION scoring_notice_days_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        TRUNCATE {tables};
        RETURN NULL;
    END $$"""


BLOCKS = [
    """CREATE TABLE scoring_noticeblock (
        hoster_key bigint NOT NULL, block integer NOT NULL, notices integer NOT NULL, open integer NOT NULL,
        removed_max timestamptz, durations bytea NOT NULL, PRIMARY KEY (hoster_key, block))""",
    "ALTER TABLE scoring_noticeblock ALTER COLUMN durations SET STORAGE EXTERNAL",  # floats hardly compress
    # The days at a period's ends, of all hosters, without reading the days between (those of its blocks).
    "CREATE INDEX scoring_noticeday_day ON scoring_noticeday (day)",
    _truncated("scoring_noticeday, scoring_noticeblock, scoring_noticehoster"),
    *keep_blocks(
        "(SELECT hoster_key, MIN(day) AS first_day, MAX(day) AS last_day FROM scoring_noticeday GROUP BY 1) AS x"
    ),
]
BLOCKS_REVERSE = [
    _truncated("scoring_noticeday, scoring_noticehoster"),
    "DROP INDEX scoring_noticeday_day",
    "DROP TABLE scoring_noticeblock",
]


def mark_all() -> str:
    """Mark every hoster's notices as changed (after the kept days were emptied: all of them are to be computed)."""
    return _mark("scoring_notice")


# The trigger after inserts. A fast load big enough to rebuild the notices' indexes drops it for its COPY and keeps
# the days of its rows itself (`notice_days.kept_by_load`): the trigger would collect every row it writes.
MARK_INSERTED = """CREATE TRIGGER scoring_notice_days_inserted AFTER INSERT ON scoring_notice
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION scoring_notice_days_changed()"""

# Both sides of an update: a notice moved to another hoster or day changes both.
_UPDATED = (
    "(SELECT hoster_id, reported_at FROM old_rows UNION ALL SELECT hoster_id, reported_at FROM new_rows) AS written"
)

POSTGRESQL = [
    f"""CREATE FUNCTION scoring_notice_day(moment timestamptz) RETURNS date LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT (moment AT TIME ZONE '{ZONE}')::date $$""",
    f"""CREATE FUNCTION scoring_notice_day_start(day date) RETURNS timestamptz LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT day::timestamp AT TIME ZONE '{ZONE}' $$""",
    f"""CREATE FUNCTION scoring_notice_days_zone() RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT text '{ZONE}' $$""",
    """CREATE TABLE scoring_noticeday (
        hoster_key bigint NOT NULL, day date NOT NULL, notices integer NOT NULL, open integer NOT NULL,
        removed_max timestamptz, durations float8[] NOT NULL, PRIMARY KEY (hoster_key, day))""",
    "CREATE SEQUENCE scoring_noticehoster_version",
    """CREATE TABLE scoring_noticehoster (
        hoster_key bigint PRIMARY KEY, version bigint NOT NULL, changed_from timestamptz, changed_to timestamptz)""",
    # Once per statement, over the rows it wrote (both sides of an update): one row per hoster touched.
    f"""CREATE FUNCTION scoring_notice_days_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            {_mark("new_rows")};
        ELSIF TG_OP = 'UPDATE' THEN
            {_mark(_UPDATED)};
        ELSE
            {_mark("old_rows")};
        END IF;
        RETURN NULL;
    END $$""",
    MARK_INSERTED,
    """CREATE TRIGGER scoring_notice_days_updated AFTER UPDATE ON scoring_notice
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION scoring_notice_days_changed()""",
    """CREATE TRIGGER scoring_notice_days_deleted AFTER DELETE ON scoring_notice REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION scoring_notice_days_changed()""",
    """CREATE FUNCTION scoring_notice_days_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        TRUNCATE scoring_noticeday, scoring_noticehoster;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER scoring_notice_days_truncated AFTER TRUNCATE ON scoring_notice
    FOR EACH STATEMENT EXECUTE FUNCTION scoring_notice_days_truncated()""",
    # The notices already stored: every hoster's whole span is unknown until a reader refreshes it.
    _mark("scoring_notice"),
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER scoring_notice_days_truncated ON scoring_notice",
    "DROP FUNCTION scoring_notice_days_truncated()",
    "DROP TRIGGER scoring_notice_days_deleted ON scoring_notice",
    "DROP TRIGGER scoring_notice_days_updated ON scoring_notice",
    "DROP TRIGGER scoring_notice_days_inserted ON scoring_notice",
    "DROP FUNCTION scoring_notice_days_changed()",
    "DROP TABLE scoring_noticehoster",
    "DROP SEQUENCE scoring_noticehoster_version",
    "DROP TABLE scoring_noticeday",
    "DROP FUNCTION scoring_notice_days_zone()",
    "DROP FUNCTION scoring_notice_day_start(date)",
    "DROP FUNCTION scoring_notice_day(timestamptz)",
]
