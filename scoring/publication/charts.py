"""Geometry of the public pages' inline SVG charts: plain numbers in, coordinates out (no Django).

Colour tells whether a figure meets what the scheme asks, never just that it is a figure: a share below the target
is not drawn green, and the removal-time bar's green part is what was removed within the norm, whatever the norm.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

WIDTH, HEIGHT = 560, 200
LEFT, RIGHT, TOP, BOTTOM = 40, 10, 12, 34
TICKS = (0, 50, 90, 100)  # percentages marked on the axis


@dataclass(frozen=True)
class PeriodBar:
    label: str
    pct: float | None
    x: float
    y: float
    width: float
    height: float
    label_x: float
    meets_target: bool | None
    """Whether the share reaches the target (None: no share, or no target to compare with)."""


@dataclass(frozen=True)
class Tick:
    value: float
    y: float


@dataclass(frozen=True)
class PeriodChart:
    bars: list[PeriodBar]
    ticks: list[Tick]
    target: Tick | None = None
    """The share the scheme asks for, drawn as a line across the plot."""
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    label_y: int = HEIGHT - 12


def meets(pct: float | None, target_pct: float | None) -> bool | None:
    return None if pct is None or target_pct is None else pct >= target_pct


def within_norm_chart(periods: Sequence[tuple[str, float | None]], target_pct: float | None = None) -> PeriodChart:
    """Per published period (its code, the share removed within the norm) a bar; no figure draws no bar.

    With `target_pct` each bar says whether it reaches it, and the chart draws the target as a line."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(1, len(periods))
    bars = []
    for index, (label, pct) in enumerate(periods):
        bar_h = plot_h * (pct or 0) / 100
        bars.append(
            PeriodBar(
                label=label,
                pct=pct,
                x=round(LEFT + index * slot + slot * 0.2, 1),
                y=round(TOP + plot_h - bar_h, 1),
                width=round(slot * 0.6, 1),
                height=round(bar_h, 1),
                label_x=round(LEFT + index * slot + slot / 2, 1),
                meets_target=meets(pct, target_pct),
            )
        )

    def tick(value: float) -> Tick:
        return Tick(value, round(TOP + plot_h * (1 - value / 100), 1))

    target = tick(target_pct) if target_pct is not None else None
    return PeriodChart(bars=bars, ticks=[tick(value) for value in TICKS], target=target)


def removal_time_bars(ranking: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each ranked row with its stacked bar on a 0-100 scale of its due notices: removed within the norm, later but
    within 48 hours, and over 48 hours or never (at a norm of 48 hours or more the middle part is empty).

    The buckets of 24 and 48 hours are fixed while the norm is not: under a 12-hour norm much of "within 24 h" is
    beyond the norm, so the green part is `within_norm`, not `within_24h`."""
    rows = []
    for row in ranking:
        due = row["within_24h"] + row["between_24_48h"] + row["over_48h_or_open"]
        within_48h = row["within_24h"] + row["between_24_48h"]
        within_norm = 100 * row["within_norm"] / due if due else 0.0
        later = 100 * max(0, within_48h - row["within_norm"]) / due if due else 0.0
        rows.append(
            {
                **row,
                "within_norm_part": within_norm,
                "later_part": later,
                "later_x": within_norm,
                "over_48h_x": within_norm + later,
                "over_48h_part": 100 - within_norm - later if due else 0.0,
            }
        )
    return rows
