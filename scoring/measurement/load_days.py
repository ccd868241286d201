"""The kept days of a big load's notices, gathered by the fast import on its way through the file (PostgreSQL).

A load that rebuilds the notices' indexes writes its kept days itself (`notice_days.kept_by_load`): the marking
trigger would collect every row it writes and leave every day it touched to the worker. Each block's rows go to
disk as (hoster and day, removal duration, removal) records; once the file is read, a thread spreads them over
`PARTS` files by hoster and day, sorts each part and encodes its days as binary COPY rows of `scoring_noticeday`,
while the server builds the notices' indexes. Memory stays that of a part (a file's rows / `PARTS`) or a chunk.

The values are PostgreSQL's to the bit: the day is the portal's time zone's (the zone data of this machine, which
on one machine is the server's too), the duration `date_part('epoch', removed - reported)` as float8, computed as
the server does (the interval's days times 86,400 plus its microseconds / 1e6).
"""

from __future__ import annotations

import struct
import tempfile
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.conf import settings

from scoring.measurement.columnar import _PG_EPOCH_SECONDS, SIGNATURE, TRAILER, _fixed, micros

PARTS = 64  # 2**6: the top six bits of a multiplicative hash of the group
_CHUNK = 1 << 20  # records read at a time to spread them over the parts
_DAY_US = 86_400_000_000
_HOUR_US = 3_600_000_000
_PG_EPOCH_US = _PG_EPOCH_SECONDS * 1_000_000  # 2000-01-01 in microseconds since 1970
_DAY_BITS = 20  # a group is hoster key << _DAY_BITS | (day since 2000 + _DAY_BIAS)
_DAY_BIAS = 1 << (_DAY_BITS - 1)
_OPEN = np.iinfo(np.int64).min  # the removal of a notice without one
_RECORD = np.dtype([("group", "<i8"), ("duration", "<f8"), ("removed", "<i8")])  # duration NaN: still open
_FLOAT8_OID, _INT8_OID = 701, 20


