"""A notice row: its columns and limits, and `RowValidator`, the one validation every way of importing goes through.

The command, the upload, the API and the fast Arrow path (`columnar`) all judge a row here; what comes out is a
`StagedRow`, the tuple `staging` writes.
"""

from __future__ import annotations

import hashlib
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from portal.asn import asn_number
from scoring.measurement.attribution import Attributor

REQUIRED_COLUMNS = ("notice_id", "reported_at", "removed_at", "ip", "asn")
OPTIONAL_COLUMNS = ("hoster", "url")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
NOTICE_ID_MAX = 100  # Notice.notice_id's length
HOST_MAX = 255  # Notice.url_host's length: a longer host name is cut
# Longer than any web server takes in a request line (nginx and Apache stop near 8 KB): no live URL is longer.
URL_MAX = 8192
SOURCE_MAX = 50  # Notice.source's and ImportBatch.source's length
# When a notice can have been sent: not before the hotlines' exports begin, not after tomorrow (clocks differ).
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
CLOCK_SKEW = timedelta(days=1)
_SHOWN_MAX = 80  # characters of a bad value quoted in its error message

_SOURCE = re.compile(r"[A-Za-z0-9_-]+")

# The host part of an absolute URL or of one without a scheme ("example.com/path"); IPv6 hosts in brackets.
_URL_HOST = re.compile(r"(?:(?:[A-Za-z][A-Za-z0-9+.\-]*:)?//)?(?:[^@/?#\s]*@)?(\[[0-9A-Fa-f:.]+\]|[^:/?#\s\[\]]+)")
# A file names few networks, so the one AS-number parser, remembered, costs a row less than parsing in line would.
_asn_number = lru_cache(maxsize=1 << 16)(asn_number)

# A validated row in the column order of `staging.Staging.COLUMNS`; timestamps as ISO 8601 text with an offset, the
# IP as given (valid; PostgreSQL's inet normalises it, the SQLite loader writes the canonical form).
StagedRow = tuple[str, str, str | None, str | None, int | None, int | None, int | None, str, str, str]


def validate_source(source: str) -> None:
    """A source labels who reported the notices (`meldpunt`): a short slug; ValidationError when it is none.

    Every way of importing checks it here (notice IDs are unique per source, so a typo would start a new one).
    """
    if not (len(source) <= SOURCE_MAX and _SOURCE.fullmatch(source)):
        raise ValidationError(
            _("A source is a label of at most %(max)d letters, digits, hyphens and underscores, such as “meldpunt”.")
            % {"max": SOURCE_MAX},
            code="source",
        )


def _shown(value: str) -> str:
    """A bad value as its error message quotes it: a long one cut short."""
    return value if len(value) <= _SHOWN_MAX else value[:_SHOWN_MAX] + "…"


# What an error names when it concerns no column of the file: translated when shown, unlike the file's own columns.
WHOLE = {"header": gettext_noop("header"), "row": gettext_noop("row"), "file": gettext_noop("file")}


@dataclass(frozen=True)
class RowError:
    """One problem with one row: `line N: column: message` (the header is line 1; API items count from 1).

    The message is translated when the error is found, the rest when it is shown: the importer runs in the
    language of the person importing (`tasks.run_notice_import`), so every part comes out in theirs.
    """

    line: int
    column: str
    message: str
    label: str = "line"

    def __str__(self) -> str:
        column = _(WHOLE[self.column]) if self.column in WHOLE else self.column
        parts = {"line": self.line, "column": column, "message": self.message}
        if self.label == "item":
            return _("item %(line)d: %(column)s: %(message)s") % parts
        return _("line %(line)d: %(column)s: %(message)s") % parts


