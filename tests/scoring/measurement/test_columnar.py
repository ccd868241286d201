"""The fast path (`scoring.columnar`) held to the one validation (`RowValidator`): byte for byte, row for row."""

from __future__ import annotations

import csv
import io
import secrets
import struct
import uuid
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from django.db import connection
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scoring.measurement import columnar, imports
from scoring.measurement.attribution import Attributor
from scoring.measurement.models import Dispute, Notice
from tests.scoring.measurement.helpers import HEADER, csv_bytes

# id, ASNs, prefixes: "gamma" holds the /16 around beta's /24, so the longer prefix must win.
HOSTERS = {
    "alpha": (1, [64500], ["192.0.2.0/24", "2001:db8:a::/48"]),
    "beta": (2, [64501], ["198.51.100.0/24"]),
    "gamma": (3, [], ["198.51.0.0/16"]),
}
SOURCE, BATCH = "src", 7


def validator() -> imports.RowValidator:
    declarations = [(hoster_id, asns, prefixes) for hoster_id, asns, prefixes in HOSTERS.values()]
    return imports.RowValidator(None, {slug: d[0] for slug, d in HOSTERS.items()}, Attributor(declarations))


def csv_file(rows: list[tuple[str, ...]], header: str = HEADER) -> bytes:
    out = io.StringIO()
    out.write(header + "\n")
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode()


def fast_rows(data: bytes) -> list[bytes]:
    """The file through the fast path, as the binary COPY rows it writes (raises NotSimple when it leaves it)."""
    checker = validator()
    stream = io.BufferedReader(io.BytesIO(data))
    header = columnar.read_header(stream)
    positions = imports._positions(header, checker)
    binary = columnar.BinaryRows(stream, len(header), positions, checker)
    return split_rows(b"".join(binary.chunks(columnar.row_header(True), columnar.direct_tail(SOURCE, BATCH))))


def slow_rows(rows: list[tuple[str, ...]]) -> list[bytes]:
    """The same rows through `RowValidator.validate` and the one-row encoder."""
    checker = validator()
    header, tail = columnar.row_header(True), columnar.direct_tail(SOURCE, BATCH)
    staged = [checker.validate(line, *row) for line, row in enumerate(rows, start=2)]
    assert not checker.errors, checker.errors
    return [columnar.encode_row(row, header, tail) for row in staged]


def split_rows(data: bytes) -> list[bytes]:
    assert data.startswith(columnar.SIGNATURE) and data.endswith(columnar.TRAILER)
    rows, at = [], len(columnar.SIGNATURE)
    while (fields := struct.unpack_from("!h", data, at)[0]) != -1:
        start, at = at, at + 2
        for _ in range(fields):
            size = struct.unpack_from("!i", data, at)[0]
            at += 4 + max(size, 0)
        rows.append(data[start:at])
    assert at + 2 == len(data)
    return rows


def is_valid(row: tuple[str, ...]) -> bool:
    checker = validator()
    checker.validate(2, *row)
    return not checker.errors


# Mostly plausible times (2000 to a day ahead), some just outside: the fast path must leave those to the validator.
_instants = st.datetimes(min_value=datetime(1996, 1, 1), max_value=datetime(2032, 1, 1))
_offsets = st.sampled_from(["Z", "+00:00", "+02:00", "-05:00", "+05:45", "-00:30", "+14:00"])
_forms = st.sampled_from(["T", " ", "fraction", "basic"])


@st.composite
def timestamps(draw, after: datetime | None = None) -> tuple[datetime, str]:
    moment = draw(_instants) if after is None else after + timedelta(seconds=draw(st.integers(0, 40 * 86400)))
    offset, form = draw(_offsets), draw(_forms)
    if form == "fraction":
        moment = moment.replace(microsecond=draw(st.integers(0, 999999)))
        text = moment.strftime("%Y-%m-%dT%H:%M:%S.%f")
    elif form == "basic":
        text = moment.strftime("%Y%m%dT%H%M%S")
    else:
        text = moment.strftime(f"%Y-%m-%d{form}%H:%M:%S")
    return moment, text + offset


