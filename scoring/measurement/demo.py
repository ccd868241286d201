"""Demo notice history, skewed like the 2020 monitor: BulkHost gets most notices, CleanHost removes fastest."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from typing import TextIO

from django.utils import timezone

from portal.audit import log_action
from portal.models import Hoster, User
from scoring.measurement.imports import import_notices
from scoring.measurement.models import Dispute, ImportBatch, Notice

SOURCE = "demo"
DAYS = 182
# slug: (notices, share removed within 24 h, within 48 h, removed at all, ASNs, IP pools)
PROFILES = {
    "bulkhost": (2400, 0.86, 0.97, 0.995, [64500], ["192.0.2.{}", "2001:db8:100::{:x}"]),
    "cleanhost": (220, 0.99, 1.0, 1.0, [64501], ["198.51.100.{}"]),
    "steadyhost": (160, 0.94, 0.99, 1.0, [64502], ["203.0.113.{}"]),
}
UNATTRIBUTED = 40


def _removal_seconds(rng: random.Random, within_24: float, within_48: float, removed: float) -> int | None:
    roll = rng.random()
    if roll < within_24:
        return int(rng.triangular(300, 86400, 3 * 3600))
    if roll < within_48:
        return rng.randrange(86401, 172800)
    if roll < removed:
        return rng.randrange(172800, 21 * 86400)
    return None


def _records(now: datetime) -> list[dict[str, str]]:
    rng = random.Random(2020)
    anchor = datetime.combine(now.astimezone(UTC).date(), time.min, tzinfo=UTC)
    records = []

    def add(index: int, *, hoster_pool: list[str], asn: int | None, profile: tuple[float, float, float]) -> None:
        reported = anchor - timedelta(seconds=rng.randrange(3600, DAYS * 86400))
        seconds = _removal_seconds(rng, *profile)
        removed = reported + timedelta(seconds=seconds) if seconds is not None else None
        if removed is not None and removed > anchor:
            removed = None
        pool = rng.choice(hoster_pool)
        ip = pool.format(rng.randrange(1, 126))
        with_asn = asn is not None and rng.random() < 0.8
        records.append(
            {
                "notice_id": f"DEMO-{index:06d}",
                "reported_at": reported.isoformat(),
                "removed_at": removed.isoformat() if removed else "",
                "ip": ip,
                "asn": f"AS{asn}" if with_asn else "",
                "url": f"https://img{rng.randrange(900)}.example/{rng.getrandbits(40):x}",
            }
        )

    index = 0
    for count, within_24, within_48, removed, asns, pools in PROFILES.values():
        for _ in range(count):
            index += 1
            add(index, hoster_pool=pools, asn=asns[0], profile=(within_24, within_48, removed))
    for _ in range(UNATTRIBUTED):
        index += 1
        add(index, hoster_pool=["100.64.{}.9"], asn=64999 if rng.random() < 0.5 else None, profile=(0.6, 0.8, 0.9))
    return records


def _open_dispute() -> None:
    notice = Notice.objects.filter(source=SOURCE, hoster__slug="bulkhost", attribution="prefix").order_by("id").first()
    editor = User.objects.filter(email="editor@bulkhost.example").first()
    if (
        notice is None
        or notice.hoster is None
        or editor is None
        or Dispute.objects.filter(notice__source=SOURCE).exists()
    ):
        return
    dispute = Dispute.objects.create(
        notice=notice,
        hoster=notice.hoster,
        raised_by=editor,
        reason=(
            "This address was moved to a reseller's own network (AS64999) in March; the reseller is not our customer."
        ),
    )
    log_action(editor, "scoring.dispute.raised", dispute, {"notice": str(notice), "reason": dispute.reason})


def seed(stdout: TextIO) -> None:
    if not Hoster.objects.filter(slug__in=PROFILES).exists():
        return
    result = import_notices(
        records=_records(timezone.now()), source=SOURCE, channel=ImportBatch.Channel.DEMO, filename="demo"
    )
    if not result.ok:
        raise RuntimeError("; ".join(str(error) for error in result.errors[:5]))
    _open_dispute()
    stdout.write(f"Demo notices: {result.summary()}")
