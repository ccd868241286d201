"""Benchmark: a SCARt export pair (1,000,000 NTD lines, some of them repeat NTDs, and the closed lines of the URLs
found offline) against a portal-CSV import of the same notices, in the same run; run with `make bench`.

The target (issue 15): the SCARt pair imports within 1.5 times the portal CSV's time, streaming, under 500 MB.
"""

from __future__ import annotations

import hashlib
import os
import random
import resource
import statistics
import time
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction

from scoring.measurement import imports
from scoring.measurement.imports import ImportResult, import_notices
from scoring.measurement.models import ImportBatch, Notice
from scoring.measurement.scart import CLOSED_HEADER, NTD_HEADER
from scoring.measurement.staging import indexes_rebuilt
from tests.bench.notice_data import make_hosters

LINES = int(os.environ.get("BENCH_ROWS", "1000000"))
HOSTERS = 2000
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))
REPEAT_SHARE = 0.08  # NTD lines that are repeat NTDs (reminders) of a URL still online
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def _line(values: list[str]) -> str:
    return "".join(f'"{value}";' for value in values)


def _local(instant: datetime) -> str:
    return instant.astimezone(AMSTERDAM).strftime("%Y-%m-%d %H:%M:%S")


def _url_notice(rng: random.Random, n: int, hosters: int, picks: list[int]) -> dict[str, object]:
    """One URL's notice: where it is, who got the NTD, when it was sent and when (if) the URL went offline."""
    i = picks[n]
    start = datetime(2024, 1, 1, tzinfo=UTC)
    sent = start + timedelta(seconds=rng.randrange(0, 240 * 86400))
    roll = rng.random()
    if roll < 0.86:
        last_seen = sent + timedelta(seconds=rng.randrange(60, 86400))
    elif roll < 0.97:
        last_seen = sent + timedelta(seconds=rng.randrange(86400, 172800))
    elif roll < 0.99:
        last_seen = sent + timedelta(seconds=rng.randrange(172800, 30 * 86400))
    else:
        last_seen = None
    kind = rng.random()
    owner, abuse_type = f"BENCH HOSTER {i} B.V.", "host"
    if kind < 0.03:
        owner, abuse_type = "Politie", "police"
    elif kind < 0.05:
        owner = "unknown"
    ip = (
        f"2001:db8:{i:x}::{rng.randrange(1, 65535):x}"
        if kind > 0.95
        else f"10.{i // 256}.{i % 256}.{rng.randrange(1, 255)}"
    )
    url = f"https://site{rng.randrange(100000)}.example/gallery/{n:x}{rng.getrandbits(40):x}.html"
    return {"url": url, "ip": ip, "owner": owner, "type": abuse_type, "sent": sent, "last_seen": last_seen, "i": i}


def _ntd_line(n: int, k: int, notice: dict[str, object], sent: datetime) -> str:
    first = notice["sent"]
    assert isinstance(first, datetime)
    values = [f"N{n:08d}-{k}", "email", "sent_succes", _local(sent), str(notice["owner"]), str(notice["type"]), "NL"]
    values += [f"abuse@bench{notice['i']}.example", str(notice["url"]), str(notice["ip"])]
    return _line([*values, _local(first - timedelta(hours=2)), _local(sent), "1"])


def _closed_line(n: int, notice: dict[str, object], seen: datetime) -> str:
    values = [f"F{n:08d}", str(notice["url"]), "close_offline", str(notice["owner"]), "NL", "abuse@x.example"]
    return _line([*values, str(notice["ip"]), "", _local(seen), "3"])


