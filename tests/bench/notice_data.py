"""Synthetic notice files and hoster landscapes for the benchmarks (deterministic)."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.db import connection

from portal.models import Hoster

HEADER = "notice_id,reported_at,removed_at,ip,asn,hoster,url\n"
BASE_ASN = 100000


def make_hosters(count: int) -> list[Hoster]:
    """`count` hosters, hoster i owning AS(100000+i), 10.x.y.0/24 and 2001:db8:i::/48."""
    hosters = [
        Hoster(
            slug=f"bench-{i}",
            name=f"Bench hoster {i}",
            asns=[BASE_ASN + i],
            prefixes=[f"10.{i // 256}.{i % 256}.0/24", f"2001:db8:{i:x}::/48"],
        )
        for i in range(count)
    ]
    return Hoster.objects.bulk_create(hosters, batch_size=1000)


def write_notice_file(path: Path, rows: int, hosters: int, seed: int = 2020) -> Path:
    """Skewed like the 2020 monitor: a few hosters get most notices; 85% carry an ASN, 10% only an IP."""
    rng = random.Random(seed)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    weights = [1 / (i + 1) ** 1.2 for i in range(hosters)]
    picks = rng.choices(range(hosters), weights=weights, k=rows)
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        lines = []
        for n, i in enumerate(picks):
            reported = start + timedelta(seconds=rng.randrange(0, 240 * 86400))
            roll = rng.random()
            if roll < 0.86:
                removed = (reported + timedelta(seconds=rng.randrange(60, 86400))).isoformat()
            elif roll < 0.97:
                removed = (reported + timedelta(seconds=rng.randrange(86400, 172800))).isoformat()
            elif roll < 0.99:
                removed = (reported + timedelta(seconds=rng.randrange(172800, 30 * 86400))).isoformat()
            else:
                removed = ""
            kind = rng.random()
            if kind < 0.05:
                ip, asn = f"172.16.{rng.randrange(256)}.{rng.randrange(1, 255)}", ""
            elif kind < 0.10:
                ip, asn = f"2001:db8:{i:x}::{rng.randrange(1, 65535):x}", ""
            elif kind < 0.15:
                ip, asn = f"10.{i // 256}.{i % 256}.{rng.randrange(1, 255)}", ""
            else:
                ip, asn = f"10.{i // 256}.{i % 256}.{rng.randrange(1, 255)}", f"AS{BASE_ASN + i}"
            url = f"https://site{rng.randrange(100000)}.example/gallery/{rng.getrandbits(48):x}.html"
            lines.append(f"N{n:08d},{reported.isoformat()},{removed},{ip},{asn},,{url}\n")
            if len(lines) >= 10000:
                out.writelines(lines)
                lines = []
        out.writelines(lines)
    return path


def plain_pass(start: str, end: str) -> float:
    """The floor of the figures' benchmarks: the best of three plain passes over the notices reported from `start`
    to `end` (SELECT count(*)), in seconds."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM scoring_notice WHERE reported_at >= %s AND reported_at < %s", [start, end]
            )
        best = min(best, time.perf_counter() - started)
    return best
