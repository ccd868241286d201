"""Benchmark: a 1,000,000-row notice file end to end against a plain COPY of the same file; run with `make bench`.

On PostgreSQL it also times the import's two shares on their own: Python reading, checking and encoding the file
(written to disk), and the database loading those encoded rows and building the notice indexes (rolled back).
"""

from __future__ import annotations

import io
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client

from portal.models import Hoster, MemberRole
from scoring.measurement import columnar, imports, notice_days
from scoring.measurement.attribution import Attributor
from scoring.measurement.imports import import_notices
from scoring.measurement.models import ImportBatch, Notice
from tests import factories
from tests.bench.notice_data import make_hosters, plain_pass, write_notice_file

ROWS = int(os.environ.get("BENCH_ROWS", "1000000"))
SOURCE = "bench"
HOSTERS = 2000
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
PERIOD = ("2024-01-01", "2024-08-29")  # the file's eight months, in whole local days


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak_rss() -> None:
    """Linux: the process's peak resident size starts again from its present size (`VmHWM`, proc(5) clear_refs)."""
    Path("/proc/self/clear_refs").write_text("5")


def peak_rss_since_reset_mb() -> float:
    status = Path("/proc/self/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1]) / 1024


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


def client_alone(path: Path, out: Path) -> float:
    """Seconds for the import's own share: the file read, validated and encoded as binary COPY, onto disk."""
    validator = imports.RowValidator(None, dict(Hoster.objects.values_list("slug", "id")), Attributor.from_database())
    started = time.perf_counter()
    with path.open("rb") as stream, out.open("wb") as sink:
        rows = imports._arrow_rows(validator, None, imports._HashingReader(stream))
        for chunk in rows.chunks(columnar.row_header(True), columnar.direct_tail("floor", 0)):
            sink.write(chunk)
    assert validator.rows == ROWS
    return time.perf_counter() - started


def server_alone(encoded: Path) -> float:
    """Seconds for the database's share: the encoded rows COPYed into the notices, indexes rebuilt; rolled back."""
    staging = imports._Staging("floor")
    table, columns = staging._target()
    with transaction.atomic():
        started = time.perf_counter()
        with (
            staging._indexes_rebuilt(),
            encoded.open("rb") as stream,
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)") as copy,
        ):
            while chunk := stream.read(1 << 20):
                copy.write(chunk)
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return elapsed


def first_views(owner: Client) -> dict[str, float]:
    """Seconds of the first view of the figures after the import: the largest hoster's figures page and
    `hoster_metrics` for every hoster over the file's eight months, and of one plain pass over their notices."""
    timings = {}
    started = time.perf_counter()
    response = owner.get(f"/hoster/bench-0/metrics/?date_from={PERIOD[0]}&date_to={PERIOD[1]}")
    assert response.status_code == 200
    timings["the largest hoster's figures page"] = time.perf_counter() - started
    started = time.perf_counter()
    call_command("hoster_metrics", "--from", PERIOD[0], "--to", PERIOD[1], "--norm-hours", "24", stdout=io.StringIO())
    timings["hoster_metrics, all hosters"] = time.perf_counter() - started
    timings["plain pass"] = plain_pass(f"{PERIOD[0]}T00:00:00+01:00", f"{PERIOD[1]}T00:00:00+02:00")
    return timings


def command_import(path: Path) -> tuple[float, float]:
    """The import as an operator runs it, `manage.py import_notices`, in a process of its own into no notices:
    seconds, and that process's peak resident size in MB (all of it: Python, Django, the import), as it reads it
    itself when it ends (`VmHWM`: a child's `ru_maxrss` would keep the forked test process's)."""
    database = connection.settings_dict
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    arguments = ["manage.py", "import_notices", str(path), "--source", SOURCE, "--no-progress"]
    environment = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _PEAK_REPORTED, *arguments],
        check=True,
        env=environment,
        cwd=Path(__file__).parents[2],
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    peak = next(line for line in done.stderr.splitlines() if line.startswith("VmHWM:"))
    return elapsed, int(peak.split()[1]) / 1024


# Runs manage.py with the arguments after it, then writes the process's peak resident size to stderr.
_PEAK_REPORTED = """
import runpy, sys
sys.argv = sys.argv[1:]
try:
    runpy.run_path("manage.py", run_name="__main__")
finally:
    print(next(l for l in open("/proc/self/status") if l.startswith("VmHWM:")), file=sys.stderr)
"""


def timed_import(path: Path) -> tuple[float, object]:
    started = time.perf_counter()
    with path.open("rb") as stream:
        result = import_notices(stream=stream, source=SOURCE)
    return time.perf_counter() - started, result


