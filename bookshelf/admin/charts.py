"""Every chart of the admin, drawn on the server as inline SVG: no JavaScript, no CDN.

- `stacked_usage_chart`: a benefit's uses per month, stacked by tier (the geometry; the
  template `admin/bookshelf/usage_chart.html` draws it);
- `rate_chart`: usage rates as horizontal bars with their threshold marked, coloured by the
  review's verdict (the review run and proposal pages). Every text placed in it is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from customers.models import Tier

from ..review.selectors import UsageByMonth


@dataclass(frozen=True)
class StackedBar:
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
    bars: list[StackedBar] = field(default_factory=list)
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
    """The smallest 1, 2, 5 x 10^k at or above the value (a round top for a scale)."""
    if value <= 0:
        return 1
    exponent = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * exponent:
            return step * exponent
    return 10 * exponent  # pragma: no cover


def nice_step(value: int, *, intervals: int = 5) -> int:
    """The axis step: the smallest 1, 2, 5 x 10^k (at least 1) that covers the value in at
    most `intervals` steps, so every tick is an integer and the ticks are evenly spaced."""
    if value <= 0:
        return 1
    target = value / intervals
    exponent = 10 ** max(math.floor(math.log10(target)), 0) if target >= 1 else 1
    for step in (1, 2, 5, 10):
        if step * exponent >= target:
            return step * exponent
    return 10 * exponent  # pragma: no cover


def axis_ticks(peak: int, *, intervals: int = 5) -> list[int]:
    """Evenly spaced integer ticks from 0 to the first multiple of the nice step at or above
    the peak: 0, 2, 4, 6, 8, 10 for a peak of 10; 0, 1, 2, 3 for 3; 0, 50, ... 200 for 180."""
    step = nice_step(peak, intervals=intervals)
    top = max(step, step * math.ceil(peak / step))
    return list(range(0, top + 1, step))


def stacked_usage_chart(
    usage: UsageByMonth, *, width: int = 760, height: int = 260
) -> StackedBarChart:
    """Uses per month as bars stacked by tier, lowest tier at the bottom."""
    chart = StackedBarChart(
        width=width, height=height, left=44, top=16, right=width - 12, bottom=height - 28
    )
    chart.total = usage.total
    peak = max((usage.month_total(m) for m in usage.months), default=0)
    ticks = axis_ticks(peak)
    top_value = ticks[-1]
    plot_h = chart.bottom - chart.top
    slot = chart.plot_width / max(len(usage.months), 1)
    bar_w = slot * 0.62
    chart.y_ticks = [(chart.bottom - plot_h * value / top_value, value) for value in ticks]
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
                StackedBar(
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


# -- usage rates against a threshold (the review) ---------------------------------------------

VERDICT_COLOURS = {
    "healthy": "#4c9a6a",
    "low": "#e0a030",
    "grace": "#9aa5b1",
    "promote": "#3b7dd8",
    "retire": "#c8423b",
    "pending": "#a0522d",
    "too_few": "#c5cbd3",
}


@dataclass(frozen=True)
class RateBar:
    label: str
    value: float | None  # a rate 0..1; None: nothing to draw
    verdict: str
    threshold: float | None = None
    note: str = ""


def _pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def rate_chart(bars: Sequence[RateBar], *, title: str, width: int = 720) -> SafeString:
    """Horizontal bars of usage rates, each with its threshold marked, coloured by verdict."""
    if not bars:
        nothing = _("Nothing to chart.")  # outside the f-string, where xgettext finds it
        return mark_safe(f"<p>{escape(nothing)}</p>")  # noqa: S308
    label_w, value_w, row_h, top = 260, 70, 18, 28
    plot_w = width - label_w - value_w
    values = [b.value for b in bars if b.value is not None]
    thresholds = [b.threshold for b in bars if b.threshold is not None]
    scale = max([*values, *(t * 2 for t in thresholds), 0.01])
    scale = min(1.0, scale * 1.1) if scale < 1 else scale
    height = top + row_h * len(bars) + 24
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(title)}" style="font:11px sans-serif">',
        f'<rect width="{width}" height="{height}" fill="#fff"/>',
        f'<text x="0" y="14" font-weight="bold">{escape(title)}</text>',
    ]
    for i, bar in enumerate(bars):
        y = top + i * row_h
        colour = VERDICT_COLOURS.get(bar.verdict, "#888")
        label = escape(bar.label[:42])
        parts.append(f'<text x="{label_w - 6}" y="{y + 12}" text-anchor="end">{label}</text>')
        parts.append(
            f'<rect x="{label_w}" y="{y + 2}" width="{plot_w}" height="{row_h - 4}" '
            'fill="#f3f4f6"/>'
        )
        if bar.value is not None:
            w = max(1.0, plot_w * min(bar.value / scale, 1.0))
            parts.append(
                f'<rect x="{label_w}" y="{y + 2}" width="{w:.1f}" height="{row_h - 4}" '
                f'fill="{colour}"><title>{escape(bar.note or _pct(bar.value))}</title></rect>'
            )
            text = _pct(bar.value)
        else:
            text = "–"
        if bar.threshold is not None:
            x = label_w + plot_w * min(bar.threshold / scale, 1.0)
            parts.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y}" y2="{y + row_h}" '
                'stroke="#222" stroke-dasharray="3,2"/>'
            )
        parts.append(f'<text x="{label_w + plot_w + 6}" y="{y + 12}">{escape(text)}</text>')
    legend_y = top + row_h * len(bars) + 16
    legend = _("Dashed line: the usage threshold. Scale 0 to %(max)s.") % {"max": _pct(scale)}
    parts.append(f'<text x="{label_w}" y="{legend_y}">{escape(legend)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
