"""Importing hash-check statistics: CSV `hoster,week,checks,hits`, for the command and the upload page alike.

A file is judged whole before anything is stored: every bad line is named (`line N: column: message`) and a file
with any is rejected, storing nothing. Importing the same file again changes nothing (`created=0 updated=0`); a
file with other figures for a stored hoster and week replaces them (`updated`). Hostile files are ordinary input:
the file, each line and the number of errors are bounded, and a NUL, a UTF-16 file or bytes that are not UTF-8
are refused with a reason.
"""

from __future__ import annotations

import csv
import hashlib
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO

from django.db import IntegrityError, connection, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import log_action
from portal.hoster_names import canonical_name
from portal.models import Hoster, User
from portal.refusals import Refusal
from scoring.measurement.hashchecks import HashCheckWeek, iso_week, monday_of
from scoring.measurement.rows import RowError

FILE_MAX_BYTES = 8 * 1024 * 1024
"""Ten years of weekly figures for a thousand hosters fit in a few megabytes."""
LINE_MAX_BYTES = 1024
ERRORS_MAX = 1000
COLUMNS = ("hoster", "week", "checks", "hits")
COUNT_MAX = 10**15
EARLIEST_WEEK = date(2000, 1, 3)  # the Monday of 2000-W01; EOKM's statistics are far younger
_SHOWN_MAX = 80
_ISO_WEEK = re.compile(r"([0-9]{4})-[Ww]([0-9]{2})")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DIGITS = re.compile(r"[0-9]{1,16}")


class HashCheckImportBusy(Refusal):
    def __init__(self) -> None:
        super().__init__(_("Another import stored figures for the same weeks meanwhile; import the file again."))


@dataclass
class HashCheckImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    batch: uuid.UUID | None = None
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        return f"rows={self.rows} created={self.created} updated={self.updated} unchanged={self.unchanged}"


@dataclass(frozen=True)
class _Row:
    line: int
    hoster_id: int
    week: date
    checks: int
    hits: int


def _shown(value: str) -> str:
    value = value.replace("\x00", "\N{SYMBOL FOR NULL}")
    return value if len(value) <= _SHOWN_MAX else value[:_SHOWN_MAX] + "…"


class _Errors:
    """The file's errors, at most ERRORS_MAX of them: past that the file is rejected anyway."""

    def __init__(self) -> None:
        self.items: list[RowError] = []

    @property
    def full(self) -> bool:
        return len(self.items) >= ERRORS_MAX

    def add(self, line: int, column: str, message: str) -> None:
        if len(self.items) < ERRORS_MAX:
            self.items.append(RowError(line, column, message))
        if len(self.items) == ERRORS_MAX:
            self.items.append(RowError(line, "file", _("Stopped after %(count)d errors.") % {"count": ERRORS_MAX}))


# --- reading: bounded lines of UTF-8 text ----------------------------------------------------------------------


class _Hashing:
    """Reads a binary stream, hashing and counting what it reads."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.sha256 = hashlib.sha256()
        self.size = 0

    def readline(self, limit: int) -> bytes:
        data = self.stream.readline(limit)
        self.sha256.update(data)
        self.size += len(data)
        return data


def _lines(reader: _Hashing, errors: _Errors) -> Iterator[tuple[int, str]]:
    """The file's lines as text, numbered from 1; a line too long, with a NUL or not UTF-8 is an error instead."""
    number = 0
    while not errors.full:
        raw = reader.readline(LINE_MAX_BYTES + 1)
        if not raw:
            return
        number += 1
        if reader.size > FILE_MAX_BYTES:
            message = _("The file is larger than %(max)s; split it by year.")
            errors.add(number, "file", message % {"max": filesizeformat(FILE_MAX_BYTES)})
            return
        if number == 1 and raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            errors.add(number, "file", _("The file is UTF-16 text; save it as UTF-8 (CSV UTF-8)."))
            return
        if len(raw) > LINE_MAX_BYTES and not raw.endswith(b"\n"):
            while (rest := reader.readline(64 * 1024)) and not rest.endswith(b"\n") and reader.size <= FILE_MAX_BYTES:
                pass
            message = _("The line is longer than %(max)d bytes.") % {"max": LINE_MAX_BYTES}
            errors.add(number, "file", message)
            continue
        text = _decode(raw, number, errors)
        if text is not None:
            yield number, text


def _decode(raw: bytes, number: int, errors: _Errors) -> str | None:
    if b"\x00" in raw:
        errors.add(number, "file", _("The line holds a NUL character; this is not a text CSV file."))
        return None
    try:
        text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
    except UnicodeDecodeError:
        errors.add(number, "file", _("The line is not UTF-8 text; save the file as UTF-8 (CSV UTF-8)."))
        return None
    return text.rstrip("\r\n")


