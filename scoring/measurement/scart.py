"""The hotline's own exports (DESIGN §4.2): EOKM's notice tool SCARt writes its NTD and closed-URL exports like this.

    "NTD filenumber";"NTD type";…;"online counter";     one line per value list, "\n" between lines
    "N24-0001";"email";"sent_succes";"2024-03-01 10:00:00";"O\'Brien Hosting Ltd";"host";…;

Every value in double quotes escaped PHP-`addslashes` style (`\'`, `\"`, `\\`, `\0` for NUL), a `;` after every
value including the last, times as naive `Y-m-d H:i:s` in Europe/Amsterdam (or the zone the import names). Of a
local time that comes twice (the night the clocks go back) the first, summer-time one is meant; a local time that
never came (the night they go forward) is refused, naming its line: SCARt cannot have written it, so the export
was not made in that zone. Only what SCARt writes is read: any other line is refused whole, as is the file.

This module reads the lines one by one, the way every database takes; on PostgreSQL `scart_columnar` takes the
plain files faster and falls back to this reader for any file it does not take. Both turn each line into the
same validated row (`rows.RowValidator` judges times, addresses and URLs); `scart_staging` stores and merges them.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import IO, TypeVar

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.hoster_names import canonical_name
from scoring.measurement.changes import OWNER_MAX
from scoring.measurement.rows import RowValidator

NTD_HEADER = (
    "NTD filenumber",
    "NTD type",
    "NTD status",
    "NTD status time",
    "abuse owner",
    "abuse type",
    "abuse country",
    "abuse email",
    "url",
    "IP",
    "first seen",
    "last seen",
    "online counter",
)
CLOSED_HEADER = (
    "filenumber",
    "url",
    "status",
    "abuse owner",
    "abuse country",
    "abuse email",
    "IP",
    "first seen",
    "last seen",
    "online counter",
)
# Column positions the import reads.
NTD_STATUS, NTD_TIME, NTD_OWNER, NTD_TYPE, NTD_URL, NTD_IP = 2, 3, 4, 5, 8, 9
CLOSED_URL, CLOSED_STATUS, CLOSED_LAST_SEEN = 1, 2, 8
SENT = ("sent_succes", "sent_api_succes")  # sic: SCARt's own spelling
CLOSED = ("close_offline", "close_offline_manual")
# `abuse type`: SCARt's code writes `hoster` for the hosting provider, DESIGN §4.2 says `host`; both name it.
HOSTER_TYPES = ("host", "hoster")
OTHER_TYPES = ("police", "registrar", "site_owner", "unknown", "")
UNKNOWN_OWNER = "unknown"  # SCARt's placeholder when it has no abuse contact
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
DEFAULT_ZONE = "Europe/Amsterdam"
PROGRESS_EVERY = 20000
LINE_MAX = 64 * 1024  # bytes: a URL has at most `rows.URL_MAX` characters, the other values are short

_VALUE = r'"(?:[^"\\]|\\.)*";'
_LINE = re.compile(rf"(?:{_VALUE})*", re.DOTALL)
_FIELD = re.compile(r'"((?:[^"\\]|\\.)*)";', re.DOTALL)
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_UNESCAPED = {"'": "'", '"': '"', "\\": "\\", "0": "\x00"}
_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")

# One NTD line as `scart_staging` stores it: URL SHA-256 and host, the time the NTD was sent (ISO 8601 with
# offset), IP, the hoster its owner names (host lines only), the hoster and attribution of its network, the owner
# as written and its match key (host lines naming one), and the line number.
NtdLine = tuple[str, str, str, str | None, int | None, int | None, str, str, str, int]
# One closed line: URL SHA-256, the time it was last seen online (ISO 8601 with offset), and the line number.
ClosedLine = tuple[str, str, int]


class FileFormat(models.TextChoices):
    """What a notice file is: the portal's own CSV or one of SCARt's two exports."""

    PORTAL = "csv", gettext_lazy("Portal CSV (notice_id,reported_at,…)")
    SCART_NTD = "scart-ntd", gettext_lazy("SCARt NTD export")
    SCART_CLOSED = "scart-closed", gettext_lazy("SCARt closed-URL export")


def url_key(sha256: str) -> int:
    """The first 60 bits of a URL's SHA-256 (hex): a number to group a file's lines by URL quickly."""
    return int(sha256[:15], 16)


def split_line(text: str) -> list[str] | None:
    """The values of a line as SCARt writes it, unescaped; None when the line is not written that way."""
    if not _LINE.fullmatch(text):
        return None
    values = []
    for value in _FIELD.findall(text):
        if "\\" in value:
            escapes = _ESCAPE.findall(value)
            if any(char not in _UNESCAPED for char in escapes):
                return None
            value = _ESCAPE.sub(lambda match: _UNESCAPED[match.group(1)], value)
        values.append(value)
    return values


def detect_format(first_line: bytes | str) -> FileFormat:
    """The format a file's header line shows: one of SCARt's exports, or else the portal's CSV."""
    if isinstance(first_line, bytes):
        first_line = first_line.decode("utf-8-sig", errors="replace")
    values = split_line(first_line.lstrip("\ufeff").rstrip("\r\n"))
    header = tuple(value.strip().lower() for value in values or ())
    if header == tuple(name.lower() for name in NTD_HEADER):
        return FileFormat.SCART_NTD
    if header == tuple(name.lower() for name in CLOSED_HEADER):
        return FileFormat.SCART_CLOSED
    return FileFormat.PORTAL


