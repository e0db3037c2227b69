"""How the shelf is used, for product staff: the shelf matrix (tiers x top categories, each
benefit coloured by its usage rate) and a benefit's uses per month and tier."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, DateField
from django.db.models.functions import TruncMonth
from django.utils import timezone

from benefits.models import BenefitStatus, Category
from customers.models import (
    Customer,
    Tier,
)

from ..ledger.models import Redemption, RedemptionStatus, Source
from ..money.selectors import cost_band, cost_per_user, use_costs_by_tier
from ..shelf.models import ShelfCell


def tier_counts() -> dict[int, int]:
    rows = Customer.objects.values("tier").annotate(n=Count("id")).order_by()
    counts = {t.value: 0 for t in Tier}
    counts.update({r["tier"]: r["n"] for r in rows})
    return counts


USAGE_WINDOW_DAYS = 90
ZERO = Decimal("0.00")
HEAT_BANDS = ("low", "mid", "good", "high")


def heat_band(rate: float | None) -> str:
    """A usage band the page colours: low usage is what the shelf review looks at."""
    if rate is None:
        return "none"
    if rate < 0.05:
        return "low"
    if rate < 0.20:
        return "mid"
    if rate < 0.50:
        return "good"
    return "high"


def rate_percent(rate: float | None) -> str:
    return "–" if rate is None else f"{rate * 100:.0f}%"


@dataclass(frozen=True)
class MatrixBenefit:
    """One benefit in one cell of the shelf matrix, with its usage rate in that tier."""

    benefit_id: int
    code: str
    name_en: str
    name_zh_hans: str
    status: str
    period: str
    quota: int | None
    family_quota: int
    users: int
    rate: float | None  # distinct users / customers of the tier; None if the tier is empty
    cost: Decimal | None = None  # yuan of its uses in the window (the matrix by cost only)

    @property
    def heat(self) -> str:
        return heat_band(self.rate)

    @property
    def cost_per_user(self) -> Decimal | None:
        return cost_per_user(self.cost, self.users)

    @property
    def cost_band(self) -> str:
        return cost_band(self.cost_per_user)

    @property
    def percent(self) -> str:
        return rate_percent(self.rate)


@dataclass(frozen=True)
class MatrixColumn:
    code: str
    name_en: str
    name_zh_hans: str


@dataclass
class MatrixCell:
    """One tier's benefits in one top category, and how many of the tier's customers used
    any of them (the compact matrix shows this; the detailed one every benefit)."""

    category: str
    benefits: list[MatrixBenefit] = field(default_factory=list)
    users: int = 0  # distinct customers of the tier who used a benefit of the category
    customers: int = 0
    cost: Decimal | None = None  # yuan of those uses (the matrix by cost only)

    @property
    def cost_per_user(self) -> Decimal | None:
        return cost_per_user(self.cost, self.users)

    @property
    def cost_band(self) -> str:
        return cost_band(self.cost_per_user) if self.benefits else "none"

    @property
    def rate(self) -> float | None:
        return self.users / self.customers if self.customers else None

    @property
    def heat(self) -> str:
        return heat_band(self.rate) if self.benefits else "none"

    @property
    def percent(self) -> str:
        return rate_percent(self.rate)

    @property
    def bands(self) -> list[tuple[str, int]]:
        """How many of the cell's benefits fall in each usage band, lowest first (empty
        bands left out): the strip under the cell's count."""
        counts = {band: 0 for band in HEAT_BANDS}
        for b in self.benefits:
            if b.heat in counts:
                counts[b.heat] += 1
        return [(band, n) for band, n in counts.items() if n]

    @property
    def low_count(self) -> int:
        return sum(1 for b in self.benefits if b.heat == "low")


@dataclass
class MatrixRow:
    tier: int
    customers: int
    cells: list[MatrixCell]

    @property
    def label(self) -> str:
        return str(Tier(self.tier).label)

    @property
    def benefit_count(self) -> int:
        return sum(len(cell.benefits) for cell in self.cells)


@dataclass
class ShelfMatrix:
    columns: list[MatrixColumn]
    rows: list[MatrixRow]
    since: date
    days: int


def shelf_usage_by_tier(*, since: Any) -> dict[tuple[int, int], int]:
    """Distinct customers who used each benefit from each tier's allowance since a moment:
    one GROUP BY over the redemption table (its tier snapshot needs no join)."""
    rows = (
        Redemption.objects.filter(created_at__gte=since, status=RedemptionStatus.COMPLETED)
        .exclude(source=Source.PURCHASE)
        .values("tier_snapshot", "benefit_id")
        .annotate(users=Count("holder_id", distinct=True))
        .order_by()
    )
    return {(r["tier_snapshot"], r["benefit_id"]): r["users"] for r in rows}


