"""Importing hash-check statistics: good files, bad files named line by line and storing nothing, idempotent
re-imports, hostile bytes, the command, and the weekly figures the pages read."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.models import AuditEvent
from scoring.measurement import hashcheck_imports
from scoring.measurement.hashcheck_charts import hashcheck_chart
from scoring.measurement.hashcheck_imports import import_hashchecks
from scoring.measurement.hashchecks import (
    HashCheckWeek,
    hash_check_windows,
    iso_week,
    last_whole_week,
    mondays,
    weekly_hash_checks,
)

pytestmark = pytest.mark.django_db
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=AMSTERDAM)  # a Wednesday in 2026-W49


def run(text: str | bytes, **kwargs):
    data = text.encode() if isinstance(text, str) else text
    return import_hashchecks(io.BytesIO(data), now=NOW, **kwargs)


def errors(result) -> list[str]:
    return [str(error) for error in result.errors]


def stored() -> set[tuple[str, str, int, int]]:
    return {(w.hoster.slug, w.iso_week, w.checks, w.hits) for w in HashCheckWeek.objects.select_related("hoster")}


GOOD = "hoster,week,checks,hits\nhoster-a,2026-W07,1520,2\nHoster B,2026-02-16,0,0\n"


# --- good files ---------------------------------------------------------------------------------------------


def test_a_good_file_is_stored_with_its_import(hoster_a, hoster_b, supervisor):
    result = run(GOOD, user=supervisor, filename="eokm.csv", channel="upload")
    assert result.ok and (result.rows, result.created, result.updated, result.unchanged) == (2, 2, 0, 0)
    assert stored() == {("hoster-a", "2026-W07", 1520, 2), ("hoster-b", "2026-W08", 0, 0)}
    week = HashCheckWeek.objects.get(hoster=hoster_a)
    assert week.week == date(2026, 2, 9) and week.batch == result.batch
    assert week.imported_by == supervisor and week.imported_at == NOW
    event = AuditEvent.objects.get(action="scoring.hashchecks.imported")
    assert event.actor == supervisor
    assert event.data["file"] == "eokm.csv" and event.data["channel"] == "upload"
    assert (event.data["created"], event.data["first_week"], event.data["last_week"]) == (2, "2026-W07", "2026-W08")
    assert len(event.data["file_sha256"]) == 64


def test_hosters_are_found_by_name_legal_name_and_alias_whatever_the_case_or_legal_form(hoster_a, hoster_b):
    hoster_a.aliases = ["NFORCE ENTERTAINMENT BV"]
    hoster_a.save()
    hoster_b.legal_name = "Hoster Bee Holding B.V."
    hoster_b.save()
    text = "Hits,Week,Hoster,Checks\n0,2026-W01,nforce entertainment b.v.,5\n1,2026-W01,HOSTER BEE HOLDING,9\n"
    result = run(text)
    assert result.ok, errors(result)
    assert stored() == {("hoster-a", "2026-W01", 5, 0), ("hoster-b", "2026-W01", 9, 1)}


def test_a_bom_crlf_and_a_trailing_blank_line_are_fine(hoster_a):
    result = run(b"\xef\xbb\xbfhoster,week,checks,hits\r\nhoster-a,2026-w10,3,0\r\n\r\n")
    assert result.ok, errors(result)
    assert stored() == {("hoster-a", "2026-W10", 3, 0)}


def test_importing_the_same_file_again_changes_nothing(hoster_a, hoster_b):
    first = run(GOOD)
    again = run(GOOD)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert HashCheckWeek.objects.count() == 2
    assert set(HashCheckWeek.objects.values_list("batch", flat=True)) == {first.batch}


def test_other_figures_for_a_stored_week_replace_them(hoster_a, hoster_b, supervisor):
    first = run(GOOD)
    changed = run("hoster,week,checks,hits\nhoster-a,2026-W07,1600,3\nhoster-b,2026-W08,0,0\n", user=supervisor)
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 1)
    assert stored() == {("hoster-a", "2026-W07", 1600, 3), ("hoster-b", "2026-W08", 0, 0)}
    assert HashCheckWeek.objects.get(hoster=hoster_a).batch == changed.batch
    assert HashCheckWeek.objects.get(hoster=hoster_b).batch == first.batch


def test_a_dry_run_counts_and_stores_nothing(hoster_a, hoster_b):
    result = run(GOOD, dry_run=True)
    assert result.ok and result.created == 2 and result.batch is None
    assert not HashCheckWeek.objects.exists()
    assert not AuditEvent.objects.filter(action="scoring.hashchecks.imported").exists()


# --- bad files: every bad line named, nothing stored ---------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("nobody,2026-W07,1,0", "line 2: hoster: No hoster has the slug, name or alias “nobody”."),
        (",2026-W07,1,0", "line 2: hoster: Give the hoster's slug, name or alias."),
        (
            "hoster-a,2026-02-11,1,0",
            "line 2: week: “2026-02-11” is not a Monday; give the ISO week 2026-W07 or its Monday, 2026-02-09.",
        ),
        ("hoster-a,2025-W53,1,0", "line 2: week: “2025-W53” is not a week of 2025."),
        ("hoster-a,2026-02-30,1,0", "line 2: week: “2026-02-30” is not a date."),
        (
            "hoster-a,week 7,1,0",
            "line 2: week: “week 7” is not a week; write it as 2026-W07 or as its Monday, 2026-02-09.",
        ),
        ("hoster-a,2027-W01,1,0", "line 2: week: “2027-W01” lies in the future."),
        ("hoster-a,1999-W10,1,0", "line 2: week: “1999-W10” lies before 2000."),
        (
            "hoster-a,2026-W07,-1,0",
            "line 2: checks: “-1” is not a count; write a whole number in digits only, such as 1520.",
        ),
        ("hoster-a,2026-W07,1.520,0", "line 2: checks: “1.520” is not a count"),
        ("hoster-a,2026-W07,99999999999999999,0", "line 2: checks: “99999999999999999” is not a count"),
        ("hoster-a,2026-W07,3,4", "line 2: hits: More hits (4) than checks (3)."),
        ("hoster-a,2026-W07,3", "line 2: row: Expected 4 fields, found 3."),
        ('hoster-a,"2026-W07,3,0', "line 2: row: The line is not valid CSV"),
    ],
)
def test_a_bad_line_rejects_the_file_and_says_why(hoster_a, line, message):
    result = run(f"hoster,week,checks,hits\n{line}\nhoster-a,2026-W06,10,0\n")
    assert not result.ok
    assert any(text.startswith(message) for text in errors(result)), errors(result)
    assert (result.rows, result.created) == (0, 0)
    assert not HashCheckWeek.objects.exists()
    assert not AuditEvent.objects.filter(action="scoring.hashchecks.imported").exists()


def test_every_bad_line_is_named_not_only_the_first(hoster_a):
    text = (
        "hoster,week,checks,hits\nhoster-a,2026-W01,1,0\nx,2026-W02,1,0\nhoster-a,2026-W03,a,0\nhoster-a,2026-W01,2,0\n"
    )
    assert errors(run(text)) == [
        "line 3: hoster: No hoster has the slug, name or alias “x”.",
        "line 4: checks: “a” is not a count; write a whole number in digits only, such as 1520.",
        "line 5: week: This hoster's week 2026-W01 is already on line 2.",
    ]


def test_a_name_two_hosters_share_must_be_a_slug(hoster_a, hoster_b):
    hoster_b.aliases = ["Hoster A B.V."]
    hoster_b.save()
    assert errors(run("hoster,week,checks,hits\nHOSTER A,2026-W01,1,0\n")) == [
        "line 2: hoster: “HOSTER A” matches more than one hoster; use the slug."
    ]
    assert run("hoster,week,checks,hits\nhoster-a,2026-W01,1,0\n").ok


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("hoster,week,checks", "line 1: header: Missing column(s): hits."),
        ("hoster,week,checks,hits,notes", "line 1: header: Unknown column(s): notes."),
        ("hoster,week,checks,hits,hits", "line 1: header: A column appears more than once."),
    ],
)
def test_a_bad_header_rejects_the_file(hoster_a, header, message):
    assert message in errors(run(f"{header}\nhoster-a,2026-W01,1,0\n"))


def test_empty_and_header_only_files_are_refused(hoster_a):
    assert errors(run("")) == [
        "line 1: header: The file is empty; its first line is the header hoster,week,checks,hits."
    ]
    assert errors(run("hoster,week,checks,hits\n")) == ["line 2: file: The file holds a header but no figures."]


# --- hostile input -----------------------------------------------------------------------------------------


def test_a_huge_line_is_refused_without_reading_it_into_memory(hoster_a):
    text = b"hoster,week,checks,hits\n" + b"x" * 5_000_000 + b"\nhoster-a,2026-W01,1,0\n"
    assert errors(run(text)) == ["line 2: file: The line is longer than 1024 bytes."]


def test_a_nul_is_refused(hoster_a):
    assert errors(run(b"hoster,week,checks,hits\nhoster-a\x00,2026-W01,1,0\n")) == [
        "line 2: file: The line holds a NUL character; this is not a text CSV file."
    ]


def test_a_file_in_another_encoding_is_refused(hoster_a):
    assert errors(run("hoster,week,checks,hits\nHöster,2026-W01,1,0\n".encode("latin-1"))) == [
        "line 2: file: The line is not UTF-8 text; save the file as UTF-8 (CSV UTF-8)."
    ]
    assert errors(run("hoster,week,checks,hits\n".encode("utf-16"))) == [
        "line 1: file: The file is UTF-16 text; save it as UTF-8 (CSV UTF-8)."
    ]


def test_a_file_over_the_limit_is_refused(hoster_a, monkeypatch):
    monkeypatch.setattr(hashcheck_imports, "FILE_MAX_BYTES", 200)
    text = "hoster,week,checks,hits\n" + "".join(f"hoster-a,2026-W{week:02d},1,0\n" for week in range(1, 21))
    assert errors(run(text)) == ["line 10: file: The file is larger than 200\xa0bytes; split it by year."]
    assert not HashCheckWeek.objects.exists()


def test_errors_stop_at_a_bound(hoster_a):
    text = "hoster,week,checks,hits\n" + "nobody,2026-W01,1,0\n" * 3000
    result = run(text)
    assert len(result.errors) == hashcheck_imports.ERRORS_MAX + 1
    assert str(result.errors[-1]).endswith("file: Stopped after 1000 errors.")


# --- the command -------------------------------------------------------------------------------------------


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "hashchecks.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_the_command_prints_the_counts_and_is_idempotent(hoster_a, hoster_b, tmp_path):
    path = write(tmp_path, GOOD)
    call_command("import_hashchecks", path, stdout=(out := io.StringIO()))
    assert out.getvalue().strip() == "rows=2 created=2 updated=0 unchanged=0"
    call_command("import_hashchecks", path, stdout=(out := io.StringIO()))
    assert out.getvalue().strip() == "rows=2 created=0 updated=0 unchanged=2"
    assert AuditEvent.objects.filter(action="scoring.hashchecks.imported").count() == 2


def test_the_command_rejects_a_bad_file_and_stores_nothing(hoster_a, tmp_path):
    path = write(tmp_path, "hoster,week,checks,hits\nhoster-a,2026-W01,1,0\nnobody,2026-W01,1,0\n")
    with pytest.raises(CommandError, match="rejected: 1 bad line") as caught:
        call_command("import_hashchecks", path, stderr=(err := io.StringIO()))
    assert caught.value.returncode == 1
    assert err.getvalue().splitlines() == ["line 3: hoster: No hoster has the slug, name or alias “nobody”."]
    assert not HashCheckWeek.objects.exists()


def test_the_command_dry_run_and_missing_file(hoster_a, tmp_path):
    call_command(
        "import_hashchecks",
        write(tmp_path, GOOD.replace("Hoster B", "hoster-a")),
        "--dry-run",
        stdout=(out := io.StringIO()),
    )
    assert out.getvalue().startswith("dry run, nothing stored: rows=2 created=2")
    assert not HashCheckWeek.objects.exists()
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_hashchecks", str(tmp_path / "missing.csv"))


# --- re-import is idempotent (a law) -----------------------------------------------------------------------

figures = st.lists(
    st.tuples(
        st.sampled_from(["hoster-a", "Hoster A", "HOSTER-A B.V."]),
        st.integers(min_value=1, max_value=48),
        st.integers(min_value=0, max_value=10_000),
    ),
    max_size=12,
    unique_by=lambda row: row[1],
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=figures)
def test_importing_twice_equals_importing_once(hoster_a, rows):
    HashCheckWeek.objects.all().delete()
    text = "hoster,week,checks,hits\n" + "".join(f"{h},2026-W{w:02d},{c},{c // 3}\n" for h, w, c in rows)
    first = run(text)
    once = stored()
    again = run(text)
    if not rows:
        assert not first.ok and not again.ok
        return
    assert (again.created, again.updated, again.unchanged) == (0, 0, len(rows))
    assert stored() == once and len(once) == len(rows)


# --- the weekly figures the pages and the engine read ------------------------------------------------------


def _store(hoster, week: date, checks: int, hits: int = 0) -> None:
    HashCheckWeek.objects.create(
        hoster=hoster,
        week=week,
        checks=checks,
        hits=hits,
        batch="00000000-0000-0000-0000-000000000001",
        imported_at=NOW,
    )


def test_weeks_tell_unknown_from_no_checks(hoster_a, hoster_b):
    _store(hoster_a, date(2026, 11, 2), 40, 1)
    _store(hoster_b, date(2026, 11, 9), 7)  # covers 9 Nov for everyone: hoster A made no checks that week
    weeks = weekly_hash_checks(hoster_a, date(2026, 10, 28), date(2026, 11, 20))
    assert [(w["iso_week"], w["covered"], w["checks"], w["hits"]) for w in weeks] == [
        ("2026-W44", False, None, None),
        ("2026-W45", True, 40, 1),
        ("2026-W46", True, 0, 0),
        ("2026-W47", False, None, None),
    ]


def test_the_window_of_the_last_whole_weeks(hoster_a, hoster_b):
    assert last_whole_week(NOW) == date(2026, 11, 23)  # W48: W49 has not ended on Wednesday
    assert last_whole_week(datetime(2026, 11, 30, 0, 0, tzinfo=AMSTERDAM)) == date(2026, 11, 23)
    assert last_whole_week(datetime(2026, 11, 29, 23, 59, tzinfo=AMSTERDAM)) == date(2026, 11, 16)
    _store(hoster_a, date(2026, 11, 23), 5)
    _store(hoster_b, date(2026, 9, 7), 3)  # 12 weeks back from W48 is W37 (7 Sep): inside
    _store(hoster_b, date(2026, 8, 31), 3)  # 13 weeks back: outside
    windows = hash_check_windows([hoster_a.pk, hoster_b.pk], date(2026, 11, 23), 12)
    assert windows[hoster_a.pk] == [(date(2026, 9, 7), 0, 0), (date(2026, 11, 23), 5, 0)]
    assert windows[hoster_b.pk] == [(date(2026, 9, 7), 3, 0), (date(2026, 11, 23), 0, 0)]
    assert hash_check_windows([hoster_a.pk], date(2026, 8, 24), 12) == {hoster_a.pk: []}


def test_mondays_span_the_weeks_of_both_days():
    assert mondays(date(2026, 2, 11), date(2026, 2, 16)) == [date(2026, 2, 9), date(2026, 2, 16)]
    assert mondays(date(2026, 2, 16), date(2026, 2, 11)) == []


# --- the chart's geometry ------------------------------------------------------------------------------------


def _week(day: int, checks: int | None, hits: int | None) -> dict:
    monday = date(2026, 11, day)
    return {
        "week_start": monday,
        "iso_week": iso_week(monday),
        "covered": checks is not None,
        "checks": checks,
        "hits": hits,
    }


def test_the_chart_scales_checks_and_hits_apart_and_breaks_the_line_at_unknown_weeks():
    chart = hashcheck_chart([_week(2, 120, 1), _week(9, 0, 0), _week(16, None, None), _week(23, 40, 3)])
    assert (chart.max_checks, chart.max_hits) == (200, 5)
    full, empty, unknown, last = chart.bars
    assert full.height == pytest.approx(chart.plot_height * 120 / 200, abs=0.1) and empty.height == 0
    assert unknown.point_y is None and not unknown.covered and unknown.slot_width > full.width
    assert last.point_y == pytest.approx(chart.top + chart.plot_height * (1 - 3 / 5), abs=0.1)
    assert chart.lines == [f"{full.label_x},{full.point_y} {empty.label_x},{empty.point_y}"]
    assert chart.any_covered


def test_a_chart_without_statistics_says_so():
    chart = hashcheck_chart([_week(2, None, None)])
    assert not chart.any_covered and chart.lines == [] and chart.max_checks == 5
