"""Reading a notice file the portal's way (CSV, the fast way or row by row) or the API's records, into validated rows.

`imports` decides which reader a file goes through; SCARt's exports have readers of their own (`scart`).
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import IO, TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from scoring.measurement.rows import COLUMNS, REQUIRED_COLUMNS, RowValidator, StagedRow

if TYPE_CHECKING:
    from scoring.measurement.columnar import BinaryRows

PROGRESS_EVERY = 20000
# Told (rows read, bytes read) as the file goes by: the command's progress bar, the upload's progress on its batch.
ProgressCallback = Callable[[int, int], None]


class HashingReader(io.RawIOBase):
    """Passes a binary stream through, counting and hashing the bytes (SHA-256 of the whole file)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.sha256 = hashlib.sha256()
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(len(buffer))
        size = len(data)
        buffer[:size] = data
        self.sha256.update(data)
        self.bytes_read += size
        return size


def header_positions(header: list[str], validator: RowValidator) -> list[int | None] | None:
    """Where each of `COLUMNS` is in the file's header (None when absent), or None when the header is wrong."""
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    unknown = [name for name in header if name not in COLUMNS]
    if missing:
        validator.error(1, "header", _("Missing column(s): %(columns)s.") % {"columns": ", ".join(missing)})
    if unknown:
        validator.error(1, "header", _("Unknown column(s): %(columns)s.") % {"columns": ", ".join(unknown)})
    if len(set(header)) != len(header):
        validator.error(1, "header", _("A column appears more than once."))
    if validator.errors:
        return None
    return [header.index(name) if name in header else None for name in COLUMNS]


def arrow_rows(validator: RowValidator, progress: ProgressCallback | None, reader_state: HashingReader) -> BinaryRows:
    """The fast way (PostgreSQL): the file read and checked by the column, as binary COPY (see `columnar`)."""
    # Imported here, not above: Arrow and numpy take memory, and only the processes that import files need them.
    from scoring.measurement import columnar

    buffered = io.BufferedReader(reader_state, 1 << 20)
    header = columnar.read_header(buffered)
    positions = header_positions(header, validator)
    if positions is None:
        raise columnar.NotSimple("header")
    report = None if progress is None else (lambda rows: progress(rows, reader_state.bytes_read))
    return columnar.BinaryRows(buffered, len(header), positions, validator, report)


def csv_rows(
    validator: RowValidator, progress: ProgressCallback | None, reader_state: HashingReader
) -> Iterator[StagedRow]:
    text = io.TextIOWrapper(io.BufferedReader(reader_state, 1 << 20), encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    try:
        header = [name.strip().lower() for name in next(reader, [])]
        positions = header_positions(header, validator)
        if positions is None:
            return
        width = len(header)
        i_id, i_rep, i_rem, i_ip, i_asn, i_hoster, i_url = positions
        # The required columns are always there (`positions` rejects a header without them).
        assert i_id is not None and i_rep is not None and i_rem is not None and i_ip is not None and i_asn is not None
        validate = validator.validate
        for count, fields in enumerate(reader, start=1):
            line = reader.line_num
            if len(fields) != width:
                if not fields:
                    continue
                validator.error(
                    line,
                    "row",
                    _("Expected %(width)d fields, found %(found)d.") % {"width": width, "found": len(fields)},
                )
                continue
            row = validate(
                line,
                fields[i_id],
                fields[i_rep],
                fields[i_rem],
                fields[i_ip],
                fields[i_asn],
                "" if i_hoster is None else fields[i_hoster],
                "" if i_url is None else fields[i_url],
            )
            if row is not None:
                yield row
            if progress is not None and count % PROGRESS_EVERY == 0:
                progress(count, reader_state.bytes_read)
    except UnicodeDecodeError:
        validator.error(reader.line_num + 1, "file", _("The file is not UTF-8 text."))
    except csv.Error as exc:
        validator.error(reader.line_num, "file", _("The file is not valid CSV: %(error)s") % {"error": exc})


def record_rows(records: Sequence[Any], validator: RowValidator) -> Iterator[StagedRow]:
    for index, record in enumerate(records, start=1):
        if not isinstance(record, Mapping):
            validator.error(index, "row", _("Each notice is a JSON object."))
            continue
        unknown = sorted(str(key) for key in record if key not in COLUMNS)
        if unknown:
            validator.error(index, "row", _("Unknown field(s): %(columns)s.") % {"columns": ", ".join(unknown)})
            continue
        values = [record_text(validator, index, name, record.get(name)) for name in COLUMNS]
        texts = [value for value in values if value is not None]
        if len(texts) != len(values):
            continue
        row = validator.validate(index, *texts)
        if row is not None:
            yield row


def record_text(validator: RowValidator, index: int, name: str, value: Any) -> str | None:
    """A field of an API record as the text a file would hold; None, recorded, when JSON gave another type.

    Texts, or null for an empty field; an AS number may also be a JSON number.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if name == "asn" and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    validator.error(index, name, _("Give this field as a JSON string (or null when it is empty)."))
    return None
