"""Server-side SVG charts for the review pages of the admin: no JavaScript, no CDN.

Every text placed in a chart is escaped; the functions return safe HTML strings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

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
class Bar:
    label: str
    value: float | None  # a rate 0..1; None: nothing to draw
    verdict: str
    threshold: float | None = None
    note: str = ""


def _pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def bar_chart(bars: Sequence[Bar], *, title: str, width: int = 720) -> SafeString:
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