def clear_notices() -> None:
    """No notice and no import of the bench's source: the next import is the source's first, in every round (a
    source with a succeeded import takes the merging way, which a first import of a new source does not need)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE scoring_notice CASCADE" if connection.vendor == "postgresql" else "DELETE FROM scoring_notice"
        )
    ImportBatch.objects.filter(source=SOURCE).delete()


def spread(values: list[float]) -> str:
    return f"best {min(values):.2f}, median {statistics.median(values):.2f} ({', '.join(f'{v:.2f}' for v in values)})"


@pytest.mark.bench
@pytest.mark.django_db(transaction=True)
def test_import_one_million_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ROUNDS times: a plain COPY of the file, then the import into an empty notice table, then the same again.
    After the first import: the first view of the figures before any worker ran (a big import keeps the days of its
    notices itself), the worker's task (vacuum; nothing is left marked), and the first view after it."""
    enqueued: list[None] = []
    monkeypatch.setattr(imports, "_refresh_kept_days", lambda: enqueued.append(None))
    make_hosters(HOSTERS)
    path = write_notice_file(tmp_path / "notices.csv", ROWS, HOSTERS)
    size_mb = path.stat().st_size / 1e6
    rss_before = peak_rss_mb()
    postgres = connection.vendor == "postgresql"
    baselines, firsts, agains, ratios, loads, clients, servers, kept = [], [], [], [], [], [], [], []
    views: list[dict[str, float]] = []
    settled: list[dict[str, float]] = []
    import_peaks: list[float] = []
    owner = Client()
    owner.force_login(factories.make_member(Hoster.objects.get(slug="bench-0"), MemberRole.OWNER))
    first_views(owner)  # the process's own first request (templates, URL patterns) is no figure's cost
    for _ in range(ROUNDS):
        loads.append(os.getloadavg()[0])
        clear_notices()
        baseline = copy_baseline(path) if postgres else None
        if postgres:
            clients.append(client_alone(path, tmp_path / "notices.copy"))
            servers.append(server_alone(tmp_path / "notices.copy"))
            clear_notices()  # the rolled-back rows' space, or the import would not count as the first big load
        reset_peak_rss()
        first_seconds, first = timed_import(path)
        import_peaks.append(peak_rss_since_reset_mb())
        assert first.ok and first.created == ROWS
        if postgres:
            assert enqueued.pop() is None and not enqueued
            views.append(first_views(owner))
            started = time.perf_counter()
            notice_days.vacuum()  # the worker's task after the import
            assert notice_days.refresh() == 0  # nothing was left marked
            kept.append(time.perf_counter() - started)
            cache.clear()
            settled.append(first_views(owner))
        again_seconds, again = timed_import(path)
        assert again.ok and again.unchanged == ROWS and again.created == again.updated == 0
        assert Notice.objects.count() == ROWS
        firsts.append(first_seconds)
        agains.append(again_seconds)
        if baseline is not None:
            baselines.append(baseline)
            ratios.append(first_seconds / baseline)
    rss_after = peak_rss_mb()
    command = None
    if postgres:
        clear_notices()
        command = command_import(path)

    print(f"\n[bench import] {connection.vendor}: {ROWS:,} rows, {size_mb:.0f} MB, {HOSTERS} hosters, {ROUNDS} rounds")
    print(f"  load average (1 min) at the start of each round: {', '.join(f'{v:.1f}' for v in loads)}")
    if baselines:
        print(f"  plain COPY into unindexed table, s: {spread(baselines)}")
    print(f"  first import, s: {spread(firsts)} = {ROWS / min(firsts):,.0f} rows/s best ({first.summary()})")
    print(f"  second import (all unchanged), s: {spread(agains)} = {ROWS / min(agains):,.0f} rows/s best")
    if ratios:
        print(f"  first import / COPY of the same round: {spread(ratios)}")
        print(f"  its parts alone, s: reading, checking and encoding {spread(clients)}")
        print(f"    the database loading the encoded rows and building the indexes {spread(servers)}")
        floors = [server / base for server, base in zip(servers, baselines, strict=True)]
        print(f"    that database share / COPY of the same round: {spread(floors)}")
        print("  the first view after the import, before any worker ran, / one plain pass over the period:")
        for name in views[0]:
            if name != "plain pass":
                print(f"    {name}: {spread([view[name] / view['plain pass'] for view in views])}")
        print(f"    (the plain pass, s: {spread([view['plain pass'] for view in views])})")
        print(f"  then the worker's task (vacuum and analyse; no kept day left to compute), s: {spread(kept)}")
        print("  the first view after that (figures cache emptied), / one plain pass:")
        for name in settled[0]:
            if name != "plain pass":
                print(f"    {name}: {spread([view[name] / view['plain pass'] for view in settled])}")
    print(f"  peak RSS of the test process: {rss_before:.0f} MB before the imports, {rss_after:.0f} MB after")
    print(f"  peak RSS during each first import alone (from the size before it), MB: {spread(import_peaks)}")
    if command is not None:
        print(f"  `manage.py import_notices` in a process of its own: {command[0]:.2f} s, peak RSS {command[1]:.0f} MB")
