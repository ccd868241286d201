"""Demo notice history, skewed like the 2020 monitor: BulkHost gets most notices, CleanHost removes fastest.

Beside the portal-CSV history, a small SCARt export pair (`fixtures/scart/`) as the hotline's tool writes it: an
NTD export (owners written as the hotline does, a police-routed NTD, an `unknown` owner, a reminder) and its
closed-URL export (with a URL whose NTD lies before the export). Its times move to the last days before the first
seeding and keep that place after it, so seeding again changes nothing.
"""

from __future__ import annotations

import io
import random
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TextIO

from django.conf import settings
from django.utils import timezone

from portal.audit import log_action
from portal.models import Hoster, User
from scoring.measurement.imports import ImportResult, import_notices
from scoring.measurement.models import Dispute, ImportBatch, Notice
from scoring.measurement.scart import NTD_TIME, TIME_FORMAT, FileFormat, split_line

SOURCE = "demo"
SCART_SOURCE = "demo-scart"
SCART_FILES = (("ntd-export.csv", FileFormat.SCART_NTD), ("closed-export.csv", FileFormat.SCART_CLOSED))
# The time columns of each export, moved together.
SCART_TIMES = {FileFormat.SCART_NTD: (3, 10, 11), FileFormat.SCART_CLOSED: (7, 8)}
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


def _scart_dir() -> Path:
    return Path(settings.BASE_DIR) / "fixtures" / "scart"


def _addslashes(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'").replace('"', '\\"').replace("\x00", "\\0")


def _moved(text: str, file_format: FileFormat, days: int) -> bytes:
    """An export with every time `days` days later on the wall clock, written back as SCARt writes it."""
    header, *lines = text.split("\n")
    moved = [header]
    for line in lines:
        values = split_line(line) or []
        for column in SCART_TIMES[file_format]:
            if values[column]:
                wall = datetime.strptime(values[column], TIME_FORMAT) + timedelta(days=days)
                values[column] = wall.strftime(TIME_FORMAT)
        moved.append("".join(f'"{_addslashes(value)}";' for value in values))
    return "\n".join(moved).encode()


def _ntd_dates(text: str) -> list[date]:
    lines = text.split("\n")[1:]
    return [datetime.strptime((split_line(line) or [])[NTD_TIME], TIME_FORMAT).date() for line in lines]


def _scart_days(ntd_text: str, now: datetime) -> int:
    """How many days the demo exports move: their last NTD three days before the first seeding, then kept."""
    dates = _ntd_dates(ntd_text)
    first = Notice.objects.filter(source=SCART_SOURCE).order_by("reported_at").values_list("reported_at", flat=True)
    if first:
        return (timezone.localtime(first[0]).date() - min(dates)).days
    return (timezone.localtime(now).date() - timedelta(days=3) - max(dates)).days


def _seed_scart(now: datetime) -> list[ImportResult]:
    texts = {name: (_scart_dir() / name).read_text(encoding="utf-8") for name, _format in SCART_FILES}
    days = _scart_days(texts[SCART_FILES[0][0]], now)
    results = []
    for name, file_format in SCART_FILES:
        result = import_notices(
            stream=io.BytesIO(_moved(texts[name], file_format, days)),
            source=SCART_SOURCE,
            channel=ImportBatch.Channel.DEMO,
            filename=f"scart-{name}",
            file_format=file_format,
        )
        if not result.ok:
            raise RuntimeError("; ".join(str(error) for error in result.errors[:5]))
        results.append(result)
    return results


def seed(stdout: TextIO) -> None:
    if not Hoster.objects.filter(slug__in=PROFILES).exists():
        return
    now = timezone.now()
    result = import_notices(records=_records(now), source=SOURCE, channel=ImportBatch.Channel.DEMO, filename="demo")
    if not result.ok:
        raise RuntimeError("; ".join(str(error) for error in result.errors[:5]))
    ntd, closed = _seed_scart(now)
    for name in ("created", "updated", "unchanged", "unattributed"):
        setattr(result, name, getattr(result, name) + getattr(ntd, name))
    _open_dispute()
    stdout.write(f"Demo notices: {result.summary()}")
    stdout.write(f"Demo SCARt exports: NTD {ntd.summary()}; closed {closed.summary()}")
