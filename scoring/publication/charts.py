"""Geometry of the public pages' inline SVG charts: plain numbers in, coordinates out (no Django)."""

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


@dataclass(frozen=True)
class Tick:
    value: int
    y: float


@dataclass(frozen=True)
class PeriodChart:
    bars: list[PeriodBar]
    ticks: list[Tick]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    label_y: int = HEIGHT - 12


def within_norm_chart(periods: Sequence[tuple[str, float | None]]) -> PeriodChart:
    """Per published period (its code, the share removed within the norm) a bar; no figure draws no bar."""
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
            )
        )
    ticks = [Tick(value, round(TOP + plot_h * (1 - value / 100), 1)) for value in TICKS]
    return PeriodChart(bars=bars, ticks=ticks)


def removal_time_bars(ranking: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each ranked row with its stacked bar on a 0-100 scale: within 24 h, 24 to 48 h, later or never."""
    rows = []
    for row in ranking:
        within = 100 * row["within_24h"] / row["notices"]
        between = 100 * row["between_24_48h"] / row["notices"]
        rows.append(
            {
                **row,
                "within_24h_pct": within,
                "between_pct": between,
                "between_x": within,
                "later_x": within + between,
                "later_pct": 100 - within - between,
            }
        )
    return rows