_ips = st.sampled_from(
    [
        "",
        "192.0.2.7",
        "192.0.2.255",
        "198.51.100.1",
        "198.51.7.7",
        "203.0.113.9",
        "0.0.0.0",  # noqa: S104 - an address in a notice, not a bind address
        " 192.0.2.8 ",
        "2001:db8:a::5",
        "2001:DB8:A:0:0:0:0:1",
        "::ffff:192.0.2.1",
        "2001:db8:b::1",
    ]
)
_asns = st.sampled_from(["", "AS64500", "as64501", "aS64999", "64501", "AS0064500", " 64500 ", "4294967295"])
_hosters = st.sampled_from(["", "", "alpha", "beta", " gamma "])
_urls = st.sampled_from(
    [
        "",
        "https://Example.COM/path?q=1&x=%20",
        "http://a.b",
        "https://host.example/gallery/ff.html#top",
        "https://host:8080/x",
        "example.com/path",
        "https://user@host/x",
        "https://[2001:db8::1]/x",
        "https://høst.example/ü",
        "HTTPS://UPPER.EXAMPLE/",
        "https://host.example?q",
        " https://padded.example/ ",
        "ftp://files.example/a",
    ]
)
_ids = st.text(st.sampled_from('abcXYZ019-_:/.," é'), min_size=1, max_size=14)


@st.composite
def notice_rows(draw) -> list[tuple[str, ...]]:
    rows, seen = [], set()
    for _ in range(draw(st.integers(1, 30))):
        notice_id = draw(_ids)
        reported, reported_text = draw(timestamps())
        removed_text = "" if draw(st.booleans()) else draw(timestamps(after=reported))[1]
        row = (notice_id, reported_text, removed_text, draw(_ips), draw(_asns), draw(_hosters), draw(_urls))
        if notice_id.strip() not in seen and is_valid(row):
            seen.add(notice_id.strip())
            rows.append(row)
    return rows


@settings(max_examples=150, deadline=None)
@given(rows=notice_rows())
def test_fast_path_writes_exactly_what_the_validator_stages(rows):
    """Plain rows go by the column, the rest one by one; either way the bytes equal the validator's rows."""
    assume(rows)  # an empty file leaves the fast path: Arrow will not read it
    assert sorted(fast_rows(csv_file(rows))) == sorted(slow_rows(rows))


_bad_rows = st.sampled_from(
    [
        ("n", "2023-02-29T10:00:00Z", "", "192.0.2.1", "", "", ""),
        ("n", "2024-04-31T10:00:00+02:00", "", "192.0.2.1", "", "", ""),
        ("n", "2024-03-01T10:00:00Z", "2024-03-01T09:59:59Z", "192.0.2.1", "", "", ""),
        ("n", "2024-03-01T10:00:00+01:00", "2024-03-01T08:30:00+00:00", "192.0.2.1", "", "", ""),
        ("n", "2024-03-01T10:00:00", "", "192.0.2.1", "", "", ""),
        ("n", "2024-03-01T10:00:00Z", "", "256.1.1.1", "", "", ""),
        ("n", "2024-03-01T10:00:00Z", "", "1.2.3", "", "", ""),
        ("n", "2024-03-01T10:00:00Z", "", "2001:db8::g", "", "", ""),
        ("n", "2024-03-01T10:00:00Z", "", "1:2:3:4:5:6:7:8:9", "", "", ""),
        ("n", "2024-03-01T10:00:00Z", "", "", "AS0", "", ""),
        ("n", "2024-03-01T10:00:00Z", "", "", "AS4294967296", "", ""),
        ("n", "2024-03-01T10:00:00Z", "", "", "ASX", "", ""),
        ("n", "2024-03-01T10:00:00Z", "", "", "", "nobody", ""),
        ("n", "2024-03-01T10:00:00Z", "", "", "", "", "https://x.example/"),
        ("x" * 101, "2024-03-01T10:00:00Z", "", "192.0.2.1", "", "", ""),
        ("", "2024-03-01T10:00:00Z", "", "192.0.2.1", "", "", ""),
        ("n", "", "", "192.0.2.1", "", "", ""),
        ("n\x00", "2024-03-01T10:00:00Z", "", "192.0.2.1", "", "", ""),
        ("n", "2024-03-01T10:00:00Z\x00", "", "192.0.2.1", "", "", ""),
        ("n", "2024-03-01T10:00:00Z", "", "192.0.2.1", "", "", "https://x.example/\x00"),
    ]
)


@settings(max_examples=60, deadline=None)
@given(good=notice_rows(), bad=_bad_rows, at=st.integers(0, 30))
def test_fast_path_never_takes_a_row_the_validator_rejects(good, bad, at):
    assert not is_valid(bad)
    rows = [row for row in good if row[0].strip() != bad[0]]
    rows.insert(min(at, len(rows)), bad)
    with pytest.raises(columnar.NotSimple):
        fast_rows(csv_file(rows))


