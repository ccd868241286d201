"""Dates and times follow the reader's language (issue 14, #12): "1 december 2026 14:05" in Dutch,
"1 December 2026, 14:05" in English, months translated, never "11/30/2026 10:31 p.m."."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import formats, translation

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
MOMENT = datetime(2026, 12, 1, 14, 5, tzinfo=ZoneInfo("Europe/Amsterdam"))
EXPECTED = {
    "nl": {
        "DATE_FORMAT": "1 december 2026",
        "DATETIME_FORMAT": "1 december 2026 14:05",
        "SHORT_DATE_FORMAT": "1 dec 2026",
        "SHORT_DATETIME_FORMAT": "1 dec 2026 14:05",
        "TIME_FORMAT": "14:05",
        "YEAR_MONTH_FORMAT": "december 2026",
    },
    "en": {
        "DATE_FORMAT": "1 December 2026",
        "DATETIME_FORMAT": "1 December 2026, 14:05",
        "SHORT_DATE_FORMAT": "1 Dec 2026",
        "SHORT_DATETIME_FORMAT": "1 Dec 2026, 14:05",
        "TIME_FORMAT": "14:05",
        "YEAR_MONTH_FORMAT": "December 2026",
    },
}


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("name", list(EXPECTED["nl"]))
def test_each_named_format_is_written_as_the_language_writes_it(language, name):
    with translation.override(language):
        assert formats.date_format(MOMENT, name) == EXPECTED[language][name]


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_date_filter_in_a_template_follows_the_language_and_the_time_zone(language):
    template = Template('{{ moment|date:"DATETIME_FORMAT" }} · {{ moment|date:"SHORT_DATETIME_FORMAT" }}')
    utc = MOMENT.astimezone(ZoneInfo("UTC"))  # stored in UTC, shown in Amsterdam time
    with translation.override(language):
        shown = template.render(Context({"moment": utc}))
    assert shown.startswith(EXPECTED[language]["DATETIME_FORMAT"])
    assert "p.m." not in shown and "a.m." not in shown and "/" not in shown


def test_months_are_translated():
    with translation.override("nl"):
        dutch = [formats.date_format(date(2026, month, 1), "DATE_FORMAT") for month in (3, 5, 10)]
    assert dutch == ["1 maart 2026", "1 mei 2026", "1 oktober 2026"]


HARD_CODED = re.compile(r"""\|date:(["'])(?P<format>[^"']*)\1""")
NAMED = {"DATE_FORMAT", "DATETIME_FORMAT", "SHORT_DATE_FORMAT", "SHORT_DATETIME_FORMAT", "TIME_FORMAT"}
NAMED |= {"YEAR_MONTH_FORMAT", "MONTH_DAY_FORMAT"}
NAMED.add("l j F Y")  # a day with its weekday, written alike in both languages: "dinsdag 1 december 2026"
# For machines (a <time datetime=…> attribute, a form value, a comparison), not for people.
MACHINE = {"c", "Y-m-d", "U", "Ymd", "Y-m-d\\TH:i:s"}


def test_no_template_hard_codes_a_date_format_for_people():
    found = []
    for path in TEMPLATES.rglob("*"):
        if path.suffix not in {".html", ".txt", ".svg"}:
            continue
        for match in HARD_CODED.finditer(path.read_text()):
            if match["format"] not in NAMED | MACHINE:
                found.append(f"{path.relative_to(TEMPLATES)}: {match[0]}")
    assert found == []
