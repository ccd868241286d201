"""The fast way through a SCARt export on PostgreSQL: numpy finds the values, Arrow checks them by the column.

SCARt writes every value in double quotes followed by `;`. In a block without backslashes (no escaped value) and
without carriage returns, each line then has exactly two quotes per value, so the quotes alone give every value's
place: numpy checks that shape and cuts the values out, and the plain ones — statuses and types SCARt writes,
times `YYYY-MM-DD HH:MM:SS` outside the nights the clocks change, dotted-quad or IPv6 addresses,
`http(s)://host/…` URLs — are checked and written as binary COPY a block at a time, exactly as `scart.ntd_row` and
`scart.closed_row` would have (tests hold the two together). Any other block goes through those functions line by
line. At the first line they refuse, `NotSimple` sends the whole file back to the row-by-row reader, which names
every bad line: this path never judges a file, it only takes the good ones faster.
"""

from __future__ import annotations

import io
import struct
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, tzinfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from scoring.measurement.columnar import (
    _DAYS_IN_MONTH,
    _INT8,
    _PG_EPOCH,
    _PG_EPOCH_SECONDS,
    _URL,
    SIGNATURE,
    TRAILER,
    NotSimple,
    _Addresses,
    _fixed,
    _inet,
    _int8,
    _int8_fields,
    _lookup,
    _sorted_map,
    _text,
    _text_fields,
    url_fields_and_keys,
)
from scoring.measurement.rows import EARLIEST, URL_MAX, RowValidator
from scoring.measurement.scart import (
    CLOSED,
    CLOSED_HEADER,
    CLOSED_LAST_SEEN,
    CLOSED_STATUS,
    CLOSED_URL,
    HOSTER_TYPES,
    LINE_MAX,
    NTD_HEADER,
    NTD_IP,
    NTD_OWNER,
    NTD_STATUS,
    NTD_TIME,
    NTD_TYPE,
    NTD_URL,
    OTHER_TYPES,
    SENT,
    FileFormat,
    ScartReader,
    closed_row,
    detect_format,
    ntd_row,
    split_line,
    url_key,
)

_BLOCK = 1 << 21  # bytes read at a time: about 10,000 lines
_QUOTE, _SEMICOLON, _NEWLINE, _RETURN, _BACKSLASH = 34, 59, 10, 13, 92
_TIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$"
_IPV4 = r"^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$"
_IPV6 = r"^[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*$"
_INT4 = struct.Struct("!ii")
_ATTRIBUTIONS = ("explicit", "asn", "prefix", "none")