def test_a_notice_id_repeated_in_another_block_leaves_the_fast_path(monkeypatch):
    monkeypatch.setattr(columnar, "_BLOCK", 256)
    rows = [(f"n{i}", "2024-03-01T10:00:00Z", "", "192.0.2.1", "", "", "") for i in range(40)]
    fast_rows(csv_file(rows))
    with pytest.raises(columnar.NotSimple, match="more than once"):
        fast_rows(csv_file([*rows, rows[0]]))
    with pytest.raises(columnar.NotSimple, match="more than once"):  # one plain, one checked row by row
        fast_rows(csv_file([*rows, (" n3 ", "2024-03-01T10:00:00Z", "", "192.0.2.1", "", "", "")]))


@settings(max_examples=40, deadline=None)
@given(
    ids=st.lists(st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=100), max_size=300)
)
def test_the_hashes_of_notice_ids_are_equal_exactly_for_equal_ids(ids):
    """A repeat always shares its hash; distinct IDs (any length, any printable ASCII) practically never do."""
    hashes = columnar._id_hashes(pa_strings(ids), secrets.randbits(64) | 1)
    by_id = {}
    for notice_id, value in zip(ids, hashes.tolist(), strict=True):
        assert by_id.setdefault(notice_id, value) == value
    assert len(set(by_id.values())) == len(by_id)
    sliced = pa_strings(["x", *ids])[1:]  # an array that starts inside its buffers, as a filtered block's may
    assert columnar._id_hashes(sliced, 3).tolist() == columnar._id_hashes(pa_strings(ids), 3).tolist()


@pytest.mark.parametrize(
    "data",
    [
        b"notice_id,reported_at,removed_at,ip,asn\nn1,2024-03-01T10:00:00Z,,192.0.2.1\n",  # a field short
        b"notice_id,reported_at,removed_at,ip,asn\nn\xff,2024-03-01T10:00:00Z,,192.0.2.1,\n",  # not UTF-8
    ],
)
def test_what_arrow_cannot_read_leaves_the_fast_path(data):
    with pytest.raises(columnar.NotSimple):
        fast_rows(data)


postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the fast path is for PostgreSQL")
MIXED = [
    ("plain", "2024-03-01T10:00:00Z", "2024-03-01T12:00:00+02:00", "192.0.2.1", "AS64500", "", "https://a.example/x"),
    ("v6", "2024-03-01T10:00:00-05:00", "", "2001:db8:100::5", "", "", ""),
    ("padded ", " 2024-03-01T10:00:00Z", "", " 198.51.100.9", "", "", "https://B.example:443/y"),
    ("naive-free", "2024-03-01 10:00:00.250+01:00", "", "", "64501", "", ""),
    ("explicit", "2024-03-02T10:00:00Z", "", "203.0.113.1", "", "hoster-a", ""),
]
NOTICE_FIELDS = ("notice_id", "reported_at", "removed_at", "ip", "asn", "declared_hoster", "hoster", "attribution")


def _import(rows, *, fast: bool, source: str) -> imports.ImportResult:
    data = csv_bytes(rows)
    return imports._import(
        stream=io.BytesIO(data),
        records=None,
        source=source,
        tz=None,
        user=None,
        dry_run=False,
        progress=None,
        batch=None,
        channel="command",
        filename="",
        size=len(data),
        fast=fast,
    )


def _stored(source: str) -> list[tuple]:
    fields = (*NOTICE_FIELDS, "url_sha256", "url_host", "excluded")
    return sorted(Notice.objects.filter(source=source).values_list(*fields))


@postgres_only
def test_fast_and_row_by_row_imports_store_the_same_notices(hoster_a, hoster_b):
    fast = _import(MIXED, fast=True, source="fast")  # raises NotSimple if the file left the fast path
    slow = _import(MIXED, fast=False, source="slow")
    assert fast.summary() == slow.summary()
    assert _stored("fast") == _stored("slow") and len(_stored("fast")) == len(MIXED)
    again = _import(MIXED, fast=True, source="fast")  # the staged way: the same rows compare as unchanged
    assert (again.created, again.updated, again.unchanged) == (0, 0, len(MIXED))


@postgres_only
def test_two_ids_of_one_hash_take_the_row_by_row_way_and_import_all_the_same(hoster_a, hoster_b, monkeypatch):
    monkeypatch.setattr(columnar, "_id_hashes", lambda ids, base: np.zeros(len(ids), np.uint64))
    with pytest.raises(columnar.NotSimple, match="more than once"):
        _import(MIXED, fast=True, source="collide")
    result = imports.import_notices(stream=io.BytesIO(csv_bytes(MIXED)), source="collide")
    assert result.ok and result.created == len(MIXED) == len(_stored("collide"))


def _schema() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'scoring_notice'"
            " UNION ALL SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = 'scoring_notice'::regclass OR confrelid = 'scoring_notice'::regclass"
            " UNION ALL SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger"
            " WHERE tgrelid = 'scoring_notice'::regclass AND NOT tgisinternal ORDER BY 1, 2"
        )
        return cursor.fetchall()


