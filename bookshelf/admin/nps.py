"""The NPS report (supervisors and product staff, `bookshelf.view_nps_report`): NPS and answers
by benefit, tier, agent, channel and supplier over a period, the invitations' response rate,
a 12-month trend (NPS line over answer bars, inline SVG with its table), and how fast agents
and teams call detractors back. A supervisor's per-agent tables hold their team only.

Reached from the workspace nav; the URL hangs on the follow-ups' admin
(`admin:bookshelf_nps_report`). Everything is read by `reach.selectors.nps_report`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext, ngettext

from ..reach.selectors import NPS_DEFAULT_DAYS, NPS_PERIODS, MonthNps, nps_report
from .charts import axis_ticks

NPS_PERMISSION = "bookshelf.view_nps_report"


@dataclass(frozen=True)
class TrendBar:
    x: float
    y: float
    width: float
    height: float
    month: MonthNps


@dataclass
class TrendChart:
    """Answers per month as bars (left axis), NPS as a line from -100 to 100 (right axis)."""

    width: int = 760
    height: int = 250
    left: int = 52
    top: int = 14
    right: int = 708
    bottom: int = 220
    bars: list[TrendBar] = field(default_factory=list)
    answer_ticks: list[tuple[float, int]] = field(default_factory=list)
    nps_ticks: list[tuple[float, int]] = field(default_factory=list)
    points: list[tuple[float, float, MonthNps]] = field(default_factory=list)
    labels: list[tuple[float, MonthNps]] = field(default_factory=list)
    zero_y: float = 0.0
    total: int = 0

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"

    @property
    def line(self) -> str:
        """The NPS line's points; a month without answers breaks nothing (it is skipped)."""
        return " ".join(f"{x},{y}" for x, y, _m in self.points)

    @property
    def nps_x(self) -> int:
        return self.right + 6


def trend_chart(months: Sequence[MonthNps]) -> TrendChart:
    chart = TrendChart()
    chart.total = sum(m.answers for m in months)
    ticks = axis_ticks(max([m.answers for m in months] + [1]), intervals=4)
    top_value = ticks[-1]
    plot_h = chart.bottom - chart.top
    chart.answer_ticks = [(round(chart.bottom - plot_h * v / top_value, 1), v) for v in ticks]

    def nps_y(value: float) -> float:
        return round(chart.bottom - plot_h * (value + 100) / 200, 1)

    chart.nps_ticks = [(nps_y(v), v) for v in (-100, -50, 0, 50, 100)]
    chart.zero_y = nps_y(0)
    slot = (chart.right - chart.left) / max(len(months), 1)
    bar_w = slot * 0.6
    for i, m in enumerate(months):
        x = chart.left + slot * i + (slot - bar_w) / 2
        h = plot_h * m.answers / top_value
        chart.bars.append(
            TrendBar(round(x, 1), round(chart.bottom - h, 1), round(bar_w, 1), round(h, 1), m)
        )
        middle = round(x + bar_w / 2, 1)
        chart.labels.append((middle, m))
        if m.nps is not None:
            chart.points.append((middle, nps_y(m.nps), m))
    return chart


def _days(request: HttpRequest) -> int:
    try:
        days = int(request.GET.get("days", NPS_DEFAULT_DAYS))
    except ValueError:
        return NPS_DEFAULT_DAYS
    return days if days in NPS_PERIODS else NPS_DEFAULT_DAYS


def nps_report_view(model_admin: Any, request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(NPS_PERMISSION):
        raise PermissionDenied
    report = nps_report(user=request.user, days=_days(request))
    tables = [
        ("by-benefit", gettext("By benefit"), gettext("Benefit"), report.by_benefit),
        ("by-tier", gettext("By tier"), gettext("Tier"), report.by_tier),
        ("by-agent", gettext("By agent"), gettext("Agent"), report.by_agent),
        ("by-channel", gettext("By channel"), gettext("Channel"), report.by_channel),
        ("by-supplier", gettext("By supplier"), gettext("Supplier"), report.by_supplier),
    ]
    periods = [
        (d, ngettext("Last %(n)d day", "Last %(n)d days", d) % {"n": d}) for d in NPS_PERIODS
    ]
    context = {
        **model_admin.admin_site.each_context(request),
        "title": gettext("NPS report"),
        "opts": model_admin.opts,
        "report": report,
        "tables": tables,
        "periods": periods,
        "chart": trend_chart(report.months),
        "followup_tables": [
            (
                "followups-by-agent",
                gettext("Detractors called back, by agent"),
                report.followups_by_agent,
            ),
            (
                "followups-by-team",
                gettext("Detractors called back, by team"),
                report.followups_by_team,
            ),
        ],
    }
    return TemplateResponse(request, "admin/bookshelf/nps/report.html", context)
