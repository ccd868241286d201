"""Helpers of the scoring tests: notice files written on the fly, imported through the real service."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from portal.models import Hoster
from scoring.measurement import metrics
from scoring.measurement.imports import ImportResult, import_notices
from scoring.measurement.models import ImportBatch, Notice

HEADER = "notice_id,reported_at,removed_at,ip,asn,hoster,url"
NORM_HOURS = 24  # the norm these tests were written for (the 2020 model's)


def csv_bytes(rows: Iterable[Sequence[str]], header: str = HEADER) -> bytes:
    lines = [header, *(",".join(row) for row in rows)]
    return ("\n".join(lines) + "\n").encode()


def run_import(rows: Iterable[Sequence[str]], header: str = HEADER, **options) -> ImportResult:
    options.setdefault("source", "test")
    return import_notices(stream=io.BytesIO(csv_bytes(rows, header)), **options)


def hoster_metrics(date_from: Any, date_to: Any, **options: Any) -> list[dict[str, Any]]:
    """`metrics.hoster_metrics` at the tests' norm unless a test names another (the metrics take no default)."""
    options.setdefault("norm_hours", NORM_HOURS)
    return metrics.hoster_metrics(date_from, date_to, **options)


def notice_reads(queries: Any) -> list[dict[str, Any]]:
    """The captured queries that read the notices table (not the data version's table, nor SET or savepoints)."""
    return [query for query in queries if re.search(r"\bscoring_notice\b", query["sql"])]


# Random notices for the property tests, as (reported, removed, corrected, who) from RANDOM_START; `random_notice`
# makes one.
RANDOM_START = datetime(2024, 2, 25, tzinfo=UTC)
RANDOM_NOTICE = st.tuples(
    st.integers(0, 40 * 24 * 60),  # reported: minutes after 25 February (over the DST night of 31 March too)
    st.one_of(st.integers(-5, 5 * 24 * 60 * 60), st.integers(0, 36 * 60 * 60), st.none()),  # removed (s), or open
    st.one_of(st.none(), st.none(), st.integers(0, 3 * 24 * 60 * 60)),  # a corrected removal (s after the report)
    st.integers(0, 3),  # hoster A, B, none, or an excluded notice of A
)


def random_notice(index: int, row: tuple[Any, ...], batch: ImportBatch, hoster_a: Hoster, hoster_b: Hoster) -> Notice:
    """The (unsaved) notice `index` of a RANDOM_NOTICE row."""
    reported, removed, corrected, who = row
    return Notice(
        source="p",
        notice_id=str(index),
        reported_at=RANDOM_START + timedelta(minutes=reported),
        removed_at=None if removed is None else RANDOM_START + timedelta(minutes=reported, seconds=removed),
        corrected_removed_at=None
        if corrected is None
        else RANDOM_START + timedelta(minutes=reported, seconds=corrected, microseconds=index),
        hoster=(hoster_a, hoster_b, None, hoster_a)[who],
        excluded=who == 3,
        batch=batch,
    )


def store_random_notices(rows: Sequence[tuple[Any, ...]], hoster_a: Hoster, hoster_b: Hoster) -> list[Notice]:
    """The RANDOM_NOTICE rows stored, in one batch."""
    batch = ImportBatch.objects.create(source="p", status=ImportBatch.Status.SUCCEEDED)
    return Notice.objects.bulk_create(
        random_notice(index, row, batch, hoster_a, hoster_b) for index, row in enumerate(rows)
    )