@postgres_only
def test_a_big_first_file_rebuilds_the_indexes_keys_and_triggers_as_they_were(hoster_a, owner_a):
    before = _schema()
    rebuilt = []
    original = imports._Staging._indexes_rebuilt

    def spy(self, rows):
        rebuilt.append(self.source)
        return original(self, rows)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(imports._Staging, "_indexes_rebuilt", spy)
        patch.setattr(imports._Staging, "_outweighs_notices", lambda self: True)
        assert _import(MIXED, fast=True, source=uuid.uuid4().hex).ok
    assert rebuilt and _schema() == before
    notice = Notice.objects.get(notice_id="explicit")
    Dispute.objects.create(notice=notice, raised_by=owner_a, hoster=hoster_a, reason="not ours")
    with pytest.raises(Exception, match="unique"):  # the rebuilt key holds
        Notice.objects.create(
            source=notice.source, notice_id="explicit", reported_at=notice.reported_at, batch=notice.batch
        )


@postgres_only
def test_the_unique_key_sorts_notice_ids_byte_by_byte(db):
    """What makes a big import's key build fast: the notice ID leads and compares in byte order (collation C)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT collation_name FROM information_schema.columns"
            " WHERE table_name = 'scoring_notice' AND column_name = 'notice_id'"
        )
        assert cursor.fetchone() == ("C",)
    assert ("unique_notice_per_source", "UNIQUE (notice_id, source)") in _schema()


@postgres_only
def test_a_file_goes_straight_into_the_notices_only_when_its_source_is_new(hoster_a):
    assert _import(MIXED, fast=True, source="fresh").ok
    assert imports._Staging("fresh").direct is False
    assert imports._Staging("other").direct is True
    # A source whose import succeeded is not new, even when its notices are gone: the safe way, staged and merged.
    Notice.objects.filter(source="fresh").delete()
    assert imports._Staging("fresh").direct is False
    again = _import(MIXED, fast=True, source="fresh")
    assert again.ok and again.created == Notice.objects.filter(source="fresh").count() > 0


@postgres_only
def test_a_bad_row_late_in_the_file_is_reported_by_line(hoster_a, monkeypatch):
    monkeypatch.setattr(columnar, "_BLOCK", 256)
    rows = [(f"n{i}", "2024-03-01T10:00:00Z", "", "192.0.2.1", "", "", "") for i in range(60)]
    rows[57] = ("n57", "2024-03-01T10:00:00Z", "2024-02-01T10:00:00Z", "192.0.2.1", "", "", "")
    rows.append(("n3", "2024-03-01T10:00:00Z", "", "192.0.2.1", "", "", ""))
    data = csv_bytes(rows)
    result = imports.import_notices(stream=io.BytesIO(data), source="late")
    assert [str(error) for error in result.errors] == [
        "line 59: removed_at: The removal lies before the report.",
        "line 62: notice_id: “n3” appears more than once in this file.",
    ]
    assert not Notice.objects.exists()


def test_plain_timestamps_are_read_as_python_reads_them():
    """The column arithmetic against `datetime` over leap days, month ends and offsets across midnight."""
    texts = [
        "2024-02-29T23:59:59Z",
        "2000-02-29T00:00:00+14:00",
        "1900-03-01T00:00:00-12:00",
        "2199-12-31T23:59:59-05:00",
        "1999-12-31T23:30:00-00:30",
    ]
    got, valid = columnar._instants(pa_strings(texts))
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    assert valid.all()
    assert got.tolist() == [(datetime.fromisoformat(t) - epoch) // timedelta(microseconds=1) for t in texts]
    assert not columnar._instants(pa_strings(["2100-02-29T00:00:00Z"]))[1].any()  # 2100 is no leap year


def pa_strings(texts: list[str]):
    import pyarrow as pa

    return pa.array(texts, pa.string())


def test_plain_rows_never_go_one_by_one(monkeypatch):
    def one_by_one(*args):
        raise AssertionError("a plain row went through RowValidator.validate")

    monkeypatch.setattr(imports.RowValidator, "validate", one_by_one)
    rows = [
        ("n1", "2024-03-01T10:00:00Z", "2024-03-01T12:00:00+02:00", "192.0.2.1", "AS64500", "", "https://a.example/x"),
        ("n2", "2024-03-01T10:00:00-05:00", "", "2001:db8:a::5", "", "beta", "http://B.example"),
        ("n3", "2024-03-01T10:00:00+05:45", "", "", "64501", "", ""),
    ]
    assert len(fast_rows(csv_file(rows))) == 3
