"""Server-side chart geometry: the template draws it as inline SVG (no script, no CDN)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

from customers.models import Tier

from .selectors import UsageByMonth


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    tier_slug: str
    tier_label: str
    month: date
    count: int


@dataclass
class StackedBarChart:
    width: int
    height: int
    left: int
    top: int
    right: int
    bottom: int
    bars: list[Bar] = field(default_factory=list)
    x_labels: list[tuple[float, date]] = field(default_factory=list)
    y_ticks: list[tuple[float, int]] = field(default_factory=list)
    totals: list[tuple[float, float, int]] = field(default_factory=list)
    legend: list[tuple[str, str, int]] = field(default_factory=list)
    total: int = 0

    @property
    def plot_width(self) -> int:
        return self.right - self.left

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"


def nice_ceiling(value: int) -> int:
    """The smallest 1, 2, 5 x 10^k at or above the value (the top of the y axis)."""
    if value <= 0:
        return 1
    exponent = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * exponent:
            return step * exponent
    return 10 * exponent  # pragma: no cover


def stacked_usage_chart(
    usage: UsageByMonth, *, width: int = 760, height: int = 260
) -> StackedBarChart:
    """Uses per month as bars stacked by tier, lowest tier at the bottom."""
    chart = StackedBarChart(
        width=width, height=height, left=44, top=16, right=width - 12, bottom=height - 28
    )
    chart.total = usage.total
    peak = max((usage.month_total(m) for m in usage.months), default=0)
    top_value = nice_ceiling(peak)
    plot_h = chart.bottom - chart.top
    slot = chart.plot_width / max(len(usage.months), 1)
    bar_w = slot * 0.62
    for i in range(5):
        value = round(top_value * i / 4)
        if i and value == chart.y_ticks[-1][1]:
            continue
        chart.y_ticks.append((chart.bottom - plot_h * value / top_value, value))
    for i, month in enumerate(usage.months):
        x = chart.left + slot * i + (slot - bar_w) / 2
        chart.x_labels.append((x + bar_w / 2, month))
        y = float(chart.bottom)
        for tier in usage.tiers:
            n = usage.counts.get((month, tier), 0)
            if not n:
                continue
            h = plot_h * n / top_value
            y -= h
            value = Tier(tier)
            chart.bars.append(
                Bar(
                    x=round(x, 1),
                    y=round(y, 1),
                    width=round(bar_w, 1),
                    height=round(h, 1),
                    tier_slug=value.slug,
                    tier_label=str(value.label),
                    month=month,
                    count=n,
                )
            )
        month_total = usage.month_total(month)
        if month_total:
            chart.totals.append((round(x + bar_w / 2, 1), round(y - 4, 1), month_total))
    chart.legend = [
        (Tier(t).slug, str(Tier(t).label), usage.tier_total(t))
        for t in usage.tiers
        if usage.tier_total(t)
    ]
    return chart