def format_headers() -> list[tuple[FileFormat, str]]:
    """SCARt's formats with their column names in lower case joined by `|`: how the upload page's script tells them."""
    return [
        (FileFormat.SCART_NTD, "|".join(name.lower() for name in NTD_HEADER)),
        (FileFormat.SCART_CLOSED, "|".join(name.lower() for name in CLOSED_HEADER)),
    ]


def sniff_format(stream: IO[bytes]) -> FileFormat:
    """`detect_format` of a seekable stream's first line; the stream is left where it was."""
    start = stream.tell()
    try:
        return detect_format(stream.readline(64 * 1024))
    finally:
        stream.seek(start)


class ScartReader:
    """Reads one SCARt export line by line into validated rows, recording every bad line in the validator."""

    def __init__(
        self, file_format: FileFormat, validator: RowValidator, progress: Callable[[int], None] | None = None
    ) -> None:
        self.format = file_format
        self.header = NTD_HEADER if file_format == FileFormat.SCART_NTD else CLOSED_HEADER
        self.validator = validator
        self.progress = progress
        self._owners: dict[str, tuple[str, str, int | None]] = {}

    def lines(self, raw: io.RawIOBase) -> Iterator[tuple[int, list[str]]]:
        """(line number, values) of every line after a right header; the bad ones recorded and left out."""
        error = self.validator.error
        stream = io.BufferedReader(raw, 1 << 20)
        width = len(self.header)
        number = 0
        while data := stream.readline(LINE_MAX + 1):
            number += 1
            if len(data) > LINE_MAX:
                error(number, "row", _("A line has at most %(max)d bytes.") % {"max": LINE_MAX})
                return
            try:
                text = data.decode("utf-8-sig" if number == 1 else "utf-8").rstrip("\r\n")
            except UnicodeDecodeError:
                error(number, "file", _("The file is not UTF-8 text."))
                return
            if number == 1:
                if detect_format(text) != self.format:
                    self._wrong_header(text)
                    return
            elif text:
                values = self._values(number, text, width)
                if values is not None:
                    yield number, values
            if self.progress is not None and number % PROGRESS_EVERY == 0:
                self.progress(number)
        if number == 0:
            self._wrong_header("")

    def _values(self, number: int, text: str, width: int) -> list[str] | None:
        values = split_line(text)
        if values is None:
            message = _("This line is not as SCARt writes it: every value in double quotes, each followed by “;”.")
            self.validator.error(number, "row", message)
        elif len(values) != width:
            message = _("Expected %(width)d values, found %(found)d.") % {"width": width, "found": len(values)}
            self.validator.error(number, "row", message)
        else:
            return values
        return None

    def _wrong_header(self, text: str) -> None:
        found = detect_format(text)
        expected = ";".join(f'"{name}"' for name in self.header) + ";"
        if found != FileFormat.PORTAL:
            message = _("This is the header of a %(found)s, not of a %(expected)s; choose that format.")
            self.validator.error(1, "header", message % {"found": found.label, "expected": self.format.label})
        else:
            message = _("Expected the header of a %(format)s: %(header)s")
            self.validator.error(1, "header", message % {"format": self.format.label, "header": expected})

    def time(self, line: int, column: str, text: str) -> str | None:
        """A SCARt time as ISO 8601 with its offset, or None (recorded) when it is missing or bad."""
        if not text:
            self.validator.error(line, column, _("A time is required here."))
            return None
        try:
            if not _TIME.fullmatch(text):
                raise ValueError
            datetime.strptime(text, TIME_FORMAT)  # a naive local time: `timestamp` places it in its zone
        except ValueError:
            message = _("“%(value)s” is not a time as SCARt writes it (YYYY-MM-DD HH:MM:SS).")
            self.validator.error(line, column, message % {"value": text[:80]})
            return None
        stamped = self.validator.timestamp(line, column, text)
        return stamped[1] if stamped else None

    def owner(self, owner: str) -> tuple[str, str, int | None]:
        """A host line's owner as kept (at most OWNER_MAX characters), its match key and the hoster it names;
        SCARt's placeholder `unknown` (and an empty owner) names none and is not kept."""
        if owner not in self._owners:
            kept = owner.strip()[:OWNER_MAX]
            if kept.lower() == UNKNOWN_OWNER or not canonical_name(kept):
                self._owners[owner] = ("", "", None)
            else:
                named = self.validator.attributor.owner_hoster(kept)
                self._owners[owner] = (kept, canonical_name(kept)[:OWNER_MAX], named)
        return self._owners[owner]