def _utc(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def write_pair(directory: Path, lines: int, hosters: int, seed: int = 2020) -> tuple[Path, Path, Path, int]:
    """The NTD export, the closed export and the portal CSV of the same notices; returns them and the URL count."""
    rng = random.Random(seed)
    weights = [1 / (i + 1) ** 1.2 for i in range(hosters)]
    picks = rng.choices(range(hosters), weights=weights, k=lines)
    ntd, closed, portal = directory / "ntd.csv", directory / "closed.csv", directory / "portal.csv"
    written = urls = 0
    with ntd.open("w") as ntd_out, closed.open("w") as closed_out, portal.open("w") as portal_out:
        ntd_out.write(_line(list(NTD_HEADER)))
        closed_out.write(_line(list(CLOSED_HEADER)))
        portal_out.write("notice_id,reported_at,removed_at,ip,asn,hoster,url\n")
        while written < lines:
            notice = _url_notice(rng, urls, hosters, picks)
            first, last_seen = notice["sent"], notice["last_seen"]
            assert isinstance(first, datetime)
            sends = [first]
            if rng.random() < REPEAT_SHARE and written + 1 < lines:  # still online a day later: a reminder
                sends.append(first + timedelta(hours=24, minutes=rng.randrange(0, 180)))
            ntd_out.writelines("\n" + _ntd_line(urls, k, notice, sent) for k, sent in enumerate(sends))
            written += len(sends)
            urls += 1
            removed = ""
            if isinstance(last_seen, datetime):
                seen = max(last_seen, sends[-1] + timedelta(minutes=5))
                closed_out.write("\n" + _closed_line(urls, notice, seen))
                removed = _utc(seen)
            sha = hashlib.sha256(str(notice["url"]).encode()).hexdigest()
            hoster = f"bench-{notice['i']}" if notice["type"] == "host" and notice["owner"] != "unknown" else ""
            portal_out.write(f"{sha},{_utc(first)},{removed},{notice['ip']},,{hoster},{notice['url']}\n")
    return ntd, closed, portal, urls


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(path: Path, file_format: str, source: str) -> tuple[float, ImportResult]:
    started = time.perf_counter()
    with path.open("rb") as stream:
        result = import_notices(stream=stream, source=source, file_format=file_format)
    assert result.ok, result.errors[:5]
    return time.perf_counter() - started, result


def plain_copy(path: Path) -> float:
    """The floor: seconds to COPY the file's lines unparsed, one text value each, into an unlogged table."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("CREATE UNLOGGED TABLE bench_lines (line text)")
        sql = "COPY bench_lines FROM STDIN (FORMAT csv, DELIMITER E'\\x01', QUOTE E'\\x02')"
        with path.open("rb") as stream, cursor.cursor.copy(sql) as copy:
            while data := stream.read(1 << 20):
                copy.write(data)
        cursor.execute("DROP TABLE bench_lines")
    return time.perf_counter() - started


def clear_notices() -> None:
    """No notice and no import of the benchmark's sources: each round's imports are their sources' first (the
    portal CSV of a source already imported takes the merging way, not a first load's)."""
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE scoring_notice, scoring_noticeowner CASCADE")
    ImportBatch.objects.filter(source__startswith="bench-").delete()


def closed_floor(rebuilt: bool) -> tuple[float, int]:
    """The least a closed export that keeps its removals on the notices must do, whatever its code: each closed
    notice's removal set by one UPDATE joined on the notice's ID (no file read, no trigger, no mark, no kept day),
    with the notices' indexes built again after it (`rebuilt`: one sorted build each) or kept and written row by
    row. Seconds and the notices set; rolled back."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_removals AS SELECT id, removed_at + interval '1 second' AS removed_at"
            " FROM scoring_notice WHERE removed_at IS NOT NULL"
        )
        cursor.execute("ANALYZE bench_removals")
        cursor.execute("ALTER TABLE scoring_notice DISABLE TRIGGER USER")
        started = time.perf_counter()
        with indexes_rebuilt("scoring_notice") if rebuilt else nullcontext():
            cursor.execute(
                "UPDATE scoring_notice n SET removed_at = r.removed_at FROM bench_removals r WHERE n.id = r.id"
            )
            updated = cursor.rowcount
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return elapsed, updated


def spread(values: list[float]) -> str:
    return f"best {min(values):.2f}, median {statistics.median(values):.2f} ({', '.join(f'{v:.2f}' for v in values)})"


@pytest.mark.bench
@pytest.mark.django_db(transaction=True)
def test_scart_pair_against_the_portal_csv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ROUNDS times into empty notices: the SCARt NTD export then its closed export, both again (nothing changes),
    then the portal CSV of the same notices. The first round's SCARt imports run before any portal import, so the
    peak memory after them is theirs. Each import keeps the days it marked before it commits (`notice_days.settle`);
    the worker's vacuum after it (which the tests' task backend would run inside it) is left out of every import
    alike."""
    assert connection.vendor == "postgresql", "the benchmark's target is PostgreSQL"
    monkeypatch.setattr(imports, "_refresh_kept_days", lambda: None)
    make_hosters(HOSTERS)
    ntd, closed, portal, urls = write_pair(tmp_path, LINES, HOSTERS)
    sizes = ", ".join(f"{p.name} {p.stat().st_size / 1e6:.0f} MB" for p in (ntd, closed, portal))
    rss = [peak_rss_mb()]
    portals, ntds, closeds, pairs, ratios, agains, loads = [], [], [], [], [], [], []
    floors: dict[str, list[float]] = {"ntd": [], "closed": [], "portal": []}
    for _ in range(ROUNDS):
        loads.append(os.getloadavg()[0])
        for name, path in (("ntd", ntd), ("closed", closed), ("portal", portal)):
            floors[name].append(plain_copy(path))
        clear_notices()
        ntd_seconds, ntd_result = timed(ntd, "scart-ntd", "bench-scart")
        closed_seconds, closed_result = timed(closed, "scart-closed", "bench-scart")
        assert ntd_result.created == urls and closed_result.unmatched == 0
        open_notices = Notice.objects.filter(source="bench-scart", removed_at__isnull=True).count()
        assert open_notices == urls - closed_result.updated
        again = [timed(path, kind, "bench-scart") for path, kind in ((ntd, "scart-ntd"), (closed, "scart-closed"))]
        assert again[0][1].created == again[0][1].updated == again[1][1].updated == 0
        rss.append(peak_rss_mb())
        clear_notices()
        portal_seconds, portal_result = timed(portal, "csv", "bench-portal")
        assert portal_result.created == urls
        portals.append(portal_seconds)
        ntds.append(ntd_seconds)
        closeds.append(closed_seconds)
        pairs.append(ntd_seconds + closed_seconds)
        ratios.append((ntd_seconds + closed_seconds) / portal_seconds)
        agains.append(again[0][0] + again[1][0])
    print(f"\n[bench scart] {connection.vendor}: {LINES:,} NTD lines for {urls:,} URLs, {HOSTERS} hosters; {sizes}")
    print(f"  load average (1 min) at the start of each round: {', '.join(f'{v:.1f}' for v in loads)}")
    print(f"  portal CSV of the same notices, s: {spread(portals)}")
    print(f"  SCARt NTD export, s: {spread(ntds)} ({ntd_result.summary()})")
    print(f"  SCARt closed export, s: {spread(closeds)} ({closed_result.summary()})")
    print(f"  SCARt pair, s: {spread(pairs)}")
    print(f"  SCARt pair / portal CSV of the same round: {spread(ratios)} (target at most 1.5)")
    print(f"  SCARt pair again (nothing changes), s: {spread(agains)}")
    pair_floor = [n + c for n, c in zip(floors["ntd"], floors["closed"], strict=True)]
    print(f"  plain COPY of the unparsed lines (the floor), s: NTD {spread(floors['ntd'])}")
    print(f"    closed {spread(floors['closed'])}; portal CSV {spread(floors['portal'])}")
    floor_ratios = [p / f for p, f in zip(pair_floor, floors["portal"], strict=True)]
    print(f"  the pair's floor / the portal CSV's floor: {spread(floor_ratios)}")
    print(f"  SCARt pair / its floor: {spread([p / f for p, f in zip(pairs, pair_floor, strict=True)])}")
    print(f"  portal CSV / its floor: {spread([p / f for p, f in zip(portals, floors['portal'], strict=True)])}")
    ways = {"indexes built again": closed_floor(rebuilt=True), "indexes kept": closed_floor(rebuilt=False)}
    floor_seconds = min(seconds for seconds, _rows in ways.values())
    least = floor_seconds + min(floors["ntd"])
    removals = ways["indexes kept"][1]
    print(f"  the least any closed import must do (set {removals:,} removals by ID), / the portal CSV's best:")
    for way, (seconds, _rows) in ways.items():
        print(f"    {way}: {seconds:.2f} s = {seconds / min(portals):.2f}x")
    print(f"    and with the NTD export's plain COPY, a floor of the pair: {least / min(portals):.2f}x that best")
    print(f"  peak RSS: {rss[0]:.0f} MB before the imports, {rss[1]:.0f} MB after the first SCARt imports")
    print(f"  (the portal CSV imports, run after them, take the process to {peak_rss_mb():.0f} MB)")
