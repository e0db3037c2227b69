"""The demo's money: contract prices for every supplier and benefit it delivers, the history's
uses priced with them, budgets, and the suppliers' statements.

- **Prices** (`price_set`, as product staff set them): one per supplier×benefit from the
  first day of the history, in a realistic range for what the benefit is (an online
  consultation 30–60 yuan, an escort or booking help 300–800, a check-up 500–2,000, a gift
  50–200, a rescue 200–600...), a second supplier a little dearer or cheaper. The most used
  consultation changes price on the 15th of last month (its statement is priced on both
  sides of the day), and one price is scheduled from the 1st of next month.
- **The history** (written in bulk, past the services) is priced like fulfilment prices a
  use: its first supplier and the price in force on the day of the use, then a payable line
  per use. The months before last are on approved statements (paid before); last month's
  statements are drafts (`statement_draft`), ready to be reconciled.
- **Budgets** for this month, their counters from the history's uses: one benefit near its
  warning level, one used up and hidden from the benefit centre, one used up and marked, and
  a quarterly yuan budget for the Gifts category. They are set before the demo's live
  requests, which are charged to them through the services.

Reproducible: everything follows from the demo's benefits, suppliers and day.
"""

from __future__ import annotations

import math
import zlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum
from django.utils import timezone

from benefits.models import Benefit, Category, FulfilmentKind

from ..fulfilment.models import BenefitSupplier
from ..ledger.models import Redemption, RedemptionStatus
from ..money.budgets import budget_period_bounds, budget_period_open
from ..money.costs import month_of
from ..money.models import (
    ZERO,
    Budget,
    BudgetPeriod,
    BudgetPeriodKind,
    ContractPrice,
    CostEntry,
    CostKind,
    Statement,
    StatementStatus,
    WhenExhausted,
)
from ..money.services import price_set, statement_draft

# What a use costs, in yuan, by the start of its code (the longest prefix that matches).
RANGES: dict[str, tuple[int, int]] = {
    "HLT.01": (500, 2000),  # health check-ups
    "HLT.02": (30, 60), "HLT.03": (30, 60), "HLT.05": (30, 60),  # online doctors
    "HLT.04": (150, 450),  # dental and eye care
    "MED": (300, 800),  # escorts, booking help, second opinions
    "MED.05": (400, 1200),  # medical assistance abroad
    "GFT": (50, 200),
    "GFT.04": (20, 80),  # e-coupons
    "TRV.01": (80, 300), "TRV.02": (100, 400), "TRV.03": (200, 600),  # airport, concierge, rescue
    "TRV.04": (150, 500), "TRV.05": (100, 400),
    "LIF": (80, 400), "SPT": (50, 250), "WLT": (200, 1500),
    "ELD": (150, 600), "ELD.03": (300, 900),
}  # fmt: skip
DEFAULT_RANGE = (60, 300)
CHANGED_NAME = "Online private-doctor consultation"  # its price changes mid-month
CHANGE_DAY = 15
# Notes are data, written as the insurer's product staff write them (in Chinese); the base
# prices need none.
NOTE = ""


def _range(code: str) -> tuple[int, int]:
    parts = code.split(".")
    for n in (2, 1):
        found = RANGES.get(".".join(parts[:n]))
        if found:
            return found
    return DEFAULT_RANGE


def demo_unit_cost(benefit_code: str, supplier_code: str, priority: int) -> Decimal:
    """A price in the benefit's range, the same for a code in every demo; whole yuan, or
    a half for the cheap ones."""
    low, high = _range(benefit_code)
    spread = zlib.crc32(f"{benefit_code}/{supplier_code}".encode()) % 1000 / 999
    value = low + (high - low) * spread * (0.9 if priority == 1 else 1.0)
    step = Decimal("0.5") if high <= 100 else Decimal("10") if high >= 1000 else Decimal("1")
    return (Decimal(str(value)) / step).quantize(Decimal("1")) * step


@dataclass
class MoneyReport:
    prices: int = 0
    priced_uses: int = 0
    budgets: int = 0
    statements: int = 0


