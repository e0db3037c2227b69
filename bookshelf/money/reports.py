"""What the shelf costs, for product staff's cost page and the shelf matrix coloured by cost.

Every figure is aggregated in the database, in a fixed number of queries whatever the number
of uses: the payable lines (`CostEntry`: fulfilled uses, reversals of cancelled ones,
adjustments) give the yuan and uses by month, top category, benefit, tier and supplier, so
every breakdown adds up to the same total the supplier statements pay; the budgets' own
period rows give what each budget spent, with a run-rate forecast to the period's end; the
purchases of paid add-ons give their revenue against their cost.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Sum, Value, When
from django.utils import timezone

from benefits.models import BenefitKind, BenefitStatus, Category
from customers.models import Tier

from ..ledger.models import Purchase, Redemption, RedemptionStatus, Source
from .budgets import budget_period_bounds
from .models import ZERO, Budget, BudgetPeriod, BudgetPeriodKind, CostEntry, CostKind

CENT = Decimal("0.01")
MONTHS_SHOWN = 12
# Cost per user of a shelf matrix cell (yuan in 90 days / distinct users): the band's lower
# bounds, cheapest first. A cell under the first bound is "low".
COST_BANDS: tuple[tuple[str, Decimal], ...] = (
    ("low", Decimal("0")),
    ("mid", Decimal("50")),
    ("high", Decimal("200")),
    ("top", Decimal("1000")),
)


# -- the filter --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CostScope:
    """What the page looks at: one calendar month, quarter or year (the one containing
    `on`), optionally one top category and one supplier."""

    period: str = BudgetPeriodKind.MONTH
    on: date | None = None
    category: str = ""
    supplier_id: int | None = None

    def bounds(self) -> tuple[date, date]:
        return budget_period_bounds(self.period, self.on or timezone.localdate())


def _lines(scope: CostScope) -> QuerySet[CostEntry]:
    lines = CostEntry.objects.all()
    if scope.category:
        lines = lines.filter(benefit__code__startswith=f"{scope.category}.")
    if scope.supplier_id is not None:
        lines = lines.filter(supplier_id=scope.supplier_id)
    return lines


def _totals(lines: QuerySet[CostEntry], *keys: str) -> QuerySet[CostEntry, dict[str, Any]]:
    """Yuan and uses per group: a use counts one, its reversal takes it back, an adjustment
    moves yuan only."""
    uses = Sum(
        Case(
            When(kind=CostKind.USE, then=Value(1)),
            When(kind=CostKind.REVERSAL, then=Value(-1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    )
    return lines.values(*keys).annotate(uses=uses, amount=Sum("amount")).order_by()


# -- the results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spend:
    """Uses and yuan of one group (a month, category, benefit, tier or supplier)."""

    key: Any
    label_en: str
    label_zh_hans: str
    uses: int
    amount: Decimal
    paid: bool = False  # a paid add-on (benefits only)

    @property
    def name_en(self) -> str:  # so the `bi` template filter reads it like a model
        return self.label_en

    @property
    def name_zh_hans(self) -> str:
        return self.label_zh_hans


def run_rate_forecast(*, spent: Decimal, start: date, end: date, today: date) -> Decimal:
    """What a period will have spent by its last day at the pace so far: spent / days
    elapsed (today included) x days in the period. A period over is its spend; one not
    begun forecasts nothing."""
    if today >= end:
        return spent
    if today < start:
        return ZERO
    elapsed = (today - start).days + 1
    days = (end - start).days + 1
    return (spent / elapsed * days).quantize(CENT)


@dataclass(frozen=True)
class BudgetUse:
    """One active budget in its current period: cap, spend so far and the forecast."""

    budget_id: int
    scope_code: str  # the top category's code, or the benefit's
    label_en: str
    label_zh_hans: str
    is_category: bool
    period: str
    start: date
    end: date
    cap_uses: int | None
    cap_amount: Decimal | None
    warn_percent: int
    used_uses: int
    used_amount: Decimal
    forecast_amount: Decimal
    forecast_uses: int
    days_elapsed: int
    days: int

    @property
    def name_en(self) -> str:
        return self.label_en

    @property
    def name_zh_hans(self) -> str:
        return self.label_zh_hans

    @property
    def share(self) -> float | None:
        """Spent / cap in yuan (else in uses), 0..n."""
        if self.cap_amount:
            return float(self.used_amount / self.cap_amount)
        if self.cap_uses:
            return self.used_uses / self.cap_uses
        return None

    @property
    def forecast_share(self) -> float | None:
        if self.cap_amount:
            return float(self.forecast_amount / self.cap_amount)
        if self.cap_uses:
            return self.forecast_uses / self.cap_uses
        return None

    @property
    def over(self) -> bool:
        """The forecast passes the cap: the budget will run out before the period ends."""
        share = self.forecast_share
        return share is not None and share > 1


@dataclass(frozen=True)
class Margin:
    """A paid add-on in the period: what customers paid against what its uses cost."""

    benefit_id: int
    code: str
    label_en: str
    label_zh_hans: str
    sold: int
    revenue: Decimal
    cost: Decimal

    @property
    def name_en(self) -> str:
        return self.label_en

    @property
    def name_zh_hans(self) -> str:
        return self.label_zh_hans

    @property
    def margin(self) -> Decimal:
        return self.revenue - self.cost

    @property
    def margin_percent(self) -> Decimal | None:
        if not self.revenue:
            return None
        return (self.margin * 100 / self.revenue).quantize(Decimal("0.1"))


@dataclass
class CostReport:
    scope: CostScope
    start: date
    end: date
    today: date
    months: list[Spend] = field(default_factory=list)
    monthly_budget: Decimal | None = None  # the yuan caps in scope, per month
    categories: list[Spend] = field(default_factory=list)
    benefits: list[Spend] = field(default_factory=list)
    tiers: list[Spend] = field(default_factory=list)
    suppliers: list[Spend] = field(default_factory=list)
    budgets: list[BudgetUse] = field(default_factory=list)
    margins: list[Margin] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((s.amount for s in self.categories), ZERO)

    @property
    def uses(self) -> int:
        return sum(s.uses for s in self.categories)


# -- the aggregates ----------------------------------------------------------------------------


def _month_back(day: date, back: int) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def spend_by_month(*, scope: CostScope, last: date) -> list[Spend]:
    """The 12 months up to `last`'s month, oldest first, every month present (one query)."""
    first = _month_back(last, MONTHS_SHOWN - 1)
    rows = _totals(_lines(scope).filter(month__gte=first, month__lte=last), "month")
    found = {r["month"]: r for r in rows}
    months = []
    for back in range(MONTHS_SHOWN - 1, -1, -1):
        month = _month_back(last, back)
        r = found.get(month, {})
        label = f"{month:%Y-%m}"
        months.append(Spend(month, label, label, r.get("uses") or 0, r.get("amount") or ZERO))
    return months


