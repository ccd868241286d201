"""The figures that depend on a notice's duration, from the durations PostgreSQL sends as bytes: the counts within
the norm and the fixed buckets, the median and the P90. Picked here by selection, not sorted there.

Sorting a key's durations in the database to pick two ranks was most of the figures' time (over a million notices
0.28 s of 0.36 s for every hoster from the kept days). The query sends each key's durations as bytes instead:
the kept days' sorted arrays as `array_send` writes them without its header (`kept`), the notices read one by
one as `float8send` values (`loose`); numpy counts them and selects the two ranks in linear time. The values are
the very floats the sort would give: only the order in which they are found differs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.db.backends.utils import CursorWrapper

if TYPE_CHECKING:  # numpy is loaded by the first figures picked, not by every process that imports this
    import numpy as np

# The fixed buckets `within_24h`, `between_24_48h` and `over_48h_or_open` of every figure, whatever the norm.
FIRST_BUCKET_HOURS, SECOND_BUCKET_HOURS = 24, 48
# One element of a float8[] in PostgreSQL's binary array format: its length (always 8), then the value.
_ELEMENT = [("length", ">i4"), ("value", ">f8")]
# Where the elements of a one-dimensional array start in `array_send`'s bytes (dimensions, flags, element type,
# length, lower bound); an empty array is the first three alone.
ARRAY_HEADER = 20
KEPT_SQL = f"substring(array_send({{}}) FROM {ARRAY_HEADER + 1:d})"  # a float8[]'s elements, headerless


def durations_of(kept: bytes | None, loose: bytes | None) -> np.ndarray[Any, np.dtype[np.float64]]:
    """The durations in `kept` and `loose` (bytes as the figures' queries send them), in no particular order."""
    import numpy as np

    parts = []
    if kept:
        parts.append(np.frombuffer(kept, _ELEMENT)["value"])
    if loose:
        parts.append(np.frombuffer(loose, ">f8"))
    return np.concatenate(parts, dtype=np.float64) if parts else np.empty(0)


def ranked(due: int, durations: np.ndarray[Any, np.dtype[np.float64]]) -> tuple[float | None, float | None]:
    """The durations at ranks (due + 1) / 2 and (9 due + 9) / 10 of the `due` notices, whose open ones (no
    duration) come last and so give no value; `durations` is reordered."""
    ranks = [(due + 1) // 2 - 1, (9 * due + 9) // 10 - 1]
    inside = [rank for rank in ranks if 0 <= rank < len(durations)]
    if inside:
        durations.partition(inside)
    median, p90 = (float(durations[rank]) if rank in inside else None for rank in ranks)
    return median, p90


def picked(values: tuple[Any, ...], *, norm_seconds: float, quantiles: bool) -> tuple[Any, ...]:
    """A key's figures as `metrics._row` reads them (notices, within the norm, within the first and the second
    bucket, open, open over the norm, median, P90, pending) from a row of the notices' count, the open ones', those
    open over the norm, the pending ones' and the durations' bytes; without `quantiles` no median and P90."""
    import numpy as np

    notices, still_open, open_over, pending, kept, loose = values
    durations = durations_of(kept, loose)
    within_norm, within_first, within_second = (
        np.count_nonzero(durations <= bound)
        for bound in (norm_seconds, FIRST_BUCKET_HOURS * 3600, SECOND_BUCKET_HOURS * 3600)
    )
    median, p90 = ranked(notices - pending, durations) if quantiles else (None, None)
    counts = (within_norm, within_first, within_second - within_first)
    return (notices, *(int(count) for count in counts), still_open, open_over, median, p90, pending)


def figure_rows(
    cursor: CursorWrapper, sql: str, params: Sequence[Any] | Mapping[str, Any], *, norm_seconds: float, quantiles: bool
) -> Iterator[tuple[Any, ...]]:
    """The rows of `sql` (PostgreSQL: a key, the notices' count, the open ones', those open over the norm, the
    pending ones', `kept` and `loose`) as the key followed by what `picked` gives."""
    cursor.execute(sql, params)
    for row in cursor.fetchall():
        yield (row[0], *picked(row[1:], norm_seconds=norm_seconds, quantiles=quantiles))
