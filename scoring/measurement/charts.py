"""Server-side SVG geometry for the weekly chart: bars for notices, a line for the share within the norm."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 48, 16, 40


@dataclass(frozen=True)
class WeekBar:
    week_start: object
    notices: int
    within_norm_pct: float | None
    x: float
    y: float
    width: float
    height: float
    label_x: float
    point_y: float | None


def _nice_max(value: int) -> int:
    for step in (5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000):
        if value <= step:
            return step
    return value


def weekly_chart(weeks: list[dict]) -> dict:
    """Coordinates for `templates/scoring/_weekly_chart.html`; `weeks` come from `metrics.weekly_metrics`."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = _nice_max(max((w["notices"] for w in weeks), default=0) or 1)
    slot = plot_w / max(len(weeks), 1)
    bars = []
    for i, week in enumerate(weeks):
        height = plot_h * week["notices"] / top
        pct = week["within_norm_pct"]
        bars.append(
            WeekBar(
                week_start=week["week_start"],
                notices=week["notices"],
                within_norm_pct=pct,
                x=round(LEFT + i * slot + slot * 0.15, 1),
                y=round(TOP + plot_h - height, 1),
                width=round(slot * 0.7, 1),
                height=round(height, 1),
                label_x=round(LEFT + i * slot + slot / 2, 1),
                point_y=None if pct is None else round(TOP + plot_h * (1 - pct / 100), 1),
            )
        )
    line = " ".join(f"{bar.label_x},{bar.point_y}" for bar in bars if bar.point_y is not None)
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "bars": bars,
        "line": line,
        "max_notices": top,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "top": TOP,
        "bottom": TOP + plot_h,
        "mid": TOP + plot_h / 2,
        "label_every": max(1, len(bars) // 8),
    }
