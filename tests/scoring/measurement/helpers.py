"""Helpers of the scoring tests: notice files written on the fly, imported through the real service."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from scoring.measurement.imports import ImportResult, import_notices

HEADER = "notice_id,reported_at,removed_at,ip,asn,hoster,url"


def csv_bytes(rows: Iterable[Sequence[str]], header: str = HEADER) -> bytes:
    lines = [header, *(",".join(row) for row in rows)]
    return ("\n".join(lines) + "\n").encode()


def run_import(rows: Iterable[Sequence[str]], header: str = HEADER, **options) -> ImportResult:
    options.setdefault("source", "test")
    return import_notices(stream=io.BytesIO(csv_bytes(rows, header)), **options)
