"""The median and P90 picked from durations sent as bytes (`quantiles`) equal a sort's ranks, to the bit."""

from __future__ import annotations

import struct

import pytest
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from scoring.measurement import quantiles
from scoring.migrations._notice_days import KEPT_SQL

durations = st.lists(st.floats(min_value=0, max_value=1e9, allow_nan=False), max_size=60)


def loose(values: list[float]) -> bytes:
    return b"".join(struct.pack(">d", value) for value in values)


def kept(values: list[float]) -> bytes:
    return b"".join(struct.pack(">id", 8, value) for value in values)


@given(first=durations, second=durations, open_=st.integers(min_value=0, max_value=30))
def test_the_picked_ranks_are_a_sorts_ranks(first: list[float], second: list[float], open_: int) -> None:
    """Open notices (no duration) rank last: a rank among them gives no value."""
    due = len(first) + len(second) + open_
    ordered = sorted(first + second) + [None] * open_
    expected = [ordered[rank - 1] if rank else None for rank in ((due + 1) // 2, (9 * due + 9) // 10)]
    found = quantiles.ranked(due, quantiles.durations_of(kept(first), loose(second))[0])
    assert list(found) == expected


def test_the_counts_by_duration_and_no_quantiles_when_not_asked() -> None:
    # Seven notices, two of them open (one over the norm): ranks 4 and 7 of the five durations and two open.
    durations, _ = quantiles.durations_of(kept([3600.0, 86400.0]), loose([86400.5, 172800.0, 200000.0]))
    found = quantiles.picked((7, 2, 1, 0), durations.copy(), norm_seconds=3600.0, quantiles=True)
    assert found == (7, 1, 2, 2, 2, 1, 172800.0, None, 0)
    found = quantiles.picked((7, 2, 1, 0), durations, norm_seconds=3600.0, quantiles=False)
    assert found == (7, 1, 2, 2, 2, 1, None, None, 0)
    empty, _ = quantiles.durations_of(None, None)
    assert quantiles.picked((0, 0, 0, 0), empty, norm_seconds=1.0, quantiles=True)[6:8] == (None, None)


def test_a_late_days_removals_after_the_cut_off_count_as_open() -> None:
    """A kept day with removals after the cut-off: their durations are left out and counted as open."""
    removals = b"".join(struct.pack(">iq", 8, instant) for instant in (100, 200, 201, 50))
    late = (kept([1.0, 2.0, 3.0, 4.0]), removals, 200)
    found, after = quantiles.durations_of(None, loose([9.0]), late)
    assert sorted(found.tolist()) == [1.0, 2.0, 4.0, 9.0] and after == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's binary array format")
@pytest.mark.django_db
@pytest.mark.parametrize("values", [[], [0.0], [1e-06, 0.1, 86400.000001, 1e9], [2.5] * 1000])
def test_the_kept_bytes_are_the_arrays_values_to_the_bit(values: list[float]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {KEPT_SQL.format('%s::float8[]')}", [values])
        sent = cursor.fetchone()[0]
    assert [float(value) for value in quantiles.durations_of(bytes(sent), None)[0]] == values
