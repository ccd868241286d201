"""The fast way through a notice file on PostgreSQL: Apache Arrow reads it and checks the common case by the column.

`RowValidator` stays the one definition of a valid row. This module only recognises rows in a plain form —
printable ASCII without surrounding spaces, timestamps `YYYY-MM-DDTHH:MM:SS` with `Z` or `±HH:MM`, dotted-quad
IPv4, `http(s)://host/…` URLs, known hoster slugs — and writes them in PostgreSQL's binary COPY format a whole
block at a time, exactly as `RowValidator.validate` would have staged them (tests hold the two together, byte
for byte). Every other row goes through `RowValidator.validate` one by one. When a row fails there, or Arrow
cannot read the file, `NotSimple` is raised and the caller reads the whole file again row by row, which names
every bad line; so this path never judges a file, it only takes the good ones faster.
"""

from __future__ import annotations

import binascii
import csv
import ctypes
import functools
import hashlib
import operator
import secrets
import socket
import struct
import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from portal.asn import AS_PREFIXES, ASN_MAX, ASN_MIN
from scoring.measurement.attribution import BY_ASN, BY_PREFIX, EXPLICIT, NONE
from scoring.measurement.rows import EARLIEST, HOST_MAX, NOTICE_ID_MAX, URL_MAX, RowValidator, StagedRow

if TYPE_CHECKING:
    from scoring.measurement.load_days import LoadDays

SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)
TRAILER = struct.pack("!h", -1)
_NULL = struct.pack("!i", -1)
_EMPTY_TEXT = struct.pack("!i", 0)
_INT8 = struct.Struct("!iq")
_INET = struct.Struct("!iBBBB")
_PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_PG_EPOCH_SECONDS = 946_684_800  # 2000-01-01 in seconds since 1970
_MICROSECOND = timedelta(microseconds=1)
_BLOCK = 1 << 21  # bytes of CSV per Arrow block: about 30,000 rows

_ID = r"^[!-~](?:[ -~]*[!-~])?$"  # and at most NOTICE_ID_MAX long
_TIMESTAMP = (
    r"^(?:19|2[01])\d\d-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d"
    r"(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$"
)
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = rf"^{_OCTET}(?:\.{_OCTET}){{3}}$"
# The vectorised form of `portal.asn.read_asn`, the one AS-number rule, for the plain rows: the same prefix and ASCII
# digits, at most as many as ASN_MAX has (so the cast to int64 cannot overflow; a longer one goes row by row);
# `is_asn`'s range, ASN_MIN to ASN_MAX, is checked on the numbers in `_asns`.
_AS_PREFIX = "(?:" + "|".join(AS_PREFIXES) + ")"
_ASN = rf"^{_AS_PREFIX}?[0-9]{{1,{len(str(ASN_MAX))}}}$"
_IPV6 = r"^[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*$"  # inet_pton decides
_URL = r"^https?://[A-Za-z0-9.\-]+(?:/[!-~]*)?$"
_DIGEST = operator.methodcaller("digest")
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter


@functools.cache
def _memory_given_back() -> None:
    """What a block no longer needs goes back to the system, so that a 10M-row import stays well under 500 MB.

    - Arrow allocates from the C library (its system pool) rather than from its bundled mimalloc, which keeps freed
      pages for the next block: reading 3M rows peaked at 332-336 MB instead of 426-440 MB, in 10.8-11.3 s instead
      of 9.8-11.6 s (best of three, four runs each).
    - glibc serves allocations of 1 MiB and more (a block's encoded rows, its largest buffers) straight from mmap and
      gives them back when freed. Otherwise it raises that threshold to the largest block freed so far and keeps such
      blocks in its arenas, one per encoding thread: a 10M-row import peaked at 517-534 MB instead of 466-479 MB, in
      the same time. Without glibc's `mallopt`, nothing.
    """
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt(_M_MMAP_THRESHOLD, 1 << 20)


class NotSimple(Exception):
    """The file leaves the fast path: read it again row by row, which names every bad line."""


# --- one row at a time (the rows outside the plain form) -------------------------------------------------------


def _text(value: str) -> bytes:
    data = value.encode()
    return struct.pack("!i", len(data)) + data


def micros(text: str) -> int:
    """An ISO timestamp with its offset as microseconds since 2000-01-01 UTC, PostgreSQL's own count."""
    delta = datetime.fromisoformat(text) - _PG_EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def _timestamp(text: str | None) -> bytes:
    return _INT8.pack(8, micros(text)) if text else _NULL