def _fields(text: str, number: int, errors: _Errors) -> list[str] | None:
    try:
        return next(csv.reader([text], strict=True))
    except csv.Error as exc:
        errors.add(number, "row", _("The line is not valid CSV: %(error)s") % {"error": exc})
        return None


# --- judging: the header and each row --------------------------------------------------------------------------


def _positions(header: list[str], errors: _Errors) -> list[int] | None:
    names = [name.strip().lower() for name in header]
    missing = [name for name in COLUMNS if name not in names]
    unknown = [_shown(name) for name in names if name not in COLUMNS]
    if missing:
        errors.add(1, "header", _("Missing column(s): %(columns)s.") % {"columns": ", ".join(missing)})
    if unknown:
        errors.add(1, "header", _("Unknown column(s): %(columns)s.") % {"columns": ", ".join(unknown)})
    if len(set(names)) != len(names):
        errors.add(1, "header", _("A column appears more than once."))
    if missing or unknown or len(set(names)) != len(names):
        return None
    return [names.index(name) for name in COLUMNS]


class _Hosters:
    """Finds a hoster by slug, or by name, legal name or alias as `portal.hoster_names` compares them."""

    def __init__(self) -> None:
        self.by_slug: dict[str, int] = {}
        self.by_key: dict[str, set[int]] = {}
        for pk, slug, name, legal_name, aliases in Hoster.objects.values_list(
            "pk", "slug", "name", "legal_name", "aliases"
        ):
            self.by_slug[slug] = pk
            for text in (slug, name, legal_name, *(aliases or [])):
                key = canonical_name(str(text))
                if key:
                    self.by_key.setdefault(key, set()).add(pk)

    def find(self, text: str) -> int | str:
        """The hoster's pk, or why there is none."""
        if text in self.by_slug:
            return self.by_slug[text]
        found = self.by_key.get(canonical_name(text), set())
        if len(found) == 1:
            return next(iter(found))
        if found:
            return _("“%(value)s” matches more than one hoster; use the slug.") % {"value": _shown(text)}
        return _("No hoster has the slug, name or alias “%(value)s”.") % {"value": _shown(text)}


def parse_week(text: str, today: date) -> date | str:
    """The Monday of the week `2026-W07` or `2026-02-09` (a Monday) names, or why it names none."""
    value = text.strip()
    shown = _shown(value)
    if match := _ISO_WEEK.fullmatch(value):
        try:
            monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
        except ValueError:
            return _("“%(value)s” is not a week of %(year)s.") % {"value": shown, "year": match[1]}
    elif _ISO_DATE.fullmatch(value):
        try:
            monday = date.fromisoformat(value)
        except ValueError:
            return _("“%(value)s” is not a date.") % {"value": shown}
        if monday.isoweekday() != 1:
            start = monday_of(monday)
            message = _("“%(value)s” is not a Monday; give the ISO week %(week)s or its Monday, %(monday)s.")
            return message % {"value": shown, "week": iso_week(start), "monday": start.isoformat()}
    else:
        return _("“%(value)s” is not a week; write it as 2026-W07 or as its Monday, 2026-02-09.") % {"value": shown}
    if monday < EARLIEST_WEEK:
        return _("“%(value)s” lies before 2000.") % {"value": shown}
    if monday > monday_of(today):
        return _("“%(value)s” lies in the future.") % {"value": shown}
    return monday


def _count(text: str) -> int | str:
    value = text.strip()
    if not _DIGITS.fullmatch(value) or int(value) > COUNT_MAX:
        return _("“%(value)s” is not a count; write a whole number in digits only, such as 1520.") % {
            "value": _shown(value)
        }
    return int(value)


def _row(
    fields: list[str], positions: list[int], number: int, hosters: _Hosters, today: date, errors: _Errors
) -> _Row | None:
    hoster_text, week_text, checks_text, hits_text = (fields[i] for i in positions)
    hoster = hosters.find(hoster_text.strip()) if hoster_text.strip() else _("Give the hoster's slug, name or alias.")
    week = parse_week(week_text, today)
    checks, hits = _count(checks_text), _count(hits_text)
    for column, value in (("hoster", hoster), ("week", week), ("checks", checks), ("hits", hits)):
        if isinstance(value, str):
            errors.add(number, column, value)
    if isinstance(checks, int) and isinstance(hits, int) and hits > checks:
        errors.add(
            number, "hits", _("More hits (%(hits)d) than checks (%(checks)d).") % {"hits": hits, "checks": checks}
        )
        return None
    if isinstance(hoster, int) and isinstance(week, date) and isinstance(checks, int) and isinstance(hits, int):
        return _Row(number, hoster, week, checks, hits)
    return None


