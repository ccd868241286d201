"""The public charts' geometry alone: bars inside the plot, as tall as their share, one slot per period or row."""

from __future__ import annotations

import pytest

from scoring.publication.charts import BOTTOM, HEIGHT, LEFT, RIGHT, TOP, WIDTH, removal_time_bars, within_norm_chart

BASE_Y = HEIGHT - BOTTOM
PLOT_H = HEIGHT - TOP - BOTTOM


def test_a_bar_is_as_tall_as_its_share_and_stands_on_the_base_line():
    chart = within_norm_chart([("2024-h2", 50.0), ("2025-h1", 100.0)])
    half, full = chart.bars
    assert half.height == pytest.approx(PLOT_H / 2, abs=0.1) and full.height == pytest.approx(PLOT_H, abs=0.1)
    for bar in chart.bars:
        assert bar.y + bar.height == pytest.approx(BASE_Y, abs=0.1)
    assert full.y == pytest.approx(TOP, abs=0.1)


def test_bars_keep_their_order_and_stay_inside_the_plot():
    chart = within_norm_chart([(f"p{i}", 10.0 * i) for i in range(6)])
    assert [bar.label for bar in chart.bars] == [f"p{i}" for i in range(6)]
    xs = [bar.x for bar in chart.bars]
    assert xs == sorted(xs)
    for bar in chart.bars:
        assert bar.x >= LEFT and bar.x + bar.width <= WIDTH - RIGHT
        assert bar.x < bar.label_x < bar.x + bar.width  # the label sits under its bar


def test_a_period_without_a_share_has_an_empty_bar_but_keeps_its_label():
    [bar] = within_norm_chart([("2025-h1", None)]).bars
    assert bar.height == 0 and bar.pct is None and bar.label == "2025-h1"


def test_the_ticks_mark_their_percentages_from_the_base_line_up():
    chart = within_norm_chart([("2025-h1", 80.0)])
    by_value = {tick.value: tick.y for tick in chart.ticks}
    assert by_value[0] == pytest.approx(BASE_Y) and by_value[100] == pytest.approx(TOP)
    assert by_value[100] < by_value[90] < by_value[50] < by_value[0]


def test_no_periods_draws_no_bars():
    chart = within_norm_chart([])
    assert chart.bars == [] and len(chart.ticks) == 4


def test_the_removal_time_bar_splits_a_row_into_three_parts_that_add_up():
    row = {"hoster": "a", "notices": 8, "within_norm": 4, "within_24h": 4, "between_24_48h": 2, "over_48h_or_open": 2}
    [bar] = removal_time_bars([row])
    assert bar["hoster"] == "a" and bar["notices"] == 8  # the row's own figures stay
    assert (bar["within_norm_part"], bar["later_part"], bar["over_48h_part"]) == (50, 25, 25)
    assert (bar["later_x"], bar["over_48h_x"]) == (50, 75)  # each part starts where the one before ends
    assert bar["within_norm_part"] + bar["later_part"] + bar["over_48h_part"] == pytest.approx(100)
