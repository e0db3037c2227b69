"""Product staff's cost page: what the shelf costs by month (against the budget), by top
category, tier and supplier, the budgets of this period with their forecast, and the margin
of paid add-ons. Charts are inline SVG drawn from the geometry below (no JavaScript, no CDN);
each has a table beside it with the same figures.

The page is reached from the shelf cells' admin (`ShelfCellAdmin.get_urls`, name
`admin:bookshelf_costs`) and needs `bookshelf.view_costentry`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from benefits.models import Category

from ..fulfilment.models import Supplier
from ..money.models import BudgetPeriodKind
from ..money.selectors import BudgetUse, CostReport, CostScope, Spend, cost_report
from .charts import axis_ticks

PERIODS = [k.value for k in BudgetPeriodKind]


# -- geometry -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthBar:
    x: float
    y: float
    width: float
    height: float
    spend: Spend


@dataclass
class MonthChart:
    """Spend per month as bars, the monthly budget as a dashed line."""

    width: int = 760
    height: int = 240
    left: int = 64
    top: int = 14
    right: int = 748
    bottom: int = 212
    bars: list[MonthBar] = field(default_factory=list)
    y_ticks: list[tuple[float, int]] = field(default_factory=list)
    labels: list[tuple[float, date]] = field(default_factory=list)
    budget_y: float | None = None
    total: Decimal = Decimal("0.00")

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"


def month_chart(months: Sequence[Spend], budget: Decimal | None) -> MonthChart:
    chart = MonthChart()
    chart.total = sum((m.amount for m in months), Decimal("0.00"))
    peak = max([m.amount for m in months] + [budget or Decimal(0)])
    ticks = axis_ticks(math.ceil(peak))
    top_value = ticks[-1]
    plot_h = chart.bottom - chart.top
    chart.y_ticks = [(round(chart.bottom - plot_h * v / top_value, 1), v) for v in ticks]
    slot = (chart.right - chart.left) / max(len(months), 1)
    bar_w = slot * 0.62
    for i, m in enumerate(months):
        x = chart.left + slot * i + (slot - bar_w) / 2
        h = plot_h * float(max(m.amount, Decimal(0))) / top_value
        chart.bars.append(
            MonthBar(round(x, 1), round(chart.bottom - h, 1), round(bar_w, 1), round(h, 1), m)
        )
        chart.labels.append((round(x + bar_w / 2, 1), m.key))
    if budget is not None:
        chart.budget_y = round(chart.bottom - plot_h * float(budget) / top_value, 1)
    return chart


# Horizontal charts: the label at the left, the bar, its value at the right.
BAR_WIDTH, BAR_LABEL, BAR_PLOT, BAR_ROW = 480, 150, 236, 22


@dataclass(frozen=True)
class HBar:
    y: float
    width: float
    spend: Spend


@dataclass
class HBarChart:
    """Horizontal bars of yuan, the dearest one the widest (the table under it has the
    same figures)."""

    bars: list[HBar]
    height: int
    width: int = BAR_WIDTH
    left: int = BAR_LABEL
    plot: int = BAR_PLOT
    row: int = BAR_ROW

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"

    @property
    def value_x(self) -> int:
        return self.left + self.plot + 6


def hbar_chart(spends: Sequence[Spend]) -> HBarChart:
    peak = max([s.amount for s in spends] + [Decimal("0.01")])
    bars = [
        HBar(
            i * BAR_ROW + 4,
            round(max(1.0, BAR_PLOT * float(max(s.amount, Decimal(0)) / peak)), 1),
            s,
        )
        for i, s in enumerate(spends)
    ]
    return HBarChart(bars=bars, height=max(BAR_ROW * len(spends), BAR_ROW) + 4)


@dataclass(frozen=True)
class BudgetBar:
    y: float
    spent: float  # width of what was spent
    forecast: float  # width up to the forecast
    cap: float  # x of the cap marker
    warn: float  # x of the warning level
    budget: BudgetUse


@dataclass
class BudgetChart(HBarChart):
    budget_bars: list[BudgetBar] = field(default_factory=list)
    scale: float = 1.0  # the plot's right edge, as a share of the cap


BUDGET_WIDTH, BUDGET_LABEL, BUDGET_PLOT = 640, 170, 360


def budget_chart(budgets: Sequence[BudgetUse]) -> BudgetChart:
    """Each budget as its share of the cap: spent (solid), the forecast to the period's end
    (pale, beyond), the cap (a dark marker) and the warning level (a light one). The scale
    is the largest of the caps and forecasts, so a budget that will overrun shows past its
    marker."""
    shares = [max(b.share or 0, b.forecast_share or 0) for b in budgets]
    scale = max([1.0, *shares]) * 1.05
    chart = BudgetChart(
        bars=[],
        height=max(BAR_ROW * len(budgets), BAR_ROW) + 4,
        width=BUDGET_WIDTH,
        left=BUDGET_LABEL,
        plot=BUDGET_PLOT,
        scale=scale,
    )

    def x(share: float | None) -> float:
        return round(BUDGET_PLOT * min(share or 0, scale) / scale, 1)

    chart.budget_bars = [
        BudgetBar(
            y=i * BAR_ROW + 4,
            spent=x(b.share),
            forecast=x(b.forecast_share),
            cap=round(BUDGET_LABEL + BUDGET_PLOT / scale, 1),
            warn=round(BUDGET_LABEL + BUDGET_PLOT * b.warn_percent / 100 / scale, 1),
            budget=b,
        )
        for i, b in enumerate(budgets)
    ]
    return chart


# -- the page -----------------------------------------------------------------------------------


def _scope(request: HttpRequest) -> CostScope:
    """The filter from the query string; a value that makes no sense is said and dropped."""
    period = request.GET.get("period", BudgetPeriodKind.MONTH)
    if period not in PERIODS:
        messages.warning(
            request,
            gettext("Unknown period “%(value)s”: showing this month.") % {"value": period[:20]},
        )
        period = BudgetPeriodKind.MONTH
    on = timezone.localdate()
    if raw := request.GET.get("on"):
        try:
            on = date.fromisoformat(raw)
        except ValueError:
            messages.warning(
                request,
                gettext("“%(value)s” is not a date (YYYY-MM-DD): showing today's period.")
                % {"value": raw[:20]},
            )
    supplier_id = None
    if raw := request.GET.get("supplier"):
        supplier_id = int(raw) if raw.isdigit() else None
    return CostScope(
        period=period, on=on, category=request.GET.get("category", "")[:4], supplier_id=supplier_id
    )


def _step(scope: CostScope, start: date, end: date, back: bool) -> str:
    """The query string of the previous (or next) period with the same filters."""
    on = start - timedelta(days=1) if back else end + timedelta(days=1)
    params = [f"period={scope.period}", f"on={on.isoformat()}"]
    if scope.category:
        params.append(f"category={scope.category}")
    if scope.supplier_id is not None:
        params.append(f"supplier={scope.supplier_id}")
    return "?" + "&".join(params)


def period_label(period: str, start: date) -> str:
    if period == BudgetPeriodKind.YEAR:
        return str(start.year)
    if period == BudgetPeriodKind.QUARTER:
        return gettext("Q%(quarter)s %(year)s") % {
            "quarter": (start.month - 1) // 3 + 1,
            "year": start.year,
        }
    return date_format(start, "YEAR_MONTH_FORMAT")


def cost_context(request: HttpRequest, report: CostReport) -> dict[str, Any]:
    scope = report.scope
    return {
        "report": report,
        "scope": scope,
        "periods": [(k.value, k.label) for k in BudgetPeriodKind],
        "categories": list(
            Category.objects.filter(parent__isnull=True).order_by("position", "path_code")
        ),
        "suppliers": list(Supplier.objects.order_by("name")),
        "month_chart": month_chart(report.months, report.monthly_budget),
        "category_chart": hbar_chart(report.categories),
        "tier_chart": hbar_chart(report.tiers),
        "supplier_chart": hbar_chart(report.suppliers),
        "budget_chart": budget_chart(report.budgets),
        "period_label": period_label(scope.period, report.start),
        "previous": _step(scope, report.start, report.end, back=True),
        "next": _step(scope, report.start, report.end, back=False),
        "is_current": report.start <= report.today <= report.end,
    }


def cost_view(model_admin: Any, request: HttpRequest) -> HttpResponse:
    """The cost page (`?period=month|quarter|year&on=YYYY-MM-DD&category=MED&supplier=7`)."""
    if not request.user.has_perm("bookshelf.view_costentry"):
        raise PermissionDenied
    scope = _scope(request)
    report = cost_report(scope=scope)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": gettext("What the shelf costs"),
        "subtitle": None,
        "opts": model_admin.opts,
        "has_view_permission": True,
        **cost_context(request, report),
    }
    return TemplateResponse(request, "admin/bookshelf/costs/cost_page.html", context)
