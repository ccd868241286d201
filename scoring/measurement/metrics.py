"""Takedown metrics exactly as DESIGN §4.2, computed in the database with one aggregate query per call.

A notice still open at the cut-off but not yet past the norm is `pending`: not yet due, so it is counted in
`notices`, `share_pct` and `open` and left out of every rate, bucket and quantile (those are over the `due` notices).

The norm is the caller's to give (the scoring model in force names it; this stage does not know the models);
only the fixed buckets (within 24 hours, 24 to 48 hours, later or open) are the same under every norm.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import Hoster
from portal.refusals import Refusal
from scoring.measurement import figure_cache, notice_days
from scoring.measurement.quantiles import FIRST_BUCKET_HOURS, SECOND_BUCKET_HOURS, figure_rows, parts_sql
from scoring.measurement.rows import EARLIEST

# The keys of one row, in the order the command and the CSV export print them.
METRIC_KEYS = (
    "hoster",
    "notices",
    "share_pct",
    "within_norm",
    "within_norm_pct",
    "within_24h",
    "between_24_48h",
    "over_48h_or_open",
    "median_hours",
    "p90_hours",
    "open",
    "open_over_norm",
    # Last, so the columns before them keep their places in the CSV files clients already read.
    "pending",
    "due",
)
_TWO_PLACES = Decimal("0.01")
# One row of figures, keyed by METRIC_KEYS (and `week_start` in `weekly_metrics`).
MetricsRow = dict[str, Any]
# The days a period may start, end or be cut off on: from the earliest notice to a far future. Near year 1 or
# 9999 a time zone or a norm would move a moment out of Python's calendar.
FIRST_DAY, LAST_DAY = EARLIEST.date(), date(2100, 1, 1)
NORM_HOURS_MAX = 720  # the longest norm figures are asked for: thirty days
# The removal time every figure counts: the one an accepted removal-time dispute corrected, else the measured one
# (`Notice.counted_removed_at`; the original stays stored beside it).
COUNTED_REMOVAL_SQL = "COALESCE(corrected_removed_at, removed_at)"


class DateOutOfRange(Refusal):
    """A period's date lies outside FIRST_DAY to LAST_DAY."""


