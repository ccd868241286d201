"""The weekly chart's geometry on its own: weeks in, coordinates out (no database, no template)."""

from __future__ import annotations

from datetime import date, timedelta

from scoring.measurement.charts import BOTTOM, HEIGHT, LEFT, RIGHT, TOP, WIDTH, nice_max, weekly_chart

PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
MONDAY = date(2024, 3, 4)


def weeks(*figures: tuple[int, float | None]) -> list[dict[str, object]]:
    return [
        {"week_start": MONDAY + timedelta(weeks=i), "notices": notices, "within_norm_pct": pct}
        for i, (notices, pct) in enumerate(figures)
    ]


def test_the_axis_tops_at_the_first_round_step_not_below_the_busiest_week():
    assert [nice_max(n) for n in (1, 5, 6, 10, 11, 99_999, 100_000)] == [5, 5, 10, 10, 20, 100_000, 100_000]
    assert nice_max(123_456) == 123_456  # beyond the last step the value itself


def test_bars_scale_to_the_axis_and_stand_on_the_bottom_line():
    chart = weekly_chart(weeks((10, 100.0), (5, 50.0), (0, None)))
    assert chart.max_notices == 10
    full, half, empty = chart.bars
    assert (full.height, full.y) == (PLOT_H, TOP)
    assert half.height == PLOT_H / 2 and half.y + half.height == TOP + PLOT_H
    assert (empty.height, empty.y) == (0, TOP + PLOT_H)
    assert chart.bottom == TOP + PLOT_H and chart.right == WIDTH - RIGHT and chart.mid == TOP + PLOT_H / 2


def test_weeks_share_the_plot_width_in_equal_slots_with_the_bar_centred():
    chart = weekly_chart(weeks((1, None), (1, None), (1, None), (1, None)))
    slot = PLOT_W / 4
    for i, bar in enumerate(chart.bars):
        assert bar.label_x == round(LEFT + i * slot + slot / 2, 1)
        assert bar.x == round(LEFT + i * slot + slot * 0.15, 1) and bar.width == round(slot * 0.7, 1)
    assert chart.bars[-1].x + chart.bars[-1].width <= WIDTH - RIGHT


def test_the_line_joins_only_the_weeks_that_have_a_share():
    chart = weekly_chart(weeks((4, 100.0), (0, None), (4, 0.0)))
    first, gap, last = chart.bars
    assert (first.point_y, gap.point_y, last.point_y) == (TOP, None, TOP + PLOT_H)
    assert chart.line == f"{first.label_x},{float(TOP)} {last.label_x},{float(TOP + PLOT_H)}"


def test_no_weeks_and_no_notices_still_draw_an_empty_chart():
    empty = weekly_chart([])
    assert (empty.bars, empty.line, empty.max_notices, empty.label_every) == ([], "", 5, 1)
    quiet = weekly_chart(weeks((0, None), (0, None)))
    assert quiet.max_notices == 5 and all(bar.height == 0 for bar in quiet.bars)


def test_at_most_about_eight_week_labels():
    assert weekly_chart(weeks(*[(1, None)] * 7)).label_every == 1
    assert weekly_chart(weeks(*[(1, None)] * 16)).label_every == 2
    assert weekly_chart(weeks(*[(1, None)] * 53)).label_every == 6