def shelf_reach_by_tier(*, since: Any) -> dict[tuple[int, str], int]:
    """Distinct customers who used any benefit of each top category from each tier's
    allowance since a moment (benefits since retired left out): one GROUP BY over the
    redemption table, on its tier and category snapshots."""
    rows = (
        Redemption.objects.filter(created_at__gte=since, status=RedemptionStatus.COMPLETED)
        .exclude(source=Source.PURCHASE)
        .exclude(benefit__status=BenefitStatus.RETIRED)
        .values("tier_snapshot", "category_code")
        .annotate(users=Count("holder_id", distinct=True))
        .order_by()
    )
    return {(r["tier_snapshot"], r["category_code"]): r["users"] for r in rows}


def shelf_matrix(
    *, days: int = USAGE_WINDOW_DAYS, today: date | None = None, colour: str = "usage"
) -> ShelfMatrix:
    """Tiers as rows, top categories as columns, each cell its benefits with quota and usage
    and the share of the tier's customers who used any of them.

    Five queries whatever the size of the shelf: top categories, shelf cells, usage per
    benefit and per category (one GROUP BY each) and customers per tier (one GROUP BY).
    Retired benefits are off the shelf. `colour="cost"` adds the yuan of the same uses (one
    more GROUP BY), for the cost per user of each benefit and cell.
    """
    today = today or timezone.localdate()
    since_day = today - timedelta(days=days)
    since = timezone.make_aware(datetime.combine(since_day, time.min))
    tops = list(Category.objects.filter(parent__isnull=True).order_by("position", "path_code"))
    columns = [
        MatrixColumn(code=c.path_code, name_en=c.name_en or "", name_zh_hans=c.name_zh_hans or "")
        for c in tops
    ]
    index = {c.code: i for i, c in enumerate(columns)}
    usage = shelf_usage_by_tier(since=since)
    reach = shelf_reach_by_tier(since=since)
    counts = tier_counts()
    costs = use_costs_by_tier(since=since) if colour == "cost" else None
    rows = {
        t.value: MatrixRow(tier=t.value, customers=counts.get(t.value, 0), cells=[]) for t in Tier
    }
    for row in rows.values():
        row.cells = [
            MatrixCell(
                category=c.code,
                users=reach.get((row.tier, c.code), 0),
                customers=row.customers,
                cost=costs.by_category.get((row.tier, c.code), ZERO) if costs else None,
            )
            for c in columns
        ]
    cells = (
        ShelfCell.objects.select_related("benefit")
        .exclude(benefit__status=BenefitStatus.RETIRED)
        .order_by("tier", "benefit__code")
    )
    for cell in cells:
        benefit = cell.benefit
        col = index.get(benefit.code.split(".")[0])
        if col is None:
            continue
        row = rows[cell.tier]
        users = usage.get((cell.tier, benefit.pk), 0)
        row.cells[col].benefits.append(
            MatrixBenefit(
                benefit_id=benefit.pk,
                code=benefit.code,
                name_en=benefit.name_en or "",
                name_zh_hans=benefit.name_zh_hans or "",
                status=benefit.status,
                period=cell.period,
                quota=cell.quota,
                family_quota=cell.family_quota,
                users=users,
                rate=(users / row.customers) if row.customers else None,
                cost=costs.by_benefit.get((cell.tier, benefit.pk), ZERO) if costs else None,
            )
        )
    ordered = [rows[t.value] for t in sorted(Tier, reverse=True)]
    return ShelfMatrix(columns=columns, rows=ordered, since=since_day, days=days)


@dataclass
class UsageByMonth:
    """Uses of one benefit per month and per tier (the holder's tier at the time)."""

    months: list[date]
    tiers: list[int]
    counts: dict[tuple[date, int], int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def month_total(self, month: date) -> int:
        return sum(n for (m, _t), n in self.counts.items() if m == month)

    def tier_total(self, tier: int) -> int:
        return sum(n for (_m, t), n in self.counts.items() if t == tier)


def _month_start(day: date, back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def benefit_usage_by_month(
    *, benefit_id: int, months: int = 12, today: date | None = None
) -> UsageByMonth:
    """Completed uses per month and tier over the last `months` months: one GROUP BY."""
    today = today or timezone.localdate()
    first = _month_start(today, months - 1)
    since = timezone.make_aware(datetime.combine(first, time.min))
    rows = (
        Redemption.objects.filter(
            benefit_id=benefit_id, status=RedemptionStatus.COMPLETED, created_at__gte=since
        )
        .annotate(month=TruncMonth("created_at", output_field=DateField()))
        .values("month", "tier_snapshot")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts: dict[tuple[date, int], int] = {}
    for r in rows:
        month = r["month"]
        if isinstance(month, datetime):
            month = month.date()
        counts[(month, r["tier_snapshot"])] = counts.get((month, r["tier_snapshot"]), 0) + r["n"]
    return UsageByMonth(
        months=[_month_start(today, back) for back in range(months - 1, -1, -1)],
        tiers=[t.value for t in Tier],
        counts=counts,
    )