class MoneyBuilder:
    def __init__(self, *, today: date, history_days: int) -> None:
        self.today = today
        self.start = (today - timedelta(days=history_days + 1)).replace(day=1)
        self.this_month = today.replace(day=1)
        self.last_month = (self.this_month - timedelta(days=1)).replace(day=1)
        self.report = MoneyReport()

    def run(self) -> MoneyReport:
        links = list(
            BenefitSupplier.objects.select_related("benefit", "supplier").order_by(
                "benefit__code", "priority"
            )
        )
        self.build_prices(links)
        self.price_history(links)
        self.build_statements()
        self.build_budgets()
        return self.report

    # -- prices -----------------------------------------------------------------------------
    def build_prices(self, links: list[BenefitSupplier]) -> None:
        for link in links:
            price_set(
                supplier_id=link.supplier_id,
                benefit_id=link.benefit_id,
                unit_cost=demo_unit_cost(link.benefit.code, link.supplier.code, link.priority),
                valid_from=self.start,
                note=NOTE,
                today=self.start,
            )
        changed = next((k for k in links if k.benefit.name_en == CHANGED_NAME), None)
        if changed is not None:
            day = self.last_month.replace(day=CHANGE_DAY)
            old = demo_unit_cost(changed.benefit.code, changed.supplier.code, changed.priority)
            price_set(
                supplier_id=changed.supplier_id,
                benefit_id=changed.benefit_id,
                unit_cost=old + Decimal("6.00"),
                valid_from=day,
                note="演示：月中起执行医生新费率",
                today=day,
            )
        scheduled = next((k for k in links if k.benefit.code.startswith("HLT.01")), None)
        if scheduled is not None:
            first_next = (self.this_month + timedelta(days=32)).replace(day=1)
            old = demo_unit_cost(scheduled.benefit.code, scheduled.supplier.code, 1)
            price_set(
                supplier_id=scheduled.supplier_id,
                benefit_id=scheduled.benefit_id,
                unit_cost=old + Decimal("80"),
                valid_from=first_next,
                note="演示：下月起执行体检新费率",
                today=self.today,
            )
        self.report.prices = ContractPrice.objects.count()

    # -- the history ------------------------------------------------------------------------
    def price_history(self, links: list[BenefitSupplier]) -> None:
        """The bulk history's uses get their first supplier and the price of their day
        (one UPDATE per price period of a benefit), then a payable line each."""
        first: dict[int, int] = {}
        for link in links:
            first.setdefault(link.benefit_id, link.supplier_id)
        steps: dict[tuple[int, int], list[tuple[date, Decimal]]] = defaultdict(list)
        for s, b, day, cost in ContractPrice.objects.order_by("valid_from").values_list(
            "supplier_id", "benefit_id", "valid_from", "unit_cost"
        ):
            steps[(s, b)].append((day, cost))
        tz = timezone.get_current_timezone()
        for benefit_id, supplier_id in first.items():
            prices = steps.get((supplier_id, benefit_id), [])
            for k, (day, cost) in enumerate(prices):
                rows = Redemption.objects.filter(benefit_id=benefit_id, supplier_id__isnull=True)
                rows = rows.filter(created_at__gte=_midnight(day, tz))
                if k + 1 < len(prices):
                    rows = rows.filter(created_at__lt=_midnight(prices[k + 1][0], tz))
                rows.update(supplier_id=supplier_id, unit_cost=cost)
        used = Redemption.objects.filter(
            status=RedemptionStatus.COMPLETED, supplier_id__isnull=False
        ).exclude(
            pk__in=CostEntry.objects.filter(redemption_id__isnull=False).values("redemption_id")
        )
        lines = [
            CostEntry(
                supplier_id=s,
                benefit_id=b,
                kind=CostKind.USE,
                redemption_id=pk,
                redemption_created_at=at,
                tier_snapshot=tier,
                reference=str(pk),
                amount=cost or ZERO,
                priced_unit_cost=cost,
                fulfilled_at=at,
                month=month_of(at),
            )
            for pk, at, s, b, cost, tier in used.values_list(
                "pk", "created_at", "supplier_id", "benefit_id", "unit_cost", "tier_snapshot"
            ).iterator()
        ]
        CostEntry.objects.bulk_create(lines, batch_size=2000)
        self.report.priced_uses = len(lines)

    # -- statements -------------------------------------------------------------------------
    def build_statements(self) -> None:
        """Months before last: approved (paid before the demo's day), their lines stamped.
        Last month: a draft per supplier, to reconcile."""
        months = (
            CostEntry.objects.filter(month__lt=self.last_month, statement__isnull=True)
            .values("supplier_id", "month")
            .annotate(uses=Count("pk"), total=Sum("amount"))
            .order_by("month", "supplier_id")
        )
        approved = Statement.objects.bulk_create(
            Statement(
                supplier_id=m["supplier_id"],
                month=m["month"],
                status=StatementStatus.APPROVED,
                uses=m["uses"],
                total=m["total"] or ZERO,
                approved_at=timezone.now(),
            )
            for m in months
        )
        for statement in Statement.objects.filter(status=StatementStatus.APPROVED):
            CostEntry.objects.filter(
                supplier_id=statement.supplier_id, month=statement.month, statement__isnull=True
            ).update(statement=statement)
        suppliers = (
            CostEntry.objects.filter(month=self.last_month)
            .order_by("supplier_id")  # not the model's ordering: one row per supplier
            .values_list("supplier_id", flat=True)
            .distinct()
        )
        drafts = [statement_draft(supplier_id=s, month=self.last_month) for s in suppliers]
        self.report.statements = len(approved) + len(drafts)

    # -- budgets ----------------------------------------------------------------------------
    def _period_use(self, kind: str) -> list[tuple[Benefit, int, Decimal]]:
        """Instant benefits by their uses in the period, most used first (the demo's live
        requests are booked or issued, so no scenario meets a used-up budget)."""
        start, end = budget_period_bounds(kind, self.today)
        rows = (
            Redemption.objects.filter(
                created_at__date__gte=start,
                created_at__date__lte=end,
                benefit__fulfilment_kind=FulfilmentKind.INSTANT,
            )
            .exclude(status=RedemptionStatus.CANCELLED)
            .values("benefit_id")
            .annotate(n=Count("pk"), amount=Sum("unit_cost"))
            .order_by("-n", "benefit_id")
        )
        found = [r for r in rows[:3] if r["n"] >= 2]
        benefits = Benefit.objects.in_bulk([r["benefit_id"] for r in found])
        return [(benefits[r["benefit_id"]], r["n"], r["amount"] or ZERO) for r in found]

    def build_budgets(self) -> None:
        # This month's budgets; early in a month (or a small demo), the quarter's or year's,
        # so three benefits have uses to count.
        kind, ranked = BudgetPeriodKind.MONTH, []
        for kind in (BudgetPeriodKind.MONTH, BudgetPeriodKind.QUARTER, BudgetPeriodKind.YEAR):
            ranked = self._period_use(kind)
            if len(ranked) == 3:
                break
        made: list[tuple[Budget, int, Decimal]] = []
        if ranked:  # near its warning level (80%): about three quarters spent
            benefit, n, amount = ranked[0]
            cap = max(n + 1, math.ceil(n / 0.75))
            made.append((Budget(benefit=benefit, period=kind, cap_uses=cap), n, amount))
        if len(ranked) > 1:  # used up, hidden from the benefit centre
            benefit, n, amount = ranked[1]
            hide = WhenExhausted.HIDE
            made.append(
                (Budget(benefit=benefit, period=kind, cap_uses=n, when_exhausted=hide), n, amount)
            )
        if len(ranked) > 2:  # used up in yuan, marked as unavailable
            benefit, n, amount = ranked[2]
            made.append((Budget(benefit=benefit, period=kind, cap_amount=amount), n, amount))
        gifts = Category.objects.filter(parent__isnull=True, code="GFT").first()
        if gifts is not None:
            budget = Budget(category=gifts, period=BudgetPeriodKind.QUARTER)
            n, amount = self._category_use(gifts, budget)
            budget.cap_amount = max(Decimal("1000.00"), (amount * 2).quantize(Decimal("100")))
            made.append((budget, n, amount))
        now = timezone.now()
        for budget, n, amount in made:
            budget.full_clean()
            budget.save()
            period = budget_period_open(budget, self.today)
            full = (period.cap_uses is not None and n >= period.cap_uses) or (
                period.cap_amount is not None and amount >= period.cap_amount
            )
            warn = (period.cap_uses and n * 100 >= period.cap_uses * period.warn_percent) or (
                period.cap_amount and amount * 100 >= period.cap_amount * period.warn_percent
            )
            BudgetPeriod.objects.filter(pk=period.pk).update(
                used_uses=n,
                used_amount=amount,
                warned_at=now if warn else None,
                exhausted_at=now if full else None,
            )
        self.report.budgets = len(made)

    def _category_use(self, category: Category, budget: Budget) -> tuple[int, Decimal]:
        start, end = budget_period_bounds(budget.period, self.today)
        row = (
            Redemption.objects.filter(
                benefit__code__startswith=f"{category.code}.",
                created_at__date__gte=start,
                created_at__date__lte=end,
            )
            .exclude(status=RedemptionStatus.CANCELLED)
            .aggregate(n=Count("pk"), amount=Sum("unit_cost"))
        )
        return row["n"] or 0, row["amount"] or ZERO


def _midnight(day: date, tz: Any) -> Any:
    return timezone.make_aware(datetime.combine(day, time(0, 0)), tz)