class RowValidator:
    """Validates and normalises rows; collects every error instead of stopping at the first.

    Hot path: a million-row file goes through `validate` once per row, so it creates no objects beyond the
    staged tuple (timestamps stay text when they are already plain ISO 8601 with an offset) and calls no
    function of its own beyond the timestamp parser.
    """

    def __init__(
        self,
        tz: tzinfo | None,
        hoster_ids: Mapping[str, int],
        attributor: Attributor,
        label: str = "line",
        now: datetime | None = None,
    ) -> None:
        self.tz = tz
        # The latest plausible time of a report or removal (the earliest is EARLIEST).
        self.latest = (now or timezone.now()) + CLOCK_SKEW
        self.hoster_ids = hoster_ids  # by slug; the attributor also knows them by name, legal name and alias
        self.attributor = attributor
        self.label = label
        self.errors: list[RowError] = []
        self.bad_lines: set[int] = set()
        self.seen: set[str] = set()
        self.rows = 0
        self.unattributed = 0  # valid rows that no hoster claims
        # Notice ID → the hoster as a row named it when not by slug (a name or alias): kept as the notice's owner,
        # so that the notice follows when that alias changes hands (`NoticeOwner`).
        self.named_owners: dict[str, str] = {}

    def error(self, line: int, column: str, message: str) -> None:
        # A NUL quoted from the file is shown as ␀: PostgreSQL keeps no NUL in text or JSON (the batch's errors).
        self.errors.append(RowError(line, column, message.replace("\x00", "\N{SYMBOL FOR NULL}"), self.label))
        self.bad_lines.add(line)

    def _timestamp(self, line: int, column: str, text: str) -> tuple[datetime, str] | None:
        """The instant and its text for the database (ISO 8601 with an explicit offset); None, recorded, if bad.

        A time without offset is read in the file's zone (`tz`). Of a local time that comes twice (the hour the
        clocks go back) it is the first, summer-time one; a local time that never came (the hour the clocks
        go forward) is refused, as it shows that the file was not written in that zone.
        """
        try:
            if "\x00" in text:  # Python's parser would stop reading at it
                raise ValueError
            value = datetime.fromisoformat(text)
        except ValueError:
            self.error(line, column, _("“%(value)s” is not an ISO 8601 timestamp.") % {"value": _shown(text)})
            return None
        if value.tzinfo is None:
            if self.tz is None:
                message = _("“%(value)s” has no UTC offset; add one (Z, +02:00) or give the file's time zone.")
                self.error(line, column, message % {"value": text})
                return None
            local, value = value, value.replace(tzinfo=self.tz)
            if value.astimezone(UTC).astimezone(self.tz).replace(tzinfo=None) != local:
                message = _("“%(value)s” never happened in %(zone)s: the clocks were put forward over it.")
                self.error(line, column, message % {"value": text, "zone": self.tz})
                return None
            stored = value.isoformat()
        # `YYYY-MM-DDTHH:MM:SSZ` and `…±HH:MM` (also with a fraction) are read alike everywhere; any other
        # form Python accepts (week dates, basic format, long fractions) is written out canonically.
        elif len(text) in (20, 25) and text[4] == text[7] == "-" and text[13] == text[16] == ":":
            stored = text
        else:
            stored = value.isoformat()
        if EARLIEST <= value <= self.latest:
            return value, stored
        if value < EARLIEST:
            message = _("“%(value)s” lies before %(earliest)s; no notice is that old.")
        else:
            message = _("“%(value)s” lies more than a day in the future.")
        self.error(line, column, message % {"value": text, "earliest": EARLIEST.date().isoformat()})
        return None

    def validate(
        self, line: int, notice_id: str, reported: str, removed: str, ip: str, asn: str, hoster: str, url: str
    ) -> StagedRow | None:
        """The staged form of one row, or None (with the reasons recorded) when it is bad."""
        self.rows += 1
        errors_before = len(self.errors)
        notice_id, reported, removed = notice_id.strip(), reported.strip(), removed.strip()
        if not notice_id:
            self.error(line, "notice_id", _("A notice ID is required."))
        elif "\x00" in notice_id:
            self.error(line, "notice_id", _("A NUL character is not allowed here."))
        elif len(notice_id) > NOTICE_ID_MAX:
            self.error(line, "notice_id", _("A notice ID has at most %(max)d characters.") % {"max": NOTICE_ID_MAX})
        elif notice_id in self.seen:
            message = _("“%(value)s” appears more than once in this file.")
            self.error(line, "notice_id", message % {"value": notice_id})
        else:
            self.seen.add(notice_id)
        if not reported:
            self.error(line, "reported_at", _("The time of the report is required."))
        reported_at = self._timestamp(line, "reported_at", reported) if reported else None
        removed_at = self._timestamp(line, "removed_at", removed) if removed else None
        if reported_at and removed_at and removed_at[0] < reported_at[0]:
            self.error(line, "removed_at", _("The removal lies before the report."))
        ip = ip.strip()
        if ip:
            self.check_ip(line, "ip", ip)
        asn = asn.strip()
        number = _asn_number(asn) if asn else None
        if asn and number is None:
            message = _("“%(value)s” is not an AS number (1 to 4294967295).")
            self.error(line, "asn", message % {"value": _shown(asn)})
        hoster = hoster.strip()
        declared = self.hoster_ids.get(hoster) if hoster else None
        if hoster and declared is None:
            declared = self._named_hoster(line, hoster)
            if declared is not None:
                self.named_owners[notice_id] = hoster
        elif not hoster and not ip and not asn:
            self.error(line, "hoster", _("A row needs at least one of hoster, asn or ip."))
        url = url.strip()
        sha256, host = self.url_fields(line, "url", url) if url else ("", "")
        if len(self.errors) != errors_before or reported_at is None:
            return None
        hoster_id, attribution = self.attributor.attribute(declared, number, ip or None)
        if hoster_id is None:
            self.unattributed += 1
        removal = removed_at[1] if removed_at else None
        return notice_id, reported_at[1], removal, ip or None, number, declared, hoster_id, attribution, sha256, host

    def _named_hoster(self, line: int, hoster: str) -> int | None:
        """The hoster a `hoster` value other than a slug names by name, legal name or alias; None, recorded, if none.

        Compared as attribution compares a hotline's owner names (`Attributor.owner_hoster`): without case,
        punctuation or legal form.
        """
        declared = self.attributor.owner_hoster(hoster)
        if declared is None:
            message = _("No hoster has the slug, name or alias “%(value)s”.")
            self.error(line, "hoster", message % {"value": _shown(hoster)})
        return declared

    def check_ip(self, line: int, column: str, ip: str) -> bool:
        """Whether `ip` is an IPv4 or IPv6 address; when not, the error is recorded under `column`."""
        try:
            socket.inet_pton(socket.AF_INET6 if ":" in ip else socket.AF_INET, ip)
        except (OSError, ValueError):
            self.error(line, column, _("“%(value)s” is not an IPv4 or IPv6 address.") % {"value": _shown(ip)})
            return False
        return True

    def url_fields(self, line: int, column: str, url: str) -> tuple[str, str]:
        """The URL's SHA-256 (hex) and host name, all the portal keeps of it; a bad URL is recorded under `column`."""
        host = ""
        if "\x00" in url:
            self.error(line, column, _("A NUL character is not allowed here."))
        elif len(url) > URL_MAX:
            self.error(line, column, _("A URL has at most %(max)d characters.") % {"max": URL_MAX})
        elif (match := _URL_HOST.match(url)) is None:
            self.error(line, column, _("This is not a URL."))
        else:
            host = match.group(1).lower()[:HOST_MAX]
        return hashlib.sha256(url.encode()).hexdigest(), host

    def timestamp(self, line: int, column: str, text: str) -> tuple[datetime, str] | None:
        """`_timestamp` for the other readers (the SCARt exports), with their column names."""
        return self._timestamp(line, column, text)
