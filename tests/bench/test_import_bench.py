"""Benchmark: a 1,000,000-row notice file end to end against a plain COPY of the same file; run with `make bench`."""

from __future__ import annotations

import os
import resource
import statistics
import time
from pathlib import Path

import pytest
from django.db import connection

from scoring.imports import import_notices
from scoring.models import Notice
from tests.bench.notice_data import make_hosters, write_notice_file

ROWS = int(os.environ.get("BENCH_ROWS", "1000000"))
HOSTERS = 2000
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def copy_baseline(path: Path) -> float:
    """Seconds for a plain client-side COPY of the file into an unindexed table of text columns."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_copy_baseline (notice_id text, reported_at text, removed_at text, ip text,"
            " asn text, hoster text, url text)"
        )
        started = time.perf_counter()
        with (
            path.open("rb") as stream,
            cursor.cursor.copy("COPY bench_copy_baseline FROM STDIN (FORMAT csv, HEADER)") as copy,
        ):
            while chunk := stream.read(1 << 20):
                copy.write(chunk)
        elapsed = time.perf_counter() - started
        cursor.execute("SELECT COUNT(*) FROM bench_copy_baseline")
        assert cursor.fetchone()[0] == ROWS
        cursor.execute("DROP TABLE bench_copy_baseline")
    return elapsed


def timed_import(path: Path) -> tuple[float, object]:
    started = time.perf_counter()
    with path.open("rb") as stream:
        result = import_notices(stream=stream, source="bench")
    return time.perf_counter() - started, result


def clear_notices() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE scoring_notice CASCADE" if connection.vendor == "postgresql" else "DELETE FROM scoring_notice"
        )


def spread(values: list[float]) -> str:
    return f"best {min(values):.2f}, median {statistics.median(values):.2f} ({', '.join(f'{v:.2f}' for v in values)})"


@pytest.mark.bench
@pytest.mark.django_db(transaction=True)
def test_import_one_million_rows(tmp_path: Path) -> None:
    """ROUNDS times: a plain COPY of the file, then the import into an empty notice table, then the same again."""
    make_hosters(HOSTERS)
    path = write_notice_file(tmp_path / "notices.csv", ROWS, HOSTERS)
    size_mb = path.stat().st_size / 1e6
    rss_before = peak_rss_mb()
    postgres = connection.vendor == "postgresql"
    baselines, firsts, agains, ratios, loads = [], [], [], [], []
    for _ in range(ROUNDS):
        loads.append(os.getloadavg()[0])
        clear_notices()
        baseline = copy_baseline(path) if postgres else None
        first_seconds, first = timed_import(path)
        assert first.ok and first.created == ROWS
        again_seconds, again = timed_import(path)
        assert again.ok and again.unchanged == ROWS and again.created == again.updated == 0
        assert Notice.objects.count() == ROWS
        firsts.append(first_seconds)
        agains.append(again_seconds)
        if baseline is not None:
            baselines.append(baseline)
            ratios.append(first_seconds / baseline)
    rss_after = peak_rss_mb()

    print(f"\n[bench import] {connection.vendor}: {ROWS:,} rows, {size_mb:.0f} MB, {HOSTERS} hosters, {ROUNDS} rounds")
    print(f"  load average (1 min) at the start of each round: {', '.join(f'{v:.1f}' for v in loads)}")
    if baselines:
        print(f"  plain COPY into unindexed table, s: {spread(baselines)}")
    print(f"  first import, s: {spread(firsts)} = {ROWS / min(firsts):,.0f} rows/s best ({first.summary()})")
    print(f"  second import (all unchanged), s: {spread(agains)} = {ROWS / min(agains):,.0f} rows/s best")
    if ratios:
        print(f"  first import / COPY of the same round: {spread(ratios)}")
    print(f"  peak RSS of the test process: {rss_before:.0f} MB before the imports, {rss_after:.0f} MB after")
