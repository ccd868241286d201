"""CSV files that people open in a spreadsheet: no cell runs as a formula, no value breaks a row in two."""

from __future__ import annotations

import csv
from collections.abc import Collection, Iterable, Mapping
from typing import TYPE_CHECKING, Any

# What a spreadsheet reads as the start of a formula (=, +, -, @), also behind a tab or carriage return
# (OWASP's list for CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """The value for a CSV cell: a text that starts like a formula gets a leading quote; anything else as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


if TYPE_CHECKING:  # generic only for the type checker in Python 3.11
    _DictWriter = csv.DictWriter[str]
else:
    _DictWriter = csv.DictWriter


class SpreadsheetWriter(_DictWriter):
    """`csv.DictWriter` with every cell through `spreadsheet_safe`, and lines ending in CRLF (RFC 4180).

    With CRLF as the line end the csv module quotes a value holding a CR or LF, so a spreadsheet keeps it in
    its cell; with a bare LF it would leave a CR unquoted, and the rest of the value would start a new row.
    """

    def __init__(self, stream: Any, fieldnames: Collection[str]) -> None:
        super().__init__(stream, fieldnames=fieldnames, lineterminator="\r\n")

    def writerow(self, rowdict: Mapping[str, Any]) -> Any:
        return super().writerow({key: spreadsheet_safe(value) for key, value in rowdict.items()})

    def writerows(self, rowdicts: Iterable[Mapping[str, Any]]) -> None:
        for rowdict in rowdicts:
            self.writerow(rowdict)
