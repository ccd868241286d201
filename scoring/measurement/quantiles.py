"""The figures that depend on a notice's duration, from the durations PostgreSQL sends as bytes: the counts within
the norm and the fixed buckets, the median and the P90. Picked here by selection, not sorted there.

Sorting a key's durations in the database to pick two ranks was most of the figures' time (over a million notices
0.28 s of 0.36 s for every hoster from the kept days). The query sends each key's durations as bytes instead:
the kept days' arrays as `array_send` writes them without its header (`kept`, `_notice_days.KEPT_SQL`), the
notices read one by one as `float8send` values (`loose`); numpy counts them and selects the two ranks in linear
time. The values are the very floats the sort would give: only the order in which they are found differs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.db import connection

from scoring.migrations._notice_days import BLOCK_DAYS, BLOCK_SQL

if TYPE_CHECKING:  # numpy is loaded by the first figures picked, not by every process that imports this
    import numpy as np

# The fixed buckets `within_24h`, `between_24_48h` and `over_48h_or_open` of every figure, whatever the norm.
FIRST_BUCKET_HOURS, SECOND_BUCKET_HOURS = 24, 48
# One element of a float8[] (an int8[]) in PostgreSQL's binary array format: its length (always 8), then the value.
_ELEMENT, _INT_ELEMENT = [("length", ">i4"), ("value", ">f8")], [("length", ">i4"), ("value", ">i8")]
# A key's kept durations come in parts of about this many days (the largest hoster's part of 10M notices over
# eight months: about 0.8M durations, 9 MB), fetched at most about this many bytes of durations at a time (twice
# that as the hex of text results) unless one part is more: many parts of small hosters a fetch, one of a large.
PART_DAYS, FETCH_BYTES = BLOCK_DAYS, 1 << 23
JOINED_BYTES = 1 << 20  # a key's parts this small in all come as one
_NO_KEY = object()
DAY_PART_SQL = BLOCK_SQL  # the part of a date (a kept day): its block
TIME_PART_SQL = f"floor(date_part('epoch', {{}}) / {PART_DAYS * 86400:d})"  # the part of a timestamp (a report)


def durations_of(
    kept: bytes | None, loose: bytes | None, late: tuple[bytes | None, bytes | None, int] = (None, None, 0)
) -> tuple[np.ndarray[Any, np.dtype[np.float64]], int]:
    """The durations in `kept` and `loose` (bytes as the figures' queries send them) and those of `late` (kept
    durations, their removals' instants and the cut-off, microseconds since 1970) removed by the cut-off, in no
    particular order; and how many of `late` were removed after it (open at the cut-off)."""
    import numpy as np

    pieces, after = _pieces(kept, loose, late)
    return (np.concatenate(pieces, dtype=np.float64) if pieces else np.empty(0)), after


def _pieces(
    kept: bytes | None, loose: bytes | None, late: tuple[bytes | None, bytes | None, int]
) -> tuple[list[np.ndarray[Any, Any]], int]:
    """`durations_of` as views of the bytes, not yet copied anywhere."""
    import numpy as np

    pieces = []
    if kept:
        pieces.append(np.frombuffer(kept, _ELEMENT)["value"])
    if loose:
        pieces.append(np.frombuffer(loose, ">f8"))
    after = 0
    late_durations, late_removals, cut_off = late
    if late_durations and late_removals:
        by_then = np.frombuffer(late_removals, _INT_ELEMENT)["value"] <= cut_off
        pieces.append(np.frombuffer(late_durations, _ELEMENT)["value"][by_then])
        after = len(by_then) - int(np.count_nonzero(by_then))
    return pieces, after


def ranked(due: int, durations: np.ndarray[Any, np.dtype[np.float64]]) -> tuple[float | None, float | None]:
    """The durations at ranks (due + 1) / 2 and (9 due + 9) / 10 of the `due` notices, whose open ones (no
    duration) come last and so give no value; `durations` is reordered."""
    ranks = [(due + 1) // 2 - 1, (9 * due + 9) // 10 - 1]
    inside = [rank for rank in ranks if 0 <= rank < len(durations)]
    if inside:
        durations.partition(inside)
    median, p90 = (float(durations[rank]) if rank in inside else None for rank in ranks)
    return median, p90


def picked(
    counts: Sequence[int], durations: np.ndarray[Any, np.dtype[np.float64]], *, norm_seconds: float, quantiles: bool
) -> tuple[Any, ...]:
    """A key's figures as `metrics._row` reads them (notices, within the norm, within the first and the second
    bucket, open, open over the norm, median, P90, pending) from the counts of its notices, the open ones, those
    open over the norm and the pending ones, and its durations; without `quantiles` no median and P90."""
    import numpy as np

    notices, still_open, open_over, pending = counts
    within_norm, within_first, within_second = (
        int(np.count_nonzero(durations <= bound))
        for bound in (norm_seconds, FIRST_BUCKET_HOURS * 3600, SECOND_BUCKET_HOURS * 3600)
    )
    median, p90 = ranked(notices - pending, durations) if quantiles else (None, None)
    bounds = (within_norm, within_first, within_second - within_first)
    return (notices, *bounds, still_open, open_over, median, p90, pending)


def parts_sql(parts: str) -> str:
    """The parts of the keys' notices in `parts` (a query of `k`, `notices`, `still_open`, `open_over`, `pending`,
    `kept`, `loose`, `late` and `late_removals` (kept durations and their removals' instants, of days with removals
    after the cut-off) and `finite`, how many durations the part has) as `figure_rows` reads them: the parts of a key
    whose durations are at most `JOINED_BYTES` in all joined into one (each part costs the reader more than its
    bytes: two thousand hosters of a few notices a day have as many parts as blocks), each key's parts together,
    with the key's durations in all its parts and the bytes of its widest part, the keys by their widest part,
    widest first (so no later part is wider than the widest of the key read last)."""
    width = "COALESCE(length(kept), 0) + COALESCE(length(loose), 0) + 2 * COALESCE(length(late), 0)"
    return f"""
        SELECT k, notices, still_open, open_over, pending, kept, loose, late, late_removals,
               SUM(finite) OVER w AS finite, MAX({width}) OVER w AS widest
        FROM (
            SELECT k, SUM(notices)::bigint AS notices, SUM(still_open)::bigint AS still_open,
                   SUM(open_over)::bigint AS open_over, SUM(pending)::bigint AS pending,
                   string_agg(kept, ''::bytea) AS kept, string_agg(loose, ''::bytea) AS loose,
                   string_agg(late, ''::bytea) AS late,  -- both arrays of a row or neither: they stay in step
                   string_agg(late_removals, ''::bytea) AS late_removals, SUM(finite)::bigint AS finite
            FROM (
                SELECT *, CASE WHEN SUM({width}) OVER (PARTITION BY k) > {JOINED_BYTES:d} THEN row_number() OVER () END
                          AS apart
                FROM ({parts}) AS parts
            ) AS parts GROUP BY k, apart
        ) AS parts WINDOW w AS (PARTITION BY k) ORDER BY widest DESC, k
    """  # noqa: S608 - only constants are formatted in


def figure_rows(
    sql: str,
    params: Sequence[Any] | Mapping[str, Any],
    *,
    norm_seconds: float,
    quantiles: bool,
    cut_off_us: int = 0,
) -> Iterator[tuple[Any, ...]]:
    """Each key's figures (the key, then what `picked` gives) from `sql` (PostgreSQL, `parts_sql`), read through a
    server-side cursor into one array per key: as many parts a fetch as make at most `FETCH_BYTES` if they were all
    as wide as the widest part of the key read last, so the process holds one key's durations and a fetch at most
    (the figures of all hosters over 10M notices took 0.6 GB read at once)."""
    import numpy as np

    key: Any = _NO_KEY
    durations, filled, counts = np.empty(0), 0, [0, 0, 0, 0]
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        size = 1
        while rows := cursor.fetchmany(size):
            for part_key, *part_counts, kept, loose, late, late_removals, finite, _widest in rows:
                if part_key != key:
                    if key is not _NO_KEY:
                        yield (key, *picked(counts, durations[:filled], norm_seconds=norm_seconds, quantiles=quantiles))
                    key, durations, filled, counts = part_key, np.empty(int(finite)), 0, [0, 0, 0, 0]
                pieces, after = _pieces(kept, loose, (late, late_removals, cut_off_us))
                counts = [total + int(value) for total, value in zip(counts, part_counts, strict=True)]
                counts[1] += after  # removed after the cut-off: open at it, and over the norm (a settled day's)
                counts[2] += after
                for piece in pieces:  # straight into the key's array: each duration copied once
                    durations[filled : filled + len(piece)] = piece
                    filled += len(piece)
            size = max(1, FETCH_BYTES // max(int(rows[-1][-1]), 1))  # the widest part of the key read last
    if key is not _NO_KEY:
        yield (key, *picked(counts, durations[:filled], norm_seconds=norm_seconds, quantiles=quantiles))