def spend_by_benefit(*, scope: CostScope, start: date, end: date) -> list[Spend]:
    """Every benefit with a payable line in the period, dearest first (one query)."""
    rows = _totals(
        _lines(scope).filter(month__gte=start, month__lte=end, benefit__isnull=False),
        "benefit_id",
        "benefit__code",
        "benefit__name_en",
        "benefit__name_zh_hans",
        "benefit__kind",
    )
    spends = [
        Spend(
            r["benefit__code"],
            r["benefit__name_en"] or "",
            r["benefit__name_zh_hans"] or "",
            r["uses"],
            r["amount"],
            paid=r["benefit__kind"] == BenefitKind.PAID,
        )
        for r in rows
    ]
    return sorted(spends, key=lambda s: (-s.amount, s.key))


def spend_by_category(benefits: Iterable[Spend], tops: list[Category]) -> list[Spend]:
    """The benefits' spend folded by top category (the first part of a benefit's code),
    every top category present, in the shelf's order."""
    sums: dict[str, tuple[int, Decimal]] = {}
    for s in benefits:
        top = str(s.key).split(".")[0]
        uses, amount = sums.get(top, (0, ZERO))
        sums[top] = (uses + s.uses, amount + s.amount)
    out = []
    for c in tops:
        uses, amount = sums.pop(c.path_code, (0, ZERO))
        out.append(Spend(c.path_code, c.name_en or "", c.name_zh_hans or "", uses, amount))
    for code, (uses, amount) in sorted(sums.items()):  # a category since removed
        out.append(Spend(code, code, code, uses, amount))
    return out


def spend_by_tier(*, scope: CostScope, start: date, end: date) -> list[Spend]:
    """By the holder's tier when the use was made, highest first; adjustments (no tier)
    last under the key None (one query)."""
    rows = {
        r["tier_snapshot"]: r
        for r in _totals(_lines(scope).filter(month__gte=start, month__lte=end), "tier_snapshot")
    }
    out = []
    for tier in sorted(Tier, reverse=True):
        r = rows.pop(tier.value, None)
        if r:
            label = str(tier.label)
            out.append(Spend(tier.value, label, label, r["uses"], r["amount"]))
    rest = rows.pop(None, None)
    if rest:
        out.append(Spend(None, "", "", rest["uses"], rest["amount"]))
    return out


