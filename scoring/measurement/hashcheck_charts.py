"""Server-side SVG geometry for the weekly hash-check chart: bars for checks, points on a line for hits, and a
shaded band for each week the statistics do not cover (unknown, which is not the same as no checks).

Pure: weeks in (from `hashchecks.weekly_hash_checks`), coordinates out; `templates/scoring/hashchecks/_weekly.html`
draws them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from scoring.measurement.charts import BOTTOM, HEIGHT, LABELS_MAX, LEFT, RIGHT, TOP, WIDTH, nice_max


@dataclass(frozen=True)
class HashCheckBar:
    week_start: date
    iso_week: str
    covered: bool
    checks: int | None
    hits: int | None
    x: float
    y: float
    width: float
    height: float
    slot_x: float  # the week's whole slot: where an uncovered week's band starts
    slot_width: float
    label_x: float
    point_y: float | None


@dataclass(frozen=True)
class HashCheckChart:
    bars: list[HashCheckBar]
    lines: list[str]  # a polyline's points through each run of covered weeks' hits
    max_checks: int  # the left axis' top
    max_hits: int  # the right axis' top
    label_every: int
    any_covered: bool
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM
    plot_height: int = HEIGHT - TOP - BOTTOM


def hashcheck_chart(weeks: Sequence[Mapping[str, Any]]) -> HashCheckChart:
    """Bars scaled to the week with most checks; hits on their own scale (they are few beside the checks)."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top_checks = nice_max(max((w["checks"] or 0 for w in weeks), default=0) or 1)
    top_hits = nice_max(max((w["hits"] or 0 for w in weeks), default=0) or 1)
    slot = plot_w / max(len(weeks), 1)
    bars = []
    for i, week in enumerate(weeks):
        checks, hits = week["checks"], week["hits"]
        height = plot_h * (checks or 0) / top_checks
        bars.append(
            HashCheckBar(
                week_start=week["week_start"],
                iso_week=week["iso_week"],
                covered=week["covered"],
                checks=checks,
                hits=hits,
                x=round(LEFT + i * slot + slot * 0.15, 1),
                y=round(TOP + plot_h - height, 1),
                width=round(slot * 0.7, 1),
                height=round(height, 1),
                slot_x=round(LEFT + i * slot, 1),
                slot_width=round(slot, 1),
                label_x=round(LEFT + i * slot + slot / 2, 1),
                point_y=None if hits is None else round(TOP + plot_h * (1 - hits / top_hits), 1),
            )
        )
    return HashCheckChart(
        bars=bars,
        lines=_runs(bars),
        max_checks=top_checks,
        max_hits=top_hits,
        label_every=max(1, len(bars) // LABELS_MAX),
        any_covered=any(bar.covered for bar in bars),
    )


def _runs(bars: Sequence[HashCheckBar]) -> list[str]:
    """The hits' line, broken where a week is not covered: no line is drawn through a week nobody measured."""
    runs: list[list[str]] = [[]]
    for bar in bars:
        if bar.point_y is None:
            runs.append([])
        else:
            runs[-1].append(f"{bar.label_x},{bar.point_y}")
    return [" ".join(points) for points in runs if len(points) > 1]
