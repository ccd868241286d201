"""Every figure counts the corrected removal time of an accepted dispute, and exactly the measured one otherwise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.measurement.disputes import decide_removal_dispute, raise_removal_dispute
from scoring.measurement.models import Notice
from tests.scoring.measurement.helpers import hoster_metrics, run_import

pytestmark = pytest.mark.django_db

START = datetime(2024, 3, 4, 0, 0, tzinfo=UTC)
PERIOD = ("2024-03-01", "2024-04-01")


def at(hours: float) -> datetime:
    return START + timedelta(hours=hours)


@pytest.fixture
def notices_a(hoster_a) -> dict[str, Notice]:
    """Three notices of A: removed after 48 h, after 2 h, and still open."""
    rows = [
        ("slow", at(0).isoformat(), at(48).isoformat(), "192.0.2.1", "", "", ""),
        ("fast", at(1).isoformat(), at(3).isoformat(), "192.0.2.2", "", "", ""),
        ("open", at(2).isoformat(), "", "192.0.2.3", "", "", ""),
    ]
    run_import(rows)
    return {notice.notice_id: notice for notice in Notice.objects.all()}


def dispute(editor, notice: Notice, hours: float):
    return raise_removal_dispute(editor, notice, at(hours), "Ticket shows it.", url="https://tickets.example/1")


def row_a(hoster_a) -> dict:
    [row] = hoster_metrics(*PERIOD, hoster=hoster_a)
    return row


def test_an_accepted_correction_changes_the_figures(editor_a, supervisor, hoster_a, notices_a):
    before = row_a(hoster_a)
    assert (before["within_norm"], before["open"], before["median_hours"]) == (1, 1, 48.0)
    decide_removal_dispute(supervisor, dispute(editor_a, notices_a["slow"], 4), accept=True, reason="")
    after = row_a(hoster_a)
    assert (after["within_norm"], after["within_norm_pct"], after["median_hours"]) == (2, 66.67, 4.0)
    assert after["between_24_48h"] == 0 and after["open"] == 1


def test_a_correction_of_an_open_notice_closes_it_in_the_figures(editor_a, supervisor, hoster_a, notices_a):
    decide_removal_dispute(supervisor, dispute(editor_a, notices_a["open"], 12), accept=True, reason="")
    after = row_a(hoster_a)
    assert (after["open"], after["open_over_norm"], after["within_norm"], after["p90_hours"]) == (0, 0, 2, 48.0)
    notices_a["open"].refresh_from_db()
    assert notices_a["open"].removed_at is None  # the measured state is kept: still open by the hotline's data


def test_the_supervisors_edited_time_is_the_one_counted(editor_a, supervisor, hoster_a, notices_a):
    raised = dispute(editor_a, notices_a["slow"], 4)
    decide_removal_dispute(supervisor, raised, accept=True, reason="", corrected_removed_at=at(30))
    row = row_a(hoster_a)
    assert (row["within_norm"], row["between_24_48h"], row["median_hours"]) == (1, 1, 30.0)


def test_a_correction_after_the_cut_off_counts_as_open(editor_a, supervisor, hoster_a, notices_a):
    decide_removal_dispute(supervisor, dispute(editor_a, notices_a["open"], 100), accept=True, reason="")
    [row] = hoster_metrics(*PERIOD, as_of=at(50), hoster=hoster_a)
    assert row["open"] == 1
    [row] = hoster_metrics(*PERIOD, as_of=at(150), hoster=hoster_a)
    assert row["open"] == 0


def test_a_rejected_dispute_leaves_exactly_the_original_figures(editor_a, supervisor, hoster_a, notices_a):
    before = hoster_metrics(*PERIOD)
    weekly_before = row_a(hoster_a)
    for notice in notices_a.values():
        decide_removal_dispute(supervisor, dispute(editor_a, notice, 2.5), accept=False, reason="Not shown.")
    assert hoster_metrics(*PERIOD) == before
    assert row_a(hoster_a) == weekly_before


# Notices as (hours to the report, hours to the measured removal or None, hours to the correction or None).
_notices = st.lists(
    st.tuples(
        st.integers(0, 200),
        st.one_of(st.none(), st.integers(0, 120)),
        st.one_of(st.none(), st.integers(0, 120)),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(notices=_notices)
def test_figures_with_corrections_equal_figures_of_the_corrected_times(hoster_a, notices):
    """The law: a correction counts exactly as if the hotline had measured that time."""
    Notice.objects.all().delete()
    rows = [
        (
            f"n{i}",
            at(rep).isoformat(),
            at(rep + removed).isoformat() if removed is not None else "",
            "192.0.2.9",
            "",
            "",
            "",
        )
        for i, (rep, removed, _corrected) in enumerate(notices)
    ]
    run_import(rows, source="law")
    for i, (rep, _removed, corrected) in enumerate(notices):
        if corrected is not None:
            Notice.objects.filter(notice_id=f"n{i}").update(corrected_removed_at=at(rep + corrected))
    with_corrections = hoster_metrics(*PERIOD, as_of=at(250), hoster=hoster_a)
    Notice.objects.all().delete()
    counted = [(rep, corrected if corrected is not None else removed) for rep, removed, corrected in notices]
    rows = [
        (
            f"n{i}",
            at(rep).isoformat(),
            at(rep + removal).isoformat() if removal is not None else "",
            "192.0.2.9",
            "",
            "",
            "",
        )
        for i, (rep, removal) in enumerate(counted)
    ]
    run_import(rows, source="law2")
    assert hoster_metrics(*PERIOD, as_of=at(250), hoster=hoster_a) == with_corrections