def spend_by_supplier(*, scope: CostScope, start: date, end: date) -> list[Spend]:
    """By supplier, dearest first (one query)."""
    rows = _totals(
        _lines(scope).filter(month__gte=start, month__lte=end),
        "supplier_id",
        "supplier__name_en",
        "supplier__name_zh_hans",
        "supplier__name",
    )
    spends = [
        Spend(
            r["supplier_id"],
            r["supplier__name_en"] or r["supplier__name"] or "",
            r["supplier__name_zh_hans"] or r["supplier__name"] or "",
            r["uses"],
            r["amount"],
        )
        for r in rows
    ]
    return sorted(spends, key=lambda s: (-s.amount, s.key))


def _budget_use(budget: Budget, today: date) -> BudgetUse:
    current = budget.current[0] if budget.current else None  # type: ignore[attr-defined]
    start, end = budget_period_bounds(budget.period, today)
    if current is not None:
        cap_uses, cap_amount = current.cap_uses, current.cap_amount
        used_uses, used_amount = current.used_uses, current.used_amount
        warn = current.warn_percent
    else:  # nothing spent yet this period: no row opened
        cap_uses, cap_amount, warn = budget.cap_uses, budget.cap_amount, budget.warn_percent
        used_uses, used_amount = 0, ZERO
    forecast = run_rate_forecast(spent=used_amount, start=start, end=end, today=today)
    forecast_uses = run_rate_forecast(
        spent=Decimal(used_uses), start=start, end=end, today=today
    ).to_integral_value()
    scope: Any = budget.category if budget.category_id else budget.benefit
    code = scope.path_code if budget.category_id else scope.code
    en, zh = scope.name_en or code, scope.name_zh_hans or code
    return BudgetUse(
        budget_id=budget.pk,
        scope_code=code,
        label_en=en,
        label_zh_hans=zh,
        is_category=bool(budget.category_id),
        period=budget.period,
        start=start,
        end=end,
        cap_uses=cap_uses,
        cap_amount=cap_amount,
        warn_percent=warn,
        used_uses=used_uses,
        used_amount=used_amount,
        forecast_amount=forecast,
        forecast_uses=int(forecast_uses),
        days_elapsed=min(max((today - start).days + 1, 0), (end - start).days + 1),
        days=(end - start).days + 1,
    )


def budgets_this_period(*, category: str = "", today: date) -> list[BudgetUse]:
    """Every active budget (of the category and its benefits, if one is given) in its own
    current period: what its period row says was spent, and the run-rate forecast. Two
    queries (the budgets, their current period rows)."""
    budgets = Budget.objects.filter(active=True).select_related("benefit", "category")
    if category:
        budgets = budgets.filter(
            Q(category__path_code=category) | Q(benefit__code__startswith=f"{category}.")
        )
    current = BudgetPeriod.objects.filter(start__lte=today, end__gte=today)
    budgets = budgets.prefetch_related(Prefetch("periods", queryset=current, to_attr="current"))
    uses = [_budget_use(b, today) for b in budgets]
    return sorted(uses, key=lambda u: (not u.is_category, u.scope_code))


MONTHS_IN: dict[str, int] = {
    BudgetPeriodKind.MONTH: 1,
    BudgetPeriodKind.QUARTER: 3,
    BudgetPeriodKind.YEAR: 12,
}


