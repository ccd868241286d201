"""Helpers of the scoring tests: notice files written on the fly, imported through the real service."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

from scoring.measurement import metrics
from scoring.measurement.imports import ImportResult, import_notices

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
