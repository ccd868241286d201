"""The fast way through SCARt's exports writes exactly the rows the line-by-line reader writes."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from django.db import connection

from portal.models import Hoster
from scoring.measurement import imports, scart_columnar
from scoring.measurement.attribution import Attributor
from scoring.measurement.changes import NoticeOwner
from scoring.measurement.columnar import NotSimple
from scoring.measurement.models import Notice
from scoring.measurement.rows import RowValidator
from scoring.measurement.scart import CLOSED_HEADER, NTD_HEADER, FileFormat
from tests.scoring.measurement.scart_lines import closed, export, ntd

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the fast way is PostgreSQL's")
AMSTERDAM = ZoneInfo("Europe/Amsterdam")

PLAIN = [
    ntd("https://img.example/1", owner="HOSTER A B.V.", ip="198.51.100.3"),
    ntd("https://img.example/2", owner="Politie", kind="police", ip="198.51.100.4"),
    ntd("https://img.example/3", owner="unknown", ip="2001:db8::3"),
    ntd("https://img.example/1", sent="2024-03-02 10:00:00", owner="HOSTER A B.V.", ip="198.51.100.3"),
    ntd("https://img.example/4", owner="Nobody B.V.", kind="hoster", ip=""),
    ntd("https://Img.Example/5?q=1", sent="2024-10-27 01:59:59", owner="Hoster B", ip="192.0.2.200"),
]
ODD = [
    ntd('https://img.example/p;1/"x".jpg', owner="O'Brien Hosting Ltd", ip="100.64.0.1"),  # escaped: line by line
    ntd("https://img.example/6", sent="2024-10-27 02:30:00"),  # the repeated hour: line by line
]


def validator() -> RowValidator:
    return RowValidator(ZoneInfo("Europe/Amsterdam"), dict(Hoster.objects.values_list("slug", "id")),
                        Attributor.from_database(), now=datetime(2025, 1, 1, tzinfo=UTC))  # fmt: skip


def encoded(data: bytes, file_format: FileFormat, fast: bool, *, plain: bool = False) -> bytes:
    """The binary rows for the file: the plain blocks by the column (`fast`; with `plain` every block must be
    plain), or every line one by one."""
    rows = scart_columnar.ScartBinaryRows(file_format, io.BytesIO(data), validator())  # type: ignore[arg-type]
    if fast:
        if plain:
            rows._one_by_one = lambda *args: pytest.fail("a plain block went line by line")  # type: ignore[method-assign]
        return b"".join(rows.chunks())
    rows.stream.readline()
    body = rows.stream.read() + b"\n"
    return scart_columnar.SIGNATURE + rows._one_by_one(body, 2) + scart_columnar.TRAILER


def test_plain_ntd_lines_are_written_as_the_line_by_line_reader_writes_them(hoster_a, hoster_b):
    data = export(NTD_HEADER, PLAIN)
    assert encoded(data, FileFormat.SCART_NTD, fast=True, plain=True) == encoded(data, FileFormat.SCART_NTD, fast=False)


def test_plain_closed_lines_are_written_as_the_line_by_line_reader_writes_them(hoster_a):
    lines = [closed("https://img.example/1"), closed("https://img.example/2", last_seen="2024-03-31 03:00:00")]
    data = export(CLOSED_HEADER, lines)
    fast = encoded(data, FileFormat.SCART_CLOSED, fast=True, plain=True)
    assert fast == encoded(data, FileFormat.SCART_CLOSED, fast=False)


def test_a_block_with_an_odd_line_goes_line_by_line_and_a_bad_line_leaves_the_fast_way(hoster_a, hoster_b):
    data = export(NTD_HEADER, PLAIN + ODD)
    assert encoded(data, FileFormat.SCART_NTD, fast=True) == encoded(data, FileFormat.SCART_NTD, fast=False)
    with pytest.raises(NotSimple):
        encoded(export(NTD_HEADER, [*PLAIN, ntd(ip="192.0.2.256")]), FileFormat.SCART_NTD, fast=True)
    with pytest.raises(NotSimple):
        encoded(export(NTD_HEADER, [ntd(sent="2024-03-31 02:30:00")]), FileFormat.SCART_NTD, fast=True)


def test_the_zone_reads_local_times_as_zoneinfo_does_and_leaves_the_changes_aside():
    zone = scart_columnar._Zone(AMSTERDAM, datetime(2023, 1, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC))
    walls = [datetime(2024, 3, 31, 0, 0) + timedelta(minutes=15 * k) for k in range(20)]
    walls += [datetime(2024, 10, 27, 0, 0) + timedelta(minutes=15 * k) for k in range(20)]
    walls += [datetime(2024, 7, 1, 12, 0), datetime(2024, 1, 1, 0, 0)]
    local = np.array([int(wall.replace(tzinfo=UTC).timestamp()) for wall in walls])
    utc, clear = zone.to_utc(local)
    for wall, seconds, plain in zip(walls, utc.tolist(), clear.tolist(), strict=True):
        placed = wall.replace(tzinfo=AMSTERDAM)
        exists = placed.astimezone(UTC).astimezone(AMSTERDAM).replace(tzinfo=None) == wall
        twice = wall.replace(tzinfo=AMSTERDAM, fold=1).utcoffset() != placed.utcoffset()
        assert plain == (exists and not twice), wall
        if plain:
            assert seconds == int(placed.timestamp()), wall


def _stored(source: str) -> list[tuple]:
    fields = ("notice_id", "reported_at", "removed_at", "ip", "hoster", "declared_hoster", "attribution", "reminders")
    return sorted(Notice.objects.filter(source=source).values_list(*fields, "url_host"))


def _import(data: bytes, file_format: str, *, fast: bool, source: str) -> imports.ImportResult:
    return imports._import(stream=io.BytesIO(data), records=None, source=source, tz=AMSTERDAM, user=None,
                           dry_run=False, progress=None, batch=None, channel="command", filename="", size=len(data),
                           fast=fast, file_format=file_format)  # fmt: skip


@postgres_only
def test_fast_and_line_by_line_imports_store_the_same_notices(hoster_a, hoster_b):
    ntd_data, closed_data = export(NTD_HEADER, PLAIN + ODD), export(CLOSED_HEADER, [closed("https://img.example/1")])
    for fast, source in ((True, "fast"), (False, "slow")):
        assert _import(ntd_data, "scart-ntd", fast=fast, source=source).ok
        assert _import(closed_data, "scart-closed", fast=fast, source=source).ok
    assert _stored("fast") == _stored("slow") and len(_stored("fast")) == 7
    owners = sorted(NoticeOwner.objects.values_list("notice__source", "notice__notice_id", "name", "owner_key"))
    assert [row[1:] for row in owners if row[0] == "fast"] == [row[1:] for row in owners if row[0] == "slow"]