def durations(reported_us: np.ndarray, removed_us: np.ndarray) -> np.ndarray:
    """`date_part('epoch', removed - reported)` of PostgreSQL: the difference justified into days and microseconds
    (truncated towards zero), then microseconds / 1e6 + 86400.0 * days in float8."""
    difference = removed_us - reported_us
    days = np.where(difference >= 0, difference // _DAY_US, -(-difference // _DAY_US))
    rest = difference - days * _DAY_US
    seconds: np.ndarray = rest.astype(np.float64) / 1e6 + 86400.0 * days.astype(np.float64)
    return seconds


def local_days(instants_us: np.ndarray) -> np.ndarray:
    """The day (since 2000-01-01) in the portal's time zone of each instant (microseconds since 2000, UTC).

    The zone's offset is looked up once per hour the instants fall in, when it holds for each of those whole hours
    (the portal's zone changes on the hour); otherwise for each instant.
    """
    if not len(instants_us):
        return np.empty(0, dtype=np.int64)
    hours = instants_us // _HOUR_US
    first = int(hours.min())
    starts = np.arange(first, int(hours.max()) + 1, dtype=np.int64) * _HOUR_US
    if len(starts) <= len(instants_us):
        offsets = _offsets(starts)
        if np.array_equal(offsets, _offsets(starts + (_HOUR_US - 1))):
            by_hour: np.ndarray = (instants_us + offsets[hours - first]) // _DAY_US
            return by_hour
    each: np.ndarray = (instants_us + _offsets(instants_us)) // _DAY_US
    return each


def _offsets(instants_us: np.ndarray) -> np.ndarray:
    """The portal's time zone's offset from UTC at each instant, in microseconds."""
    stamps = pa.array(instants_us + _PG_EPOCH_US, pa.timestamp("us", tz=settings.TIME_ZONE))
    local: np.ndarray = pc.local_timestamp(stamps).cast(pa.int64()).to_numpy() - _PG_EPOCH_US
    offsets: np.ndarray = local - instants_us
    return offsets


class LoadDays:
    """The records of a load's rows on disk, and their days as binary COPY once the load is read."""

    def __init__(self) -> None:
        self.directory = tempfile.TemporaryDirectory(prefix="notice-days-")
        self.records = Path(self.directory.name) / "records"
        self.lock = threading.Lock()
        self.pool = ThreadPoolExecutor(max_workers=1)
        self.encoded: Future[Path] | None = None

    def add(self, hosters: np.ndarray, reported_us: np.ndarray, removed_us: np.ndarray, removed: np.ndarray) -> None:
        """A block's rows: hoster ids (negative: none), report and removal (microseconds since 2000; the removal
        counts where `removed`)."""
        keys = np.where(hosters < 0, 0, hosters).astype(np.int64)
        records = np.empty(len(keys), dtype=_RECORD)
        records["group"] = keys << _DAY_BITS | (local_days(reported_us) + _DAY_BIAS)
        records["duration"] = np.where(removed, durations(reported_us, removed_us), np.nan)
        records["removed"] = np.where(removed, removed_us, _OPEN)
        with self.lock, self.records.open("ab") as out:
            records.tofile(out)

    def add_rows(self, hosters: list[int | None], reported: list[str], removed: list[str | None]) -> None:
        """Rows checked one by one: hoster ids (None: none), report and removal as ISO texts (or none)."""
        self.add(
            np.array([-1 if hoster is None else hoster for hoster in hosters], dtype=np.int64),
            np.array([micros(text) for text in reported], dtype=np.int64),
            np.array([micros(text) if text else 0 for text in removed], dtype=np.int64),
            np.array([bool(text) for text in removed], dtype=bool),
        )

    def finish(self) -> None:
        """Every row is in: the days are computed and encoded in a thread from now on (while the server builds the
        notices' indexes, the client has nothing else to do)."""
        self.encoded = self.pool.submit(self._encode_all)

    def copy_stream(self) -> Iterator[bytes]:
        """The binary COPY of the load's days (waiting for the thread), in chunks."""
        assert self.encoded is not None, "finish() first"
        with self.encoded.result().open("rb") as stream:
            while chunk := stream.read(1 << 20):
                yield chunk

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.directory.cleanup()

    def _encode_all(self) -> Path:
        """The records spread over `PARTS` files by hoster and day (a day's records all in one), then each part's
        days encoded: a sort of a part at a time, not of all the records."""
        parts = [Path(self.directory.name) / f"{index:02d}.part" for index in range(PARTS)]
        if self.records.exists():
            with self.records.open("rb") as source:
                while len(chunk := np.fromfile(source, dtype=_RECORD, count=_CHUNK)):
                    part = (chunk["group"].view(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(58)
                    order = np.argsort(part, kind="stable")
                    bounds = np.searchsorted(part[order], np.arange(PARTS + 1, dtype=np.uint64))
                    chunk = chunk[order]
                    for index in np.flatnonzero(np.diff(bounds)).tolist():
                        with parts[index].open("ab") as out:
                            chunk[bounds[index] : bounds[index + 1]].tofile(out)
            self.records.unlink()
        path = Path(self.directory.name) / "days.copy"
        with path.open("wb") as out:
            out.write(SIGNATURE)
            for part_path in parts:
                if part_path.exists():
                    out.write(_encoded(np.fromfile(part_path, dtype=_RECORD)))
                    part_path.unlink()
            out.write(TRAILER)
        return path


def _encoded(records: np.ndarray) -> bytes:
    """The days of a part's records as binary COPY rows of `scoring_noticeday` (`notice_days.DAY_COLUMNS`)."""
    if not len(records):
        return b""
    # By day; within it in no order, as a refresh keeps them (each day's removed ones are taken in turn below).
    order = np.argsort(records["group"], kind="stable")
    groups, duration, removed = records["group"][order], records["duration"][order], records["removed"][order]
    starts = np.flatnonzero(np.concatenate(([True], groups[1:] != groups[:-1])))
    notices = np.diff(np.append(starts, len(groups)))
    open_ = np.add.reduceat(np.isnan(duration), starts)
    closed = notices - open_
    removed_max = np.maximum.reduceat(removed, starts)
    head = np.empty(
        len(starts),
        dtype=[
            ("fields", ">i2"),
            ("key_size", ">i4"),
            ("key", ">i8"),
            ("day_size", ">i4"),
            ("day", ">i4"),
            ("notices_size", ">i4"),
            ("notices", ">i4"),
            ("open_size", ">i4"),
            ("open", ">i4"),
        ],
    )
    head["fields"] = 7
    head["key_size"], head["key"] = 8, groups[starts] >> _DAY_BITS
    head["day_size"], head["day"] = 4, (groups[starts] & ((1 << _DAY_BITS) - 1)) - _DAY_BIAS
    head["notices_size"], head["notices"] = 4, notices
    head["open_size"], head["open"] = 4, open_
    latest = np.empty(len(starts), dtype=[("size", ">i4"), ("value", ">i8")])
    latest["size"], latest["value"] = 8, removed_max
    latest_fields = pc.if_else(pa.array(closed > 0), _fixed(latest), pa.scalar(struct.pack("!i", -1), pa.binary()))
    done = ~np.isnan(duration)
    fields = [_fixed(head), latest_fields]
    fields += _array_fields(closed, duration[done], ">f8", _FLOAT8_OID)
    fields += _array_fields(closed, removed[done] + _PG_EPOCH_US, ">i8", _INT8_OID)
    joined = pc.binary_join_element_wise(
        *(column.cast(pa.large_binary()) for column in fields),
        pa.scalar(b"", pa.large_binary()),
    )
    offsets = np.frombuffer(joined.buffers()[1], dtype=np.int64, count=len(joined) + 1, offset=joined.offset * 8)
    data: bytes = joined.buffers()[2][int(offsets[0]) : int(offsets[-1])].to_pybytes()
    return data


def _array_fields(closed: np.ndarray, values: np.ndarray, element: str, oid: int) -> list[pa.Array]:
    """A one-dimensional array field per day of `closed` elements each, taken in turn from `values`, in binary COPY:
    its size, its dimensions (none when empty), no NULLs, the element type; its length and lower bound; then each
    element's size and value (`element`, a numpy type)."""
    array = np.empty(len(closed), dtype=[("size", ">i4"), ("dims", ">i4"), ("nulls", ">i4"), ("oid", ">i4")])
    array["size"], array["dims"], array["nulls"], array["oid"] = np.where(closed > 0, 20, 12) + 12 * closed, 0, 0, oid
    array["dims"][closed > 0] = 1
    dimension = np.empty(len(closed), dtype=[("length", ">i4"), ("lower", ">i4")])
    dimension["length"], dimension["lower"] = closed, 1
    dimension_fields = pc.if_else(pa.array(closed > 0), _fixed(dimension), pa.scalar(b"", pa.binary()))
    elements = np.empty(len(values), dtype=[("size", ">i4"), ("value", element)])
    elements["size"], elements["value"] = 8, values
    offsets = np.concatenate(([0], np.cumsum(closed * elements.dtype.itemsize))).astype(np.int64)
    element_fields = pa.Array.from_buffers(
        pa.large_binary(), len(closed), [None, pa.py_buffer(offsets.tobytes()), pa.py_buffer(elements.tobytes())]
    )
    return [_fixed(array), dimension_fields, element_fields]