Row = TypeVar("Row", NtdLine, ClosedLine)


def valid_rows(
    reader: ScartReader, raw: io.RawIOBase, row: Callable[[ScartReader, int, list[str]], Row | None]
) -> Iterator[Row]:
    """An export's good lines as rows (`ntd_row` or `closed_row`); every bad line is recorded in the validator."""
    for line, values in reader.lines(raw):
        made = row(reader, line, values)
        if made is not None:
            yield made


def ntd_row(reader: ScartReader, line: int, values: list[str]) -> NtdLine | None:
    """One NTD line's row, or None when it is bad (every reason recorded in the reader's validator)."""
    validator = reader.validator
    validator.rows += 1
    errors_before = len(validator.errors)
    status, kind = values[NTD_STATUS], values[NTD_TYPE]
    if status not in SENT:
        message = _("“%(value)s” is not a sent NTD (%(sent)s).")
        validator.error(line, NTD_HEADER[NTD_STATUS], message % {"value": status[:80], "sent": ", ".join(SENT)})
    sent_at = reader.time(line, NTD_HEADER[NTD_TIME], values[NTD_TIME])
    if kind not in HOSTER_TYPES and kind not in OTHER_TYPES:
        message = _("“%(value)s” is not an abuse type SCARt writes (%(types)s).")
        types = ", ".join((*HOSTER_TYPES, *OTHER_TYPES[:-1]))
        validator.error(line, NTD_HEADER[NTD_TYPE], message % {"value": kind[:80], "types": types})
    url, ip = values[NTD_URL], values[NTD_IP]
    if not url:
        validator.error(line, NTD_HEADER[NTD_URL], _("A URL is required."))
    sha256, host = validator.url_fields(line, NTD_HEADER[NTD_URL], url) if url else ("", "")
    if ip:
        validator.check_ip(line, NTD_HEADER[NTD_IP], ip)
    if len(validator.errors) != errors_before or sent_at is None:
        return None
    owner, owner_key, named = reader.owner(values[NTD_OWNER]) if kind in HOSTER_TYPES else ("", "", None)
    hoster_id, attribution = validator.attributor.attribute(None, None, ip or None)
    return sha256, host, sent_at, ip or None, named, hoster_id, attribution, owner, owner_key, line


def closed_row(reader: ScartReader, line: int, values: list[str]) -> ClosedLine | None:
    """One closed line's row, or None when it is bad (every reason recorded in the reader's validator)."""
    validator = reader.validator
    validator.rows += 1
    errors_before = len(validator.errors)
    status, url = values[CLOSED_STATUS], values[CLOSED_URL]
    if status not in CLOSED:
        message = _("“%(value)s” is not a status of a URL found offline (%(closed)s).")
        validator.error(
            line, CLOSED_HEADER[CLOSED_STATUS], message % {"value": status[:80], "closed": ", ".join(CLOSED)}
        )
    if not url:
        validator.error(line, CLOSED_HEADER[CLOSED_URL], _("A URL is required."))
    sha256, _host = validator.url_fields(line, CLOSED_HEADER[CLOSED_URL], url) if url else ("", "")
    last_seen = reader.time(line, CLOSED_HEADER[CLOSED_LAST_SEEN], values[CLOSED_LAST_SEEN])
    if len(validator.errors) != errors_before or last_seen is None:
        return None
    return sha256, last_seen, line