def check_metric_date(value: date | datetime | None) -> None:
    """Raise `DateOutOfRange` unless `value` (None: not given) lies from FIRST_DAY to LAST_DAY."""
    if value is None:
        return
    day = value.date() if isinstance(value, datetime) else value
    if not FIRST_DAY <= day <= LAST_DAY:
        message = _("Choose a date from %(first)s to %(last)s.")
        raise DateOutOfRange(message % {"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()})


def as_datetime(value: date | datetime | str) -> datetime:
    """A date is the start of that day; a naive value is read in the portal's time zone; text is ISO 8601."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value or " " in value else date.fromisoformat(value)
    if not isinstance(value, datetime):
        value = datetime.combine(value, time.min)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _round(value: Decimal | float | int | None) -> float | None:
    if value is None:
        return None
    return float(Decimal(str(value)).quantize(_TWO_PLACES, rounding=ROUND_HALF_UP))


def _pct(part: int, whole: int) -> float | None:
    return _round(Decimal(100 * part) / Decimal(whole)) if whole else None


def _hours(seconds: Decimal | float | None) -> float | None:
    return None if seconds is None else _round(Decimal(str(seconds)) / Decimal(3600))


def _duration_sql() -> str:
    """Seconds from report to the counted removal: a float8 to the microsecond on PostgreSQL (sorts much faster
    than the numeric of EXTRACT), to the millisecond on SQLite."""
    if connection.vendor == "postgresql":
        return "date_part('epoch', removed_at - reported_at)"
    return "ROUND((julianday(removed_at) - julianday(reported_at)) * 86400.0, 3)"


def _empty_row(slug: str | None) -> MetricsRow:
    return {
        "hoster": slug,
        "notices": 0,
        "share_pct": None,
        "within_norm": 0,
        "within_norm_pct": None,
        "within_24h": 0,
        "between_24_48h": 0,
        "over_48h_or_open": 0,
        "median_hours": None,
        "p90_hours": None,
        "open": 0,
        "open_over_norm": 0,
        "pending": 0,
        "due": 0,
    }


def _week_key(starts: Sequence[datetime]) -> tuple[str, list[Any]]:
    """SQL numbering a notice's week (0, 1, …) by the weeks' starts, and its parameters."""
    adapt = connection.ops.adapt_datetimefield_value
    if connection.vendor == "postgresql":  # a binary search in the sorted starts
        return "width_bucket(reported_at, %s::timestamptz[]) - 1", [[adapt(start) for start in starts]]
    if len(starts) == 1:
        return "0", []
    whens = " ".join(f"WHEN reported_at < %s THEN {index:d}" for index in range(len(starts) - 1))
    return f"CASE {whens} ELSE {len(starts) - 1:d} END", [adapt(start) for start in starts[1:]]


def _aggregate(
    date_from: datetime,
    date_to: datetime,
    as_of: datetime,
    norm_hours: float,
    hoster_id: int | None,
    key: tuple[str, list[Any]] = ("hoster_id", []),
    *,
    quantiles: bool = True,
) -> dict[Any, tuple[Any, ...]]:
    """The figures' raw values per `key` (SQL and its parameters: by hoster, or by week), from the data version's
    cache when an earlier call asked the same (`figure_cache`); without `quantiles`, no median and P90."""
    params: tuple[Any, ...] = (date_from, date_to, as_of, norm_hours, hoster_id, key)
    if hoster_id is None and key[0] == "hoster_id" and notice_days.available(date_from, date_to):
        return _aggregate_by_hoster(date_from, date_to, as_of, norm_hours, quantiles=quantiles)
    return figure_cache.cached(
        "aggregate", (*params, quantiles), lambda: _query_aggregate(*params, quantiles=quantiles)
    )


def _aggregate_by_hoster(
    date_from: datetime, date_to: datetime, as_of: datetime, norm_hours: float, *, quantiles: bool
) -> dict[Any, tuple[Any, ...]]:
    """Every hoster's raw figures, kept with the version each was computed under (`notice_days.versions`): after a
    change only the hosters whose notices it wrote are computed again (PostgreSQL, whole days)."""
    name = figure_cache.cache_key("by hoster", (date_from, date_to, as_of, norm_hours, quantiles))
    kept: dict[int | None, tuple[int, tuple[Any, ...]]] = cache.get(name) or {}
    versions = notice_days.versions()
    missing = [hoster_id for hoster_id, version in versions.items() if kept.get(hoster_id, (None,))[0] != version]
    if missing:
        asked = None if len(missing) == len(versions) else missing  # all: not named one by one
        computed = _query_aggregate(date_from, date_to, as_of, norm_hours, None, quantiles=quantiles, keys=asked)
        kept = {hoster_id: kept[hoster_id] for hoster_id in versions if hoster_id in kept}
        kept.update((hoster_id, (versions[hoster_id], computed.get(hoster_id, ()))) for hoster_id in missing)
        cache.set(name, kept, figure_cache.TIMEOUT)
    return {hoster_id: values for hoster_id, (_, values) in kept.items() if values}


def _query_aggregate(
    date_from: datetime,
    date_to: datetime,
    as_of: datetime,
    norm_hours: float,
    hoster_id: int | None,
    key: tuple[str, list[Any]] = ("hoster_id", []),
    figures_sql: str | None = None,
    *,
    quantiles: bool = True,
    keys: list[int | None] | None = None,
) -> dict[Any, tuple[Any, ...]]:
    """The aggregate itself; `figures_sql` is the way to the figures (by default the fastest for the database:
    on PostgreSQL, for whole days, from the kept days of `notice_days`, for the hosters `keys` when given, None
    for the unattributed; else from the notices). Without `quantiles` the median and P90 are None."""
    asked: list[int | None] | None = keys if keys is not None or hoster_id is None else [hoster_id]
    kept = figures_sql is None and notice_days.available(date_from, date_to)
    if kept and notice_days.ready(asked, date_from, date_to):
        starts = None if key[0] == "hoster_id" else key[1][0]
        return notice_days.query(date_from, date_to, as_of, norm_hours, asked, starts, quantiles=quantiles)
    adapt = connection.ops.adapt_datetimefield_value
    norm_seconds = Decimal(str(norm_hours)) * 3600
    hoster_filter = "AND hoster_id = %s" if hoster_id is not None else ""
    # OFFSET 0 keeps PostgreSQL from inlining `base` into the figures, which would compute a notice's duration
    # once for every figure that reads it.
    fence = "OFFSET 0" if connection.vendor == "postgresql" else ""
    key_sql, key_params = key
    measured = f"""
        WITH counted AS (
            SELECT {key_sql} AS k, reported_at, {COUNTED_REMOVAL_SQL} AS removed_at
            FROM scoring_notice
            WHERE excluded = %s AND reported_at >= %s AND reported_at < %s {hoster_filter}
        ), base AS (
            SELECT k, reported_at,
                   CASE WHEN removed_at IS NOT NULL AND removed_at <= %s THEN {_duration_sql()} END AS d,
                   -- Pending: open at the cut-off and reported at most the norm before it (not yet due).
                   CASE WHEN removed_at IS NOT NULL AND removed_at <= %s THEN 0
                        WHEN reported_at >= %s THEN 1 ELSE 0 END AS pending
            FROM counted {fence}
        )
    """  # noqa: S608 - only constants are formatted in
    picks = figures_sql is None and connection.vendor == "postgresql"
    if picks:
        figures_sql = _picked_figures_sql()
    figures = figures_sql or RANKED_FIGURES_SQL
    params: list[Any] = [*key_params, False, adapt(date_from), adapt(date_to)]
    if hoster_id is not None:
        params.append(hoster_id)
    not_yet_due_from = adapt(as_of - timedelta(hours=float(norm_hours)))
    params += [adapt(as_of), adapt(as_of), not_yet_due_from]
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL work_mem = '256MB'")
        if picks:
            sql, norm = measured + figures, float(norm_seconds)
            rows = {row[0]: row[1:] for row in figure_rows(sql, params, norm_seconds=norm, quantiles=quantiles)}
        else:
            params.append(norm_seconds if connection.vendor == "postgresql" else float(norm_seconds))
            cursor.execute(measured + figures, params)
            rows = {row[0]: row[1:] for row in cursor.fetchall()}
    if not quantiles:  # the portable way ranks anyway: the same answer on every database
        rows = {k: (*values[:6], None, None, *values[8:]) for k, values in rows.items()}
    return rows


# The figures from the measured notices (`base`: key, duration `d` in seconds or NULL when open at the cut-off,
# `pending`), in the order `_row` reads them. The median and P90 are the due notices' values at ranks (n + 1) / 2
# and (9n + 9) / 10 with open ones (d NULL, +inf) last. Two ways, equal to the cent (a property test holds them so):
# this portable one ranks every notice with window functions and is the reference; PostgreSQL's sends each key's
# due durations as bytes, from which the two ranks are selected without any sort (`quantiles`).
RANKED_FIGURES_SQL = f"""
    , ranked AS (
        SELECT k, reported_at, d, pending,
               ROW_NUMBER() OVER w AS rn, COUNT(*) OVER w AS n
        FROM base
        -- One sort and one window pass: the due notices of a hoster (or week) form their own partition (the
        -- quantiles' ranks count only them), open ones (d NULL = +inf) last; the frame is the whole partition.
        WINDOW w AS (PARTITION BY k, pending ORDER BY d NULLS LAST
                     ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
    )
    SELECT k,
           COUNT(*),
           SUM(CASE WHEN d <= %s THEN 1 ELSE 0 END),
           SUM(CASE WHEN d <= {FIRST_BUCKET_HOURS * 3600} THEN 1 ELSE 0 END),
           SUM(CASE WHEN d > {FIRST_BUCKET_HOURS * 3600} AND d <= {SECOND_BUCKET_HOURS * 3600} THEN 1 ELSE 0 END),
           SUM(CASE WHEN d IS NULL THEN 1 ELSE 0 END),
           SUM(CASE WHEN d IS NULL AND pending = 0 THEN 1 ELSE 0 END),
           MAX(CASE WHEN pending = 0 AND rn = (n + 1) / 2 THEN d END),
           MAX(CASE WHEN pending = 0 AND rn = (9 * n + 9) / 10 THEN d END),
           SUM(pending)
    FROM ranked
    GROUP BY k
"""  # noqa: S608 - only constants are formatted in


def _picked_figures_sql() -> str:
    """PostgreSQL's way: the counts by duration and the quantiles come from the durations, which leave as bytes
    (`quantiles.figure_rows`), in one part per key: parts of a few days each, as the kept days have them, would be
    grouped by a sort of every notice (the planner takes each part for a handful of notices)."""
    return parts_sql("""
        SELECT k, COUNT(*) AS notices, COUNT(*) FILTER (WHERE d IS NULL) AS still_open,
               COUNT(*) FILTER (WHERE d IS NULL AND pending = 0) AS open_over,
               COUNT(*) FILTER (WHERE pending = 1) AS pending, NULL::bytea AS kept,
               string_agg(float8send(d), ''::bytea) AS loose, NULL::bytea AS late, NULL::bytea AS late_removals,
               COUNT(d) AS finite
        FROM base GROUP BY k
    """)


def _totals(date_from: datetime, date_to: datetime, key: tuple[str, list[Any]]) -> dict[Any, int]:
    """All notices of the period (attributed or not) per `key`: what a share is a part of."""
    return figure_cache.cached("totals", (date_from, date_to, key), lambda: _query_totals(date_from, date_to, key))


def _query_totals(date_from: datetime, date_to: datetime, key: tuple[str, list[Any]]) -> dict[Any, int]:
    if notice_days.available(date_from, date_to) and notice_days.ready(None, date_from, date_to):
        return notice_days.totals(date_from, date_to, None if key[0] == "0" else key[1][0])
    adapt = connection.ops.adapt_datetimefield_value
    key_sql, key_params = key
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {key_sql}, COUNT(*) FROM scoring_notice"  # noqa: S608 - only constants are formatted in
            " WHERE excluded = %s AND reported_at >= %s AND reported_at < %s GROUP BY 1",
            [*key_params, False, adapt(date_from), adapt(date_to)],
        )
        return {row[0]: int(row[1]) for row in cursor.fetchall()}


def _row(slug: str | None, values: tuple[Any, ...] | None, total: int) -> MetricsRow:
    """One row of figures from the aggregate's raw values (None: no notices) and all notices of its period."""
    row = _empty_row(slug)
    if values:
        notices, within_norm, within_24h, between, open_, open_over, median_s, p90_s, pending = (
            int(values[0]),
            int(values[1] or 0),
            int(values[2] or 0),
            int(values[3] or 0),
            int(values[4] or 0),
            int(values[5] or 0),
            values[6],
            values[7],
            int(values[8] or 0),
        )
        due = notices - pending
        row.update(
            notices=notices,
            within_norm=within_norm,
            within_norm_pct=_pct(within_norm, due),
            within_24h=within_24h,
            between_24_48h=between,
            over_48h_or_open=due - within_24h - between,
            median_hours=_hours(median_s),
            p90_hours=_hours(p90_s),
            open=open_,
            open_over_norm=open_over,
            pending=pending,
            due=due,
        )
    row["share_pct"] = _pct(row["notices"], total)
    return row


def hoster_metrics(
    date_from: date | datetime | str,
    date_to: date | datetime | str,
    *,
    norm_hours: float,
    as_of: date | datetime | str | None = None,
    hoster: Hoster | None = None,
) -> list[MetricsRow]:
    """One row per hoster (`hoster` = slug, None for the unattributed notices), by notices descending.

    Without `hoster`: every registered hoster (also those without notices) plus the unattributed row when
    there are unattributed notices. With `hoster`: just that hoster's row; `share_pct` is still its share
    of all notices of the period.
    """
    start, end = as_datetime(date_from), as_datetime(date_to)
    cutoff = as_datetime(as_of) if as_of is not None else end
    rows = _aggregate(start, end, cutoff, norm_hours, hoster.pk if hoster else None)
    if hoster is None:
        total = sum(int(values[0]) for values in rows.values())
        slugs: dict[int | None, str] = dict(Hoster.objects.values_list("id", "slug"))
    else:
        total, slugs = _totals(start, end, ("0", [])).get(0, 0), {hoster.pk: hoster.slug}
    keys = list(slugs) + ([None] if hoster is None and None in rows else [])
    result = [_row(slugs.get(hoster_id), rows.get(hoster_id), total) for hoster_id in keys]
    result.sort(key=lambda r: (-r["notices"], r["hoster"] is None, r["hoster"] or ""))
    return result


def weekly_metrics(
    hoster: Hoster, date_from: date | datetime, date_to: date | datetime, *, norm_hours: float, chart_only: bool = False
) -> list[MetricsRow]:
    """The hoster's metrics per week (Monday to Monday in the portal's time zone, clipped to the period), each with
    its `week_start`: exactly `hoster_metrics` of each week with the period's end as the cut-off, in two queries
    whatever the number of weeks. `chart_only`: what the chart draws (the notices, the pending ones and the share
    within the norm), in one query that sorts nothing; the median, P90 and share of all notices are None."""
    start, end = as_datetime(date_from), as_datetime(date_to)
    monday = as_datetime(timezone.localtime(start).date() - timedelta(days=timezone.localtime(start).weekday()))
    mondays, ends = [], []
    while monday < end:
        mondays.append(timezone.localtime(monday).date())
        monday = as_datetime(mondays[-1] + timedelta(days=7))
        ends.append(min(end, monday))
    if not mondays:
        return []
    key = _week_key([start, *ends[:-1]])
    rows = _aggregate(start, end, end, norm_hours, hoster.pk, key, quantiles=not chart_only)
    totals = {} if chart_only else _totals(start, end, key)
    weeks = []
    for index, week_start in enumerate(mondays):
        row = _row(hoster.slug, rows.get(index), totals.get(index, 0))
        row["week_start"] = week_start
        weeks.append(row)
    return weeks