def monthly_budget(budgets: Iterable[BudgetUse]) -> Decimal | None:
    """The yuan the budgets allow per month (a quarter's cap / 3, a year's / 12): the top
    categories' caps, and a benefit's own cap only where its category has none (a benefit's
    budget inside its category's would count twice). None without a cap in yuan."""
    budgets = [b for b in budgets if b.cap_amount is not None]
    capped = {b.scope_code for b in budgets if b.is_category}
    total, any_cap = ZERO, False
    for b in budgets:
        if not b.is_category and b.scope_code.split(".")[0] in capped:
            continue
        total += (b.cap_amount or ZERO) / MONTHS_IN.get(b.period, 1)
        any_cap = True
    return total.quantize(CENT) if any_cap else None


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def paid_margins(
    *, category: str = "", start: date, end: date, benefits: Iterable[Spend]
) -> list[Margin]:
    """Paid add-ons: what customers paid for them in the period (purchases by the day they
    were bought, one query) against the cost of their uses in the period."""
    purchases = Purchase.objects.filter(
        created_at__gte=_aware(start), created_at__lt=_aware(end + timedelta(days=1))
    )
    if category:
        purchases = purchases.filter(benefit__code__startswith=f"{category}.")
    rows = (
        purchases.values("benefit_id", "benefit__code", "benefit__name_en", "benefit__name_zh_hans")
        .annotate(revenue=Sum("total_price"), sold=Sum("quantity"))
        .order_by()
    )
    costs = {s.key: s for s in benefits}
    margins: dict[str, Margin] = {}
    for r in rows:
        code = r["benefit__code"]
        cost = costs[code].amount if code in costs else ZERO
        margins[code] = Margin(
            r["benefit_id"],
            code,
            r["benefit__name_en"] or "",
            r["benefit__name_zh_hans"] or "",
            r["sold"] or 0,
            r["revenue"] or ZERO,
            cost,
        )
    for s in benefits:  # a paid add-on used (and paid to its supplier) but not sold this period
        if s.paid and s.key not in margins:
            margins[s.key] = Margin(0, s.key, s.label_en, s.label_zh_hans, 0, ZERO, s.amount)
    return sorted(margins.values(), key=lambda m: (m.margin, m.code))


def cost_report(*, scope: CostScope, today: date | None = None) -> CostReport:
    """The cost page: 8 queries whatever the number of uses, benefits or suppliers."""
    today = today or timezone.localdate()
    start, end = scope.bounds()
    report = CostReport(scope=scope, start=start, end=end, today=today)
    report.months = spend_by_month(scope=scope, last=min(end, today))
    report.benefits = spend_by_benefit(scope=scope, start=start, end=end)
    tops = list(Category.objects.filter(parent__isnull=True).order_by("position", "path_code"))
    if scope.category:
        tops = [c for c in tops if c.path_code == scope.category]
    report.categories = spend_by_category(report.benefits, tops)
    report.tiers = spend_by_tier(scope=scope, start=start, end=end)
    report.suppliers = spend_by_supplier(scope=scope, start=start, end=end)
    report.budgets = budgets_this_period(category=scope.category, today=today)
    if scope.supplier_id is None:  # budgets are not per supplier: no line over one's spend
        report.monthly_budget = monthly_budget(report.budgets)
    report.margins = paid_margins(
        category=scope.category, start=start, end=end, benefits=report.benefits
    )
    return report


# -- the shelf matrix by cost --------------------------------------------------------------------


@dataclass(frozen=True)
class UseCosts:
    """Yuan of completed uses from the tiers' allowances since a moment, by tier and
    benefit, and by tier and top category (benefits since retired left out, as the matrix's
    usage leaves them out)."""

    by_benefit: dict[tuple[int, int], Decimal]
    by_category: dict[tuple[int, str], Decimal]


def use_costs_by_tier(*, since: datetime) -> UseCosts:
    """One GROUP BY over the uses, on their tier, category and unit-cost snapshots: the same
    uses the matrix counts its users from (completed, not bought)."""
    rows = (
        Redemption.objects.filter(
            created_at__gte=since, status=RedemptionStatus.COMPLETED, unit_cost__isnull=False
        )
        .exclude(source=Source.PURCHASE)
        .values("tier_snapshot", "benefit_id", "category_code", "benefit__status")
        .annotate(amount=Sum("unit_cost"))
        .order_by()
    )
    by_benefit: dict[tuple[int, int], Decimal] = {}
    by_category: dict[tuple[int, str], Decimal] = {}
    for r in rows:
        tier, amount = r["tier_snapshot"], r["amount"] or ZERO
        key = (tier, r["benefit_id"])
        by_benefit[key] = by_benefit.get(key, ZERO) + amount
        if r["benefit__status"] != BenefitStatus.RETIRED:
            top = (tier, r["category_code"])
            by_category[top] = by_category.get(top, ZERO) + amount
    return UseCosts(by_benefit=by_benefit, by_category=by_category)


def cost_per_user(amount: Decimal | None, users: int) -> Decimal | None:
    if not users:
        return None
    return ((amount or ZERO) / users).quantize(CENT)


def cost_band(per_user: Decimal | None) -> str:
    """The matrix's colour for a cost per user: none (nobody used it), low, mid, high, top."""
    if per_user is None:
        return "none"
    band = COST_BANDS[0][0]
    for name, floor in COST_BANDS:
        if per_user >= floor:
            band = name
    return band