def _inet(ip: str | None) -> bytes:
    if not ip:
        return _NULL
    if ":" in ip:  # PostgreSQL's own family codes: 2 for IPv4, 3 for IPv6
        return _INET.pack(20, 3, 128, 0, 16) + socket.inet_pton(socket.AF_INET6, ip)
    return _INET.pack(8, 2, 32, 0, 4) + socket.inet_pton(socket.AF_INET, ip)


def _int8(value: int | None) -> bytes:
    return _NULL if value is None else _INT8.pack(8, value)


def row_header(direct: bool) -> bytes:
    return struct.pack("!h", 13 if direct else 10)


def direct_tail(source: str, batch_id: int) -> bytes:
    """The columns a row going straight into the notices adds: source, excluded (false) and batch."""
    return _text(source) + struct.pack("!ib", 1, 0) + _INT8.pack(8, batch_id)


def encode_row(row: StagedRow, header: bytes, tail: bytes) -> bytes:
    """One staged row in binary COPY format (`staging.Staging.COLUMNS`, then `tail`)."""
    notice_id, reported, removed, ip, asn, declared, hoster, attribution, url_sha256, url_host = row
    return b"".join(
        (
            header,
            _text(notice_id),
            _timestamp(reported),
            _timestamp(removed),
            _inet(ip),
            _int8(asn),
            _int8(declared),
            _int8(hoster),
            _text(attribution),
            _text(url_sha256),
            _text(url_host),
            tail,
        )
    )


# --- a block at a time ---------------------------------------------------------------------------------------------


def _fixed(records: np.ndarray) -> pa.Array:
    """A numpy array of fixed-size records as an Arrow binary array, one record per value."""
    width = records.dtype.itemsize
    fixed = pa.Array.from_buffers(pa.binary(width), len(records), [None, pa.py_buffer(records.tobytes())])
    return fixed.cast(pa.binary())


def _int8_fields(values: np.ndarray, present: np.ndarray | None = None) -> pa.Array:
    records = np.empty(len(values), dtype=[("size", ">i4"), ("value", ">i8")])
    records["size"] = 8
    records["value"] = values
    return _nullable(_fixed(records), present)


def _inet_fields(ipv4: np.ndarray, present: np.ndarray, ipv6: np.ndarray, ipv6_fields: list[bytes]) -> pa.Array:
    dtype = [("size", ">i4"), ("family", "u1"), ("bits", "u1"), ("cidr", "u1"), ("length", "u1"), ("address", ">u4")]
    records = np.empty(len(ipv4), dtype=dtype)
    records["size"], records["family"], records["bits"], records["cidr"], records["length"] = 8, 2, 32, 0, 4
    records["address"] = ipv4
    fields = _fixed(records)
    if ipv6_fields:
        fields = pc.replace_with_mask(fields, pa.array(ipv6), pa.array(ipv6_fields, pa.binary()))
    return _nullable(fields, present)


def _text_fields(values: pa.Array) -> pa.Array:
    sizes = pc.binary_length(values).to_numpy(zero_copy_only=False).astype(">i4")
    return pc.binary_join_element_wise(_fixed(sizes), values.cast(pa.binary()), b"")


def _nullable(fields: pa.Array, present: np.ndarray | None, absent: bytes = _NULL) -> pa.Array:
    if present is None or present.all():
        return fields
    return pc.if_else(pa.array(present), fields, pa.scalar(absent, pa.binary()))


def _numbers(values: pa.Array, positions: Mapping[int, int]) -> dict[int, np.ndarray]:
    """Decimal numbers at fixed character positions ({start: width}) of every value (all ASCII, all long enough)."""
    buffers = values.buffers()
    offsets = np.frombuffer(buffers[1], dtype=np.int32, count=len(values) + 1, offset=values.offset * 4)[:-1]
    data = np.frombuffer(buffers[2], dtype=np.uint8).astype(np.int64) - 48
    numbers = {}
    for start, width in positions.items():
        number = np.zeros(len(values), dtype=np.int64)
        for k in range(width):
            number = number * 10 + data.take(offsets + start + k, mode="clip")  # clip: the Z form is shorter
        numbers[start] = number
    numbers[-1] = data[offsets + 19]  # 'Z' (42), '+' (-5) or '-' (-3), as offsets from '0'
    return numbers