def _read(reader: _Hashing, hosters: _Hosters, today: date, errors: _Errors) -> list[_Row]:
    """Every valid row of the file; the errors of the others go to `errors`."""
    rows: list[_Row] = []
    seen: dict[tuple[int, date], int] = {}
    positions: list[int] | None = None
    header_read = False
    for number, text in _lines(reader, errors):
        fields = _fields(text, number, errors)
        if fields is None:
            continue
        if not header_read:
            header_read = True
            # A first line that could not be read is already an error; without a header nothing else can be.
            positions = _positions(fields, errors) if number == 1 else None
            if positions is None:
                return rows
            continue
        if not text.strip():
            continue
        assert positions is not None
        if len(fields) != len(COLUMNS):
            message = _("Expected %(width)d fields, found %(found)d.") % {"width": len(COLUMNS), "found": len(fields)}
            errors.add(number, "row", message)
            continue
        row = _row(fields, positions, number, hosters, today, errors)
        if row is None:
            continue
        earlier = seen.setdefault((row.hoster_id, row.week), number)
        if earlier != number:
            message = _("This hoster's week %(week)s is already on line %(line)d.")
            errors.add(number, "week", message % {"week": iso_week(row.week), "line": earlier})
            continue
        rows.append(row)
    if not header_read and not errors.items:
        errors.add(1, "header", _("The file is empty; its first line is the header hoster,week,checks,hits."))
    elif header_read and not rows and not errors.items:
        errors.add(2, "file", _("The file holds a header but no figures."))
    return rows


# --- storing: all or nothing ------------------------------------------------------------------------------------


def import_hashchecks(
    stream: IO[bytes],
    *,
    user: User | None = None,
    filename: str = "",
    channel: str = "command",
    dry_run: bool = False,
    now: datetime | None = None,
) -> HashCheckImportResult:
    """Judge the whole file, then store its figures in one transaction, or nothing when any line is bad.

    Raises `HashCheckImportBusy` when a concurrent import stored the same hoster and week first.
    """
    now = now or timezone.now()
    reader = _Hashing(stream)
    errors = _Errors()
    rows = _read(reader, _Hosters(), timezone.localdate(now), errors)
    result = HashCheckImportResult(rows=len(rows), dry_run=dry_run)
    if errors.items:
        result.errors, result.rows = errors.items, 0
        return result
    batch = uuid.uuid4()
    try:
        with transaction.atomic():
            _lock()
            result.created, result.updated, result.unchanged = _store(rows, batch, user, now, dry_run)
            if dry_run:
                return result
            result.batch = batch
            details = {
                "batch": str(batch),
                "file": filename[:255],
                "file_sha256": reader.sha256.hexdigest(),
                "channel": channel,
                "first_week": iso_week(min(row.week for row in rows)),
                "last_week": iso_week(max(row.week for row in rows)),
                **{name: getattr(result, name) for name in ("rows", "created", "updated", "unchanged")},
            }
            log_action(user, "scoring.hashchecks.imported", None, details)
    except IntegrityError as exc:
        raise HashCheckImportBusy from exc
    return result


def _lock() -> None:
    """One hash-check import at a time on PostgreSQL (SQLite has one writer anyway)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", ["scoring.hashchecks"])


def _store(rows: list[_Row], batch: uuid.UUID, user: User | None, now: datetime, dry_run: bool) -> tuple[int, int, int]:
    """Create the new weeks and update the changed ones; (created, updated, unchanged)."""
    first, last = min(row.week for row in rows), max(row.week for row in rows)
    stored = {
        (item.hoster_id, item.week): item for item in HashCheckWeek.objects.filter(week__gte=first, week__lte=last)
    }
    imported_by = user if user is not None and user.is_authenticated else None
    new: list[HashCheckWeek] = []
    changed: list[HashCheckWeek] = []
    for row in rows:
        item = stored.get((row.hoster_id, row.week))
        if item is None:
            new.append(
                HashCheckWeek(
                    hoster_id=row.hoster_id,
                    week=row.week,
                    checks=row.checks,
                    hits=row.hits,
                    batch=batch,
                    imported_at=now,
                    imported_by=imported_by,
                )
            )
        elif (item.checks, item.hits) != (row.checks, row.hits):
            item.checks, item.hits = row.checks, row.hits
            item.batch, item.imported_at, item.imported_by = batch, now, imported_by
            changed.append(item)
    if not dry_run:
        HashCheckWeek.objects.bulk_create(new, batch_size=1000)
        HashCheckWeek.objects.bulk_update(
            changed, ["checks", "hits", "batch", "imported_at", "imported_by"], batch_size=1000
        )
    return len(new), len(changed), len(rows) - len(new) - len(changed)
