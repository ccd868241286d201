"""Public visuals do not mislead (issue 14, #17): a suspension is shown as such, colour follows the target, a rank
says what it ranks by, the monitor period page shows the 90th percentile like its PDF."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from scoring.certification.services import suspend_certificate
from scoring.measurement.charts import weekly_chart
from scoring.publication.badges import LABEL_COLOUR, OTHER_COLOUR, STATUS_COLOURS
from scoring.publication.charts import removal_time_bars, within_norm_chart
from scoring.publication.monitor_periods import publish_monitor_period
from scoring.publication.targets import within_norm_target_pct
from tests.scoring.certification.helpers import notices_for

GREEN = "#1d7a46"


def contrast(foreground: str, background: str) -> float:
    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


# --- the pure geometry ----------------------------------------------------------------------------------------


def test_a_bar_below_the_target_is_marked_and_one_at_or_above_it_is_not():
    chart = within_norm_chart([("low", 84.99), ("exact", 90.0), ("high", 99.0), ("none", None)], target_pct=90.0)
    assert [bar.meets_target for bar in chart.bars] == [False, True, True, None]
    assert chart.target is not None and chart.target.value == 90.0
    assert chart.bars[2].y < chart.target.y < chart.bars[0].y  # the line lies between a bar above and one below


def test_without_a_target_no_bar_is_judged():
    chart = within_norm_chart([("a", 10.0), ("b", 100.0)])
    assert [bar.meets_target for bar in chart.bars] == [None, None] and chart.target is None


def test_weekly_points_are_judged_against_the_target():
    weeks = [{"week_start": date(2024, 3, 4), "notices": 4, "within_norm_pct": pct} for pct in (50.0, 95.0, None)]
    chart = weekly_chart(weeks, target_pct=90.0)
    assert [bar.meets_target for bar in chart.bars] == [False, True, None]
    assert chart.target_y is not None and chart.top < chart.target_y < chart.bottom
    assert [bar.meets_target for bar in weekly_chart(weeks).bars] == [None, None, None]


def test_under_a_12_hour_norm_the_green_part_is_within_the_norm_not_within_24_hours():
    # 10 due notices: 2 within 12 h, 6 more within 24 h, 1 within 48 h, 1 later.
    row = {"notices": 11, "within_norm": 2, "within_24h": 8, "between_24_48h": 1, "over_48h_or_open": 1}
    [bar] = removal_time_bars([row])
    assert (bar["within_norm_part"], bar["later_part"], bar["over_48h_part"]) == (20, 70, 10)


def test_under_a_norm_beyond_48_hours_nothing_is_later_within_48_hours():
    row = {"notices": 4, "within_norm": 3, "within_24h": 1, "between_24_48h": 1, "over_48h_or_open": 2}
    [bar] = removal_time_bars([row])
    assert (bar["within_norm_part"], bar["later_part"], bar["over_48h_part"]) == (75, 0, 25)


def test_a_row_without_due_notices_draws_nothing():
    row = {"notices": 3, "within_norm": 0, "within_24h": 0, "between_24_48h": 0, "over_48h_or_open": 0}
    [bar] = removal_time_bars([row])
    assert (bar["within_norm_part"], bar["later_part"], bar["over_48h_part"]) == (0, 0, 0)


@pytest.mark.parametrize("colour", [*STATUS_COLOURS.values(), OTHER_COLOUR, LABEL_COLOUR])
def test_badge_texts_keep_aa_contrast(colour):
    assert contrast("#ffffff", colour) >= 4.5


# --- the pages --------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_target_comes_from_the_scoring_model_in_force():
    assert within_norm_target_pct() == 90.0


@pytest.mark.django_db
def test_a_suspended_certificate_is_shown_as_suspended_not_as_a_large_grade(client, certificate_a, supervisor):
    html = client.get(reverse("registry_hoster", args=["hoster-a"])).content.decode()
    assert 'class="display-4 fw-bold"' in html  # valid: the grade large
    suspend_certificate(certificate_a, supervisor, "Notices left open for a week.")
    html = client.get(reverse("registry_hoster", args=["hoster-a"])).content.decode()
    current = html[html.index('id="current-heading"') : html.index("</section>")]
    assert "display-4" not in current and ">Suspended<" in current
    assert "does not certify at present" in current and "Notices left open for a week." in current
    assert f"grade {certificate_a.grade} when issued" in current


@pytest.fixture
def period_below_target(hoster_a, hoster_b, supervisor):
    """Hoster A removes 12 notices in 3 hours; hoster B leaves 8 of 12 for 30 hours (33% within 24 h)."""
    start = datetime(2025, 2, 3, 9, tzinfo=ZoneInfo("Europe/Amsterdam"))
    notices_for(hoster_a, 12, hours=3, start=start, prefix="a")
    notices_for(hoster_b, 4, hours=3, start=start, prefix="b")
    notices_for(hoster_b, 8, hours=30, start=start.replace(day=10), prefix="c")
    return publish_monitor_period(
        supervisor, code="2025-h1", title="Monitor 2025 H1", date_from=date(2025, 1, 1), date_to=date(2025, 6, 30)
    )


def bar_fills(html: str) -> list[str]:
    chart = html[html.index('id="chart-title"') : html.index("</svg>")]
    return re.findall(r'<rect x="[^"]*" y="[^"]*" width="[^"]*" height="[^"]*" fill="(#[0-9a-f]{6})"', chart)


@pytest.mark.django_db
def test_a_hosters_chart_draws_a_share_below_the_target_red_not_green(client, period_below_target, certificate_b):
    html = client.get(reverse("registry_hoster", args=["hoster-b"])).content.decode()
    assert bar_fills(html) == ["#b42318"]
    assert "below the target" in html and "stroke-dasharray" in html  # said in words, the target drawn
    assert "Rank by notices" in html


@pytest.mark.django_db
def test_a_hosters_chart_draws_a_share_that_meets_the_target_green(client, period_below_target, certificate_a):
    assert bar_fills(client.get(reverse("registry_hoster", args=["hoster-a"])).content.decode()) == [GREEN]


@pytest.mark.django_db
def test_the_monitor_period_page_shows_the_90th_percentile_and_what_the_rank_ranks_by(client, period_below_target):
    response = client.get(reverse("monitor_period", args=["2025-h1"]))
    html = response.content.decode()
    assert "90th percentile hours" in html and "Rank by notices" in html
    p90 = {row["hoster"]: row["p90_hours"] for row in period_below_target.ranking}
    row_b = html[html.index(">Hoster B<") : html.index("</tr>", html.index(">Hoster B<"))]
    assert p90["hoster-b"] is not None and f">{p90['hoster-b']}<" in row_b
    assert "within the norm of 24 h" in html
    assert "33% within the norm" in row_b  # the bar's text alternative