class _Zone:
    """A zone's changes of UTC offset between two instants, to read local times by the column.

    The local times around a change (the hour skipped or repeated) are not read here: they go line by line.
    """

    def __init__(self, tz: tzinfo, start: datetime, end: datetime) -> None:
        def offset(seconds: int) -> int:
            delta = datetime.fromtimestamp(seconds, UTC).astimezone(tz).utcoffset()
            return int(delta.total_seconds()) if delta else 0

        at, stop = int(start.timestamp()), int(end.timestamp())
        self.first = before = offset(at)
        changes: list[tuple[int, int, int]] = []
        while at < stop:
            after = offset(at + 86400)
            if after != before:
                low, high = at, at + 86400
                while high - low > 1:
                    middle = (low + high) // 2
                    low, high = (middle, high) if offset(middle) == before else (low, middle)
                changes.append((high, before, after))
                before = after
            at += 86400
        self.instants = np.array([c[0] for c in changes], dtype=np.int64)
        self.after = np.array([c[2] for c in changes], dtype=np.int64)
        low_high = [(c[0] + min(c[1], c[2]), c[0] + max(c[1], c[2])) for c in changes]
        self.low = np.array([lh[0] for lh in low_high], dtype=np.int64)
        self.high = np.array([lh[1] for lh in low_high], dtype=np.int64)

    def to_utc(self, local: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """UTC seconds of local wall-clock seconds (both since 1970), and which lie clear of any change."""
        passed = np.searchsorted(self.high, local, side="right")
        offsets = np.where(passed > 0, self.after[np.maximum(passed - 1, 0)], self.first) if len(self.high) else 0
        upcoming = np.minimum(passed, max(len(self.low) - 1, 0))
        near = (passed < len(self.low)) & (local >= self.low[upcoming]) if len(self.low) else np.zeros(len(local), bool)
        return local - offsets, ~near


def _values(buffer: np.ndarray, opens: np.ndarray, closes: np.ndarray, width: int, column: int) -> pa.Array:
    """Column `column` of every line: the bytes between its value's quotes, as an Arrow string array."""
    starts, ends = opens[column::width] + 1, closes[column::width]
    lengths = ends - starts
    offsets = np.zeros(len(starts) + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    gather = np.arange(offsets[-1], dtype=np.int64) + np.repeat(starts - offsets[:-1], lengths)
    data = buffer[gather]
    return pa.StringArray.from_buffers(len(starts), pa.py_buffer(offsets), pa.py_buffer(data.tobytes()))


def _shape(buffer: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Every line's start and the quotes that open and close its values; None when a line is not plainly shaped."""
    if (buffer == _BACKSLASH).any() or (buffer == _RETURN).any():
        return None
    ends = np.flatnonzero(buffer == _NEWLINE)
    starts = np.concatenate(([0], ends[:-1] + 1))
    if (ends == starts).any():  # an empty line
        return None
    quotes = np.flatnonzero(buffer == _QUOTE)
    per_line = np.searchsorted(quotes, ends) - np.searchsorted(quotes, starts)
    if not (per_line == 2 * width).all() or not (buffer[starts] == _QUOTE).all():
        return None
    opens, closes = quotes[0::2], quotes[1::2]
    if not (buffer[closes + 1] == _SEMICOLON).all():  # the block ends with a newline: a quote is never last
        return None
    follows = buffer[closes + 2]  # after a value's `;`: a newline at the latest
    if not ((follows == _QUOTE) | (follows == _NEWLINE)).all():
        return None
    return starts, opens, closes


def _local_seconds(times: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """`YYYY-MM-DD HH:MM:SS` texts (all 19 ASCII characters) as seconds since 1970 on a UTC clock, and which are
    real dates and times."""
    data = np.frombuffer(times.buffers()[2], dtype=np.uint8, count=19 * len(times), offset=times.offset * 19)
    digits = data.reshape(-1, 19).astype(np.int64) - 48

    def number(start: int, width: int) -> np.ndarray:
        value = np.zeros(len(digits), dtype=np.int64)
        for k in range(width):
            value = value * 10 + digits[:, start + k]
        return value

    year, month, day = number(0, 4), number(5, 2), number(8, 2)
    hour, minute, second = number(11, 2), number(14, 2), number(17, 2)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    valid = (month >= 1) & (month <= 12) & (day >= 1) & (hour <= 23) & (minute <= 59) & (second <= 59)
    valid &= day <= _DAYS_IN_MONTH[np.clip(month, 0, 12)] + (leap & (month == 2))
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
    days = era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468
    return days * 86400 + hour * 3600 + minute * 60 + second, valid


class ScartBinaryRows:
    """A SCARt export read a block at a time and written as binary COPY rows for `scart_staging`."""

    def __init__(
        self,
        file_format: FileFormat,
        raw: io.RawIOBase,
        validator: RowValidator,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.format = file_format
        self.ntd = file_format == FileFormat.SCART_NTD
        self.width = len(NTD_HEADER if self.ntd else CLOSED_HEADER)
        self.stream = io.BufferedReader(raw, 1 << 20)
        self.validator = validator
        self.reader = ScartReader(file_format, validator)
        self.progress = progress
        self.header = struct.pack("!h", 11 if self.ntd else 3)
        self.zone = _Zone(validator.tz or UTC, EARLIEST, validator.latest)
        self.plausible = (int(EARLIEST.timestamp()), int(validator.latest.timestamp()))
        attributor = validator.attributor
        self.prefixes = [(length, _sorted_map(attributor.by_prefix[(4, length)])) for length in attributor.lengths[4]]
        self.lock = threading.Lock()
        used = (NTD_STATUS, NTD_TIME, NTD_OWNER, NTD_TYPE, NTD_URL, NTD_IP)
        self.used = used if self.ntd else (CLOSED_URL, CLOSED_STATUS, CLOSED_LAST_SEEN)

    def chunks(self) -> Iterator[bytes]:
        """The binary COPY stream: signature, one chunk per block of the file, trailer.

        Two blocks at a time: numpy and Arrow let go of the interpreter, so one block is checked while the other's
        URLs are hashed; the next block waits until one is written.
        """
        first = self.stream.readline(LINE_MAX + 1)
        if detect_format(first) != self.format:
            raise NotSimple("header")
        yield SIGNATURE
        with ThreadPoolExecutor(max_workers=2) as pool:
            pending: deque[Future[bytes]] = deque()
            for block, first_line in self._blocks():
                pending.append(pool.submit(self._block, block, first_line))
                if len(pending) == 2:
                    yield self._written(pending.popleft())
            while pending:
                yield self._written(pending.popleft())
        yield TRAILER

    def _blocks(self) -> Iterator[tuple[bytes, int]]:
        """The file after its header in blocks of whole lines, each with the number of its first line."""
        line, carry = 2, b""
        while True:
            data = self.stream.read(_BLOCK)
            block = carry + data
            cut = block.rfind(b"\n") + 1 if data else len(block)
            block, carry = block[:cut], block[cut:]
            if len(carry) > LINE_MAX:
                raise NotSimple("a line too long")
            if block:
                block = block if block.endswith(b"\n") else block + b"\n"
                yield block, line
                line += block.count(b"\n")
            if not data:
                return

    def _written(self, encoded: Future[bytes]) -> bytes:
        chunk = encoded.result()
        if self.progress is not None:
            self.progress(self.validator.rows)
        return chunk

    def _block(self, block: bytes, first_line: int) -> bytes:
        """The block's lines encoded: by the column when they are plain, else one by one."""
        try:
            block.decode()
        except UnicodeDecodeError as exc:
            raise NotSimple("not UTF-8") from exc
        buffer = np.frombuffer(block, dtype=np.uint8)
        shape = _shape(buffer, self.width)
        if shape is not None:
            starts, opens, closes = shape
            columns = {c: _values(buffer, opens, closes, self.width, c) for c in self.used}
            lines = np.arange(first_line, first_line + len(starts), dtype=np.int64)
            encoded = self._plain_ntd(columns, lines) if self.ntd else self._plain_closed(columns, lines)
            if encoded is not None:
                with self.lock:
                    self.validator.rows += len(starts)
                return encoded
        with self.lock:  # the validator and the reader's owners are shared by the two blocks
            return self._one_by_one(block, first_line)

    def _one_by_one(self, block: bytes, first_line: int) -> bytes:
        """A block that is not plain, through `scart.ntd_row` or `scart.closed_row` line by line."""
        texts = block.decode().split("\n")[:-1]
        encoded = []
        for number, text in enumerate(texts, start=first_line):
            text = text.rstrip("\r")
            if not text:
                continue
            values = split_line(text)
            if values is None or len(values) != self.width:
                raise NotSimple("a line the reader refuses")
            if self.ntd:
                row = ntd_row(self.reader, number, values)
                if row is None:
                    raise NotSimple(str(self.validator.errors[-1]))
                encoded.append(self._encode_ntd(row))
            else:
                closed = closed_row(self.reader, number, values)
                if closed is None:
                    raise NotSimple(str(self.validator.errors[-1]))
                sha, removed, line = closed
                encoded.append(self.header + _text(sha) + _timestamp(removed) + _INT4.pack(4, line))
        return b"".join(encoded)

    def _encode_ntd(self, row: tuple) -> bytes:  # type: ignore[type-arg]
        sha, host, sent, ip, named, hoster, attribution, owner, key, line = row
        return b"".join(
            (
                self.header,
                _int8(url_key(sha)),
                _text(sha),
                _text(host),
                _timestamp(sent),
                _inet(ip),
                _int8(named),
                _int8(hoster),
                _text(attribution),
                _text(owner),
                _text(key),
                _INT4.pack(4, line),
            )
        )

    def _times(self, times: pa.Array) -> np.ndarray | None:
        """Microseconds since 2000 (UTC) of plain, plausible SCARt times; None when any time is not so."""
        if not pc.all(pc.match_substring_regex(times, _TIME)).as_py():
            return None
        local, valid = _local_seconds(times)
        utc, clear = self.zone.to_utc(local)
        earliest, latest = self.plausible
        if not (valid & clear & (utc >= earliest) & (utc <= latest)).all():
            return None
        return (utc - _PG_EPOCH_SECONDS) * 1_000_000

    def _urls(self, urls: pa.Array) -> tuple[pa.Array, pa.Array, np.ndarray] | None:
        """The URLs' SHA-256 and host text fields and their keys (`scart_staging.url_key`), if all are plain."""
        plain = pc.and_(pc.match_substring_regex(urls, _URL), pc.less_equal(pc.binary_length(urls), URL_MAX))
        return url_fields_and_keys(urls) if pc.all(plain).as_py() else None

    def _plain_closed(self, columns: dict[int, pa.Array], lines: np.ndarray) -> bytes | None:
        if not pc.all(pc.is_in(columns[CLOSED_STATUS], value_set=pa.array(CLOSED))).as_py():
            return None
        removed = self._times(columns[CLOSED_LAST_SEEN])
        urls = self._urls(columns[CLOSED_URL])
        if removed is None or urls is None:
            return None
        fields = [pa.scalar(self.header, pa.binary()), urls[0], _int8_fields(removed), _int4_fields(lines)]
        return _joined(fields, len(lines))

    def _plain_ntd(self, columns: dict[int, pa.Array], lines: np.ndarray) -> bytes | None:
        kinds = columns[NTD_TYPE]
        plain = pc.and_(
            pc.is_in(columns[NTD_STATUS], value_set=pa.array(SENT)),
            pc.is_in(kinds, value_set=pa.array((*HOSTER_TYPES, *OTHER_TYPES))),
        )
        ip = columns[NTD_IP]
        ips = pc.or_(pc.equal(pc.binary_length(ip), 0), pc.match_substring_regex(ip, _IPV4))
        if not pc.all(pc.and_(plain, pc.or_(ips, pc.match_substring_regex(ip, _IPV6)))).as_py():
            return None
        sent = self._times(columns[NTD_TIME])
        urls = self._urls(columns[NTD_URL])
        if sent is None or urls is None:
            return None
        try:
            addresses = _Addresses(ip)
        except NotSimple:
            return None
        with self.lock:  # the reader's owners are shared by the two blocks
            owners, owner_keys, named = self._owners(columns[NTD_OWNER], kinds)
        hoster_ids, attribution = self._network(addresses)
        with self.lock:
            self.validator.unattributed += int((hoster_ids < 0).sum())
        hashes, hosts, url_keys = urls
        fields = [
            pa.scalar(self.header, pa.binary()),
            _int8_fields(url_keys),
            hashes,
            hosts,
            _int8_fields(sent),
            addresses.fields(),
            _int8_fields(named, named >= 0),
            _int8_fields(hoster_ids, hoster_ids >= 0),
            _text_fields(pa.array(_ATTRIBUTIONS).take(pa.array(attribution))),
            owners,
            owner_keys,
            _int4_fields(lines),
        ]
        return _joined(fields, len(lines))

    def _owners(self, owners: pa.Array, kinds: pa.Array) -> tuple[pa.Array, pa.Array, np.ndarray]:
        """The owners of host lines as kept, their keys and the hosters they name (-1 for none), as `reader.owner`."""
        to_host = pc.is_in(kinds, value_set=pa.array(HOSTER_TYPES))
        distinct = pc.unique(owners)
        found = [self.reader.owner(owner) for owner in distinct.to_pylist()]
        where = pc.index_in(owners, value_set=distinct)
        kept = pc.if_else(to_host, pa.array([f[0] for f in found], pa.string()).take(where), "")
        keys = pc.if_else(to_host, pa.array([f[1] for f in found], pa.string()).take(where), "")
        ids = np.array([-1 if f[2] is None else f[2] for f in found], dtype=np.int64)[where.to_numpy()]
        named = np.where(np.asarray(to_host.to_numpy(zero_copy_only=False), dtype=bool), ids, -1)
        return _text_fields(kept), _text_fields(keys), named

    def _network(self, addresses: _Addresses) -> tuple[np.ndarray, np.ndarray]:
        """As `Attributor.attribute` without a named hoster or AS number: the longest declared prefix, or none."""
        hoster_ids = np.full(len(addresses.present), -1, dtype=np.int64)
        attribution = np.full(len(addresses.present), 3, dtype=np.int64)  # none; see _ATTRIBUTIONS
        for length, networks in self.prefixes:
            shift = 32 - length
            by_prefix = _lookup(*networks, addresses.ipv4_values >> shift << shift)
            found = (hoster_ids < 0) & addresses.ipv4 & (by_prefix >= 0)
            hoster_ids[found], attribution[found] = by_prefix[found], 2
        by_ip = self.validator.attributor.by_ip
        for row, text in zip(np.flatnonzero(addresses.ipv6).tolist(), addresses.ipv6_texts, strict=True):
            if (hoster_id := by_ip(text)) is not None:
                hoster_ids[row], attribution[row] = hoster_id, 2
        return hoster_ids, attribution


def _timestamp(text: str) -> bytes:
    delta = datetime.fromisoformat(text) - _PG_EPOCH
    return _INT8.pack(8, (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds)


def _int4_fields(values: np.ndarray) -> pa.Array:
    records = np.empty(len(values), dtype=[("size", ">i4"), ("value", ">i4")])
    records["size"] = 4
    records["value"] = values
    return _fixed(records)


def _joined(fields: list[pa.Array | pa.Scalar], rows: int) -> bytes:
    joined = pc.binary_join_element_wise(*fields, b"")
    offsets = np.frombuffer(joined.buffers()[1], dtype=np.int32, count=rows + 1, offset=joined.offset * 4)
    encoded: bytes = joined.buffers()[2][int(offsets[0]) : int(offsets[-1])].to_pybytes()
    return encoded
