"""Hand-made SCARt export lines, written as SCARt's `scartExport::addLineValue` writes them (read, not copied):
every value in double quotes, escaped PHP-`addslashes` style, a `;` after each, lines joined by "\\n"."""

from __future__ import annotations

import io
from typing import Any

from scoring.measurement.imports import ImportResult, import_notices
from scoring.measurement.scart import CLOSED_HEADER, NTD_HEADER

SOURCE = "hotline"


def addslashes(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'").replace('"', '\\"').replace("\x00", "\\0")


def line(*values: str) -> str:
    return "".join(f'"{addslashes(value)}";' for value in values)


def ntd(
    url: str = "https://img.example/a.jpg",
    sent: str = "2024-03-01 10:00:00",
    owner: str = "Hoster A",
    kind: str = "host",
    ip: str = "192.0.2.10",
    *,
    number: str = "N24-0001",
    status: str = "sent_succes",
) -> str:
    """One line of the NTD export (13 values); the ones the portal does not read are plausible fillers."""
    return line(
        number, "email", status, sent, owner, kind, "NL", "abuse@example.net", url, ip, "2024-02-29 08:00:00", sent, "3"
    )


def closed(
    url: str = "https://img.example/a.jpg", last_seen: str = "2024-03-01 12:00:00", status: str = "close_offline"
) -> str:
    """One line of the closed export (10 values)."""
    return line("A24-0001", url, status, "Hoster A", "NL", "abuse@example.net", "192.0.2.10", "", last_seen, "4")


def export(header: tuple[str, ...], lines: list[str]) -> bytes:
    """A whole export as SCARt's console command writes it: `implode("\\n", $lines)`, no newline at the end."""
    return "\n".join([line(*header), *lines]).encode()


def import_ntd(lines: list[str], **options: Any) -> ImportResult:
    options.setdefault("source", SOURCE)
    return import_notices(stream=io.BytesIO(export(NTD_HEADER, lines)), file_format="scart-ntd", **options)


def import_closed(lines: list[str], **options: Any) -> ImportResult:
    options.setdefault("source", SOURCE)
    return import_notices(stream=io.BytesIO(export(CLOSED_HEADER, lines)), file_format="scart-closed", **options)