def _instants(values: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Microseconds since 2000-01-01 UTC of `YYYY-MM-DDTHH:MM:SS(Z|±HH:MM)` texts, and which are real dates."""
    n = _numbers(values, {0: 4, 5: 2, 8: 2, 11: 2, 14: 2, 17: 2, 20: 2, 23: 2})
    year, month, day = n[0], n[5], n[8]
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    valid = day <= _DAYS_IN_MONTH[month] + (leap & (month == 2))
    # Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
    days = era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468
    sign = np.where(n[-1] == ord("-") - 48, -1, 1)
    offset = np.where(n[-1] == ord("Z") - 48, 0, sign * (n[20] * 3600 + n[23] * 60))
    seconds = days * 86400 + n[11] * 3600 + n[14] * 60 + n[17] - offset - _PG_EPOCH_SECONDS
    return seconds * 1_000_000, valid


def _lookup(keys: np.ndarray, values: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """`values` at `wanted`'s place among the sorted `keys`, -1 where it is not there."""
    if not len(keys):
        return np.full(len(wanted), -1, dtype=np.int64)
    at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    return np.where(keys[at] == wanted, values[at], -1)


def _sorted_map(mapping: Mapping[int, int]) -> tuple[np.ndarray, np.ndarray]:
    keys = np.array(sorted(mapping), dtype=np.int64)
    return keys, np.array([mapping[k] for k in keys.tolist()], dtype=np.int64)


class BinaryRows:
    """A notice CSV read by Arrow and written as binary COPY, validated and attributed as `RowValidator` does.

    `stream` stands just after the header; `positions` are the columns of `rows.COLUMNS` in the file.
    """

    def __init__(
        self,
        stream: BinaryIO,
        width: int,
        positions: list[int | None],
        validator: RowValidator,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.stream = stream
        self.width = width
        self.positions = positions
        self.validator = validator
        self.progress = progress
        self.lock = threading.Lock()  # the validator is shared by the two blocks worked on at a time
        # A hash of each plain row's notice ID, to check for repeats at the end (8 bytes a row, not the IDs).
        self.id_hashes: list[np.ndarray] = []
        self.hash_base = secrets.randbits(64) | 1
        attributor = validator.attributor
        self.slugs = pa.array(list(validator.hoster_ids), pa.string())
        self.slug_ids = np.array(list(validator.hoster_ids.values()), dtype=np.int64)
        self.asns = _sorted_map(attributor.by_asn)
        self.prefixes = [(length, _sorted_map(attributor.by_prefix[(4, length)])) for length in attributor.lengths[4]]
        # The validator's plausible times (EARLIEST to its `latest`), as microseconds since 2000 like `_instants`.
        self.plausible = ((EARLIEST - _PG_EPOCH) // _MICROSECOND, (validator.latest - _PG_EPOCH) // _MICROSECOND)
        self.days: LoadDays | None = None  # a big load's days, gathered on the way (`notice_days.kept_by_load`)

    def chunks(self, header: bytes, tail: bytes) -> Iterator[bytes]:
        """The binary COPY stream: signature, one chunk per block of the file, trailer."""
        _memory_given_back()
        names = [f"c{i}" for i in range(self.width)]
        try:
            reader = pacsv.open_csv(
                self.stream,
                read_options=pacsv.ReadOptions(column_names=names, block_size=_BLOCK, use_threads=False),
                parse_options=pacsv.ParseOptions(newlines_in_values=False),
                convert_options=pacsv.ConvertOptions(
                    column_types=dict.fromkeys(names, pa.string()),
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
            yield SIGNATURE
            # Two blocks at a time: Arrow and numpy let go of the interpreter, so one block's columns are worked
            # on while the other's URLs are hashed; the next block waits until one is written.
            with ThreadPoolExecutor(max_workers=2) as pool:
                pending: deque[Future[bytes]] = deque()
                for block in reader:
                    pending.append(pool.submit(self._encode, block, header, tail))
                    if len(pending) == 2:
                        yield self._written(pending.popleft())
                while pending:
                    yield self._written(pending.popleft())
            self._check_unique()
            if self.days is not None:
                self.days.finish()
        except (pa.ArrowException, UnicodeDecodeError) as exc:
            raise NotSimple(str(exc)) from exc
        yield TRAILER

    def _written(self, encoded: Future[bytes]) -> bytes:
        chunk = encoded.result()
        if self.progress is not None:
            self.progress(self.validator.rows)
        return chunk

    def _check_unique(self) -> None:
        """Each notice ID once in the file: among the plain rows, and between them and the rows checked one by one.

        By their hashes: two IDs with one hash (a repeat, or by rare chance two IDs) send the file the row-by-row
        way, which knows for sure and names the lines of a repeat.
        """
        hashes = np.concatenate(self.id_hashes) if self.id_hashes else np.empty(0, np.uint64)
        self.id_hashes.clear()  # the blocks' arrays go before the sort: one copy of the hashes at a time
        hashes.sort()
        if np.any(hashes[1:] == hashes[:-1]):
            raise NotSimple("a notice ID may appear more than once")
        if self.validator.seen:
            seen = _id_hashes(pa.array(sorted(self.validator.seen), pa.string()), self.hash_base)
            if np.isin(seen, hashes).any():
                raise NotSimple("a notice ID may appear more than once")

    def _columns(self, block: pa.RecordBatch) -> list[pa.Array]:
        """The block's values in the order of `rows.COLUMNS`; an absent optional column as empty texts."""
        blank = pa.array([""] * block.num_rows, pa.string())
        return [blank if index is None else block.column(index) for index in self.positions]

    def _encode(self, block: pa.RecordBatch, header: bytes, tail: bytes) -> bytes:
        ids, reported, removed, ip, asn, hoster, url = self._columns(block)

        def empty(values: pa.Array) -> pa.Array:
            return pc.equal(pc.binary_length(values), 0)

        def either(values: pa.Array, pattern: str) -> pa.Array:
            return pc.or_(empty(values), pc.match_substring_regex(values, pattern))

        plain = pc.and_(pc.match_substring_regex(ids, _ID), pc.match_substring_regex(reported, _TIMESTAMP))
        plain = pc.and_(plain, pc.less_equal(pc.binary_length(ids), NOTICE_ID_MAX))
        for check in (
            either(removed, _TIMESTAMP),
            pc.or_(either(ip, _IPV4), pc.match_substring_regex(ip, _IPV6)),
            either(asn, _ASN),
            either(url, _URL),
            pc.less_equal(pc.binary_length(url), URL_MAX),
            pc.or_(empty(hoster), pc.is_in(hoster, value_set=self.slugs)),
            pc.invert(pc.and_(pc.and_(empty(hoster), empty(asn)), empty(ip))),
        ):
            plain = pc.and_(plain, check)
        plain_rows = np.asarray(plain.to_numpy(zero_copy_only=False), dtype=bool)
        encoded = self._encode_plain(block.filter(plain), header, tail)
        others = [encode_row(row, header, tail) for row in self._validated(block, ~plain_rows)]
        return encoded + b"".join(others)

    def _validated(self, block: pa.RecordBatch, selected: np.ndarray) -> list[StagedRow]:
        """The selected rows through `RowValidator.validate`, one by one; `NotSimple` at the first bad one."""
        if not selected.any():
            return []
        columns = [
            [""] * int(selected.sum()) if index is None else block.column(index).filter(pa.array(selected)).to_pylist()
            for index in self.positions
        ]
        staged = []
        with self.lock:
            for values in zip(*columns, strict=True):
                row = self.validator.validate(0, *values)
                if row is None:
                    raise NotSimple(str(self.validator.errors[-1]))
                staged.append(row)
        if self.days is not None:
            self.days.add_rows([row[6] for row in staged], [row[1] for row in staged], [row[2] for row in staged])
        return staged

    def _encode_plain(self, block: pa.RecordBatch, header: bytes, tail: bytes) -> bytes:
        """The block's plain rows as binary COPY rows, checked and attributed by the column."""
        rows = block.num_rows
        if not rows:
            return b""
        ids, reported, removed, ip, asn, hoster, url = self._columns(block)
        reported_us, removed_us, has_removed = _times(reported, removed, self.plausible)
        asn_values, has_asn = _asns(asn)
        addresses = _Addresses(ip)
        declared, declared_ids, hoster_ids, attribution = self._attributed(hoster, asn_values, has_asn, addresses)
        unattributed = hoster_ids < 0
        if self.days is not None:
            self.days.add(hoster_ids, reported_us, removed_us, has_removed)
        self.id_hashes.append(_id_hashes(ids, self.hash_base))
        hashes, hosts = _url_fields(url)
        fields = [
            pa.scalar(header, pa.binary()),
            _text_fields(ids),
            _int8_fields(reported_us),
            _int8_fields(removed_us, has_removed),
            addresses.fields(),
            _int8_fields(asn_values, has_asn),
            _int8_fields(declared_ids, declared),
            _int8_fields(hoster_ids, ~unattributed),
            _ATTRIBUTIONS.take(pa.array(attribution)),
            hashes,
            hosts,
            pa.scalar(tail, pa.binary()),
        ]
        joined = pc.binary_join_element_wise(*fields, b"")
        with self.lock:
            self.validator.rows += rows
            self.validator.unattributed += int(unattributed.sum())
        offsets = np.frombuffer(joined.buffers()[1], dtype=np.int32, count=rows + 1, offset=joined.offset * 4)
        encoded: bytes = joined.buffers()[2][int(offsets[0]) : int(offsets[-1])].to_pybytes()
        return encoded

    def _attributed(
        self, hoster: pa.Array, asn_values: np.ndarray, has_asn: np.ndarray, addresses: _Addresses
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """As `Attributor.attribute`: which rows name a hoster and its id, the hoster found (-1 for none) and how."""
        slug_index = pc.index_in(hoster, value_set=self.slugs).to_numpy(zero_copy_only=False)
        declared = ~np.isnan(slug_index)
        declared_ids = np.where(declared, self.slug_ids[np.where(declared, slug_index, 0).astype(np.int64)], -1)
        hoster_ids = declared_ids.copy()
        attribution = np.where(declared, 0, 3)  # explicit, asn, prefix, none: see _ATTRIBUTIONS
        by_asn = _lookup(*self.asns, asn_values)
        found = (hoster_ids < 0) & has_asn & (by_asn >= 0)
        hoster_ids[found], attribution[found] = by_asn[found], 1
        for length, networks in self.prefixes:
            shift = 32 - length
            by_prefix = _lookup(*networks, addresses.ipv4_values >> shift << shift)
            found = (hoster_ids < 0) & addresses.ipv4 & (by_prefix >= 0)
            hoster_ids[found], attribution[found] = by_prefix[found], 2
        by_ip = self.validator.attributor.by_ip
        for row, text in zip(np.flatnonzero(addresses.ipv6).tolist(), addresses.ipv6_texts, strict=True):
            if hoster_ids[row] < 0 and (hoster_id := by_ip(text)) is not None:
                hoster_ids[row], attribution[row] = hoster_id, 2
        return declared, declared_ids, hoster_ids, attribution


def _id_hashes(ids: pa.Array, base: int) -> np.ndarray:
    """Each ID's polynomial hash in `base` (odd) modulo 2**64, its length mixed in; the IDs are never empty."""
    offsets = np.frombuffer(ids.buffers()[1], dtype=np.int32, count=len(ids) + 1, offset=ids.offset * 4)
    data = np.frombuffer(ids.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    starts, lengths = offsets[:-1] - offsets[0], np.diff(offsets)
    if not len(data):
        return np.empty(0, np.uint64)
    powers = np.array([pow(base, k, 1 << 64) for k in range(int(lengths.max()))], dtype=np.uint64)
    terms = (data.astype(np.uint64) + np.uint64(1)) * powers[np.arange(len(data)) - np.repeat(starts, lengths)]
    hashes: np.ndarray = np.add.reduceat(terms, starts) ^ (lengths.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15))
    return hashes


def _present(values: pa.Array) -> np.ndarray:
    return np.asarray(pc.binary_length(values).to_numpy(zero_copy_only=False) > 0)


def _times(
    reported: pa.Array, removed: pa.Array, plausible: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Report and removal as microseconds since 2000 (removal 0 where there is none), and which rows have one.

    `NotSimple` when a date does not exist, lies outside the `plausible` times (microseconds since 2000, both
    included) or a removal lies before its report: the validator rejects that row.
    """
    earliest, latest = plausible
    reported_us, valid = _instants(reported)
    valid &= (reported_us >= earliest) & (reported_us <= latest)
    has_removed = _present(removed)
    removed_us = np.zeros(len(reported), dtype=np.int64)
    if has_removed.any():
        removed_us[has_removed], removed_valid = _instants(removed.filter(pa.array(has_removed)))
        valid[has_removed] &= removed_valid & (removed_us[has_removed] >= reported_us[has_removed])
        valid[has_removed] &= removed_us[has_removed] <= latest  # not before the report, so not before 2000
    if not valid.all():
        raise NotSimple("a row the validator rejects")
    return reported_us, removed_us, has_removed


def _asns(asn: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The AS numbers (0 where there is none) and which rows have one; `NotSimple` for a number out of range."""
    has_asn = _present(asn)
    digits = pc.replace_substring_regex(pc.if_else(pa.array(has_asn), asn, "0"), f"^{_AS_PREFIX}", "")
    asn_values = pc.cast(digits, pa.int64()).to_numpy()
    if not (~has_asn | ((asn_values >= ASN_MIN) & (asn_values <= ASN_MAX))).all():
        raise NotSimple("a row the validator rejects")
    return asn_values, has_asn


class _Addresses:
    """A block's IP addresses: dotted quads as numbers, the IPv6 ones (few) as text and checked by `inet_pton`."""

    def __init__(self, ip: pa.Array) -> None:
        self.present = _present(ip)
        self.ipv6 = np.asarray(pc.match_substring(ip, ":").to_numpy(zero_copy_only=False))
        self.ipv4 = self.present & ~self.ipv6
        octets = pc.split_pattern(pc.if_else(pa.array(self.ipv4), ip, "0.0.0.0"), ".")  # noqa: S104 - a placeholder, not a bind address
        octets = pc.cast(pc.list_flatten(octets), pa.int64()).to_numpy().reshape(-1, 4)
        self.ipv4_values = (octets[:, 0] << 24) | (octets[:, 1] << 16) | (octets[:, 2] << 8) | octets[:, 3]
        self.ipv6_texts: list[str] = ip.filter(pa.array(self.ipv6)).to_pylist()
        try:
            self.ipv6_fields = [
                _INET.pack(20, 3, 128, 0, 16) + socket.inet_pton(socket.AF_INET6, t) for t in self.ipv6_texts
            ]
        except OSError as exc:
            raise NotSimple("not an IPv6 address") from exc

    def fields(self) -> pa.Array:
        return _inet_fields(self.ipv4_values, self.present, self.ipv6, self.ipv6_fields)


def _url_fields(url: pa.Array) -> tuple[pa.Array, pa.Array]:
    """The URLs' SHA-256 (hex) and host names as text fields (empty texts where there is no URL)."""
    hashes, hosts, _keys = url_fields_and_keys(url)
    return hashes, hosts


def url_fields_and_keys(url: pa.Array) -> tuple[pa.Array, pa.Array, np.ndarray]:
    """`_url_fields`, and the first 60 bits of each SHA-256 as a number (0 where there is no URL)."""
    has_url = _present(url)
    urls = url.filter(pa.array(has_url)).cast(pa.binary()).to_pylist()
    digests = b"".join(map(_DIGEST, map(hashlib.sha256, urls)))
    hexes = np.zeros((len(url), 68), dtype=np.uint8)  # the text field: size 64, then the hex digits
    hexes[:, 3] = 64
    hexes[has_url, 4:] = np.frombuffer(binascii.hexlify(digests), dtype=np.uint8).reshape(-1, 64)
    hashes = _nullable(_fixed(hexes.view(f"S{hexes.shape[1]}").ravel()), has_url, _EMPTY_TEXT)
    # http(s)://host/…: the host is the third part between slashes ("//" gives an empty one).
    hosts = pc.list_element(pc.split_pattern(pc.if_else(pa.array(has_url), url, "//"), "/", max_splits=3), 2)
    keys = np.zeros(len(url), dtype=np.int64)
    digits = np.frombuffer(digests, dtype=np.uint8).reshape(-1, 32)
    keys[has_url] = (np.ascontiguousarray(digits[:, :8]).view(">u8").ravel() >> 4).astype(np.int64)
    return hashes, _text_fields(pc.utf8_slice_codeunits(pc.ascii_lower(hosts), 0, HOST_MAX)), keys


_ATTRIBUTIONS = pa.array([_text(code) for code in (EXPLICIT, BY_ASN, BY_PREFIX, NONE)], pa.binary())


def read_header(stream: BinaryIO) -> list[str]:
    """The header line's column names, normalised as `imports._csv_rows` does."""
    try:
        line = stream.readline().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NotSimple("not UTF-8") from exc
    return [name.strip().lower() for name in next(csv.reader([line]), [])]
