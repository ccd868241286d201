"""Server-side SVG geometry for the weekly chart: bars for notices, a line for the share within the norm.

A week's bar is split: the due notices solid at the bottom, the pending ones (open but not yet past the norm at the
cut-off, left out of the share) apart on top of them, drawn hatched.

Pure: weeks in (from `metrics.weekly_metrics`), coordinates out; `templates/scoring/figures/_weekly_chart.html`
draws them. The target share (what the scoring model asks, known to a later stage) comes in from the caller: each
week's point then says whether it reaches it, so a week below the target is never drawn as if it were fine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 48, 16, 40
_NICE_STEPS = (5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000)
LABELS_MAX = 8  # week labels under the axis, at most about this many


@dataclass(frozen=True)
class WeekBar:
    week_start: date
    notices: int
    within_norm_pct: float | None
    x: float
    y: float
    width: float
    height: float
    label_x: float
    point_y: float | None
    meets_target: bool | None = None
    """Whether the week's share reaches the target (None: no share, or no target)."""
    pending: int = 0
    due_y: float = 0.0  # the top of the due part; the pending part runs from `y` down to it
    due_height: float = 0.0

    @property
    def pending_height(self) -> float:
        return round(self.height - self.due_height, 1)


@dataclass(frozen=True)
class WeeklyChart:
    bars: list[WeekBar]
    line: str  # the polyline's points through the weeks that have a share
    max_notices: int  # the left axis' top
    label_every: int  # label every n-th week
    any_pending: bool = False  # whether some week has pending notices (the legend then explains the hatching)
    target_pct: float | None = None
    target_y: float | None = None  # the target's height on the right axis
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM
    mid: float = (TOP + HEIGHT - BOTTOM) / 2


def nice_max(value: int) -> int:
    """The axis' top: the first round step at or above `value` (the value itself beyond the last step)."""
    return next((step for step in _NICE_STEPS if value <= step), value)


def weekly_chart(weeks: Sequence[Mapping[str, Any]], target_pct: float | None = None) -> WeeklyChart:
    """Bars scaled to the busiest week, points at the share within the norm (100% at the top, 0% at the bottom)."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = nice_max(max((w["notices"] for w in weeks), default=0) or 1)
    slot = plot_w / max(len(weeks), 1)
    bars = []
    for i, week in enumerate(weeks):
        height = plot_h * week["notices"] / top
        pending = int(week.get("pending") or 0)
        due_height = plot_h * (week["notices"] - pending) / top
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
                meets_target=None if pct is None or target_pct is None else pct >= target_pct,
                pending=pending,
                due_y=round(TOP + plot_h - due_height, 1),
                due_height=round(due_height, 1),
            )
        )
    line = " ".join(f"{bar.label_x},{bar.point_y}" for bar in bars if bar.point_y is not None)
    return WeeklyChart(
        bars=bars,
        line=line,
        max_notices=top,
        label_every=max(1, len(bars) // LABELS_MAX),
        any_pending=any(bar.pending for bar in bars),
        target_pct=target_pct,
        target_y=None if target_pct is None else round(TOP + plot_h * (1 - target_pct / 100), 1),
    )
