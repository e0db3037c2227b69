"""Are the quota counters exact? Every counter must equal the uses recorded against it, and
none may exceed what the shelf grants. Aggregated in SQL, a few queries whatever the size;
the load test runs it after its run, and operators can run it any time."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from ..shelf.models import ShelfCell
from .models import Purchase, QuotaBalance, Redemption, RedemptionStatus, Source


@dataclass
class QuotaAudit:
    balances: int = 0
    redemptions: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        return not self.problems


def quota_audit(*, sample: int = 5) -> QuotaAudit:
    # A held use (waiting for its supplier) counts against the quota like a completed one.
    done = Redemption.objects.filter(status__in=[RedemptionStatus.COMPLETED, RedemptionStatus.HELD])
    allowance = done.filter(source__in=[Source.TIER, Source.FAMILY])

    def spent(**extra: object) -> Coalesce:
        per_balance = (
            allowance.filter(
                holder=OuterRef("holder"),
                benefit=OuterRef("benefit"),
                period_start=OuterRef("period_start"),
                **extra,
            )
            .order_by()
            .values("holder")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return Coalesce(Subquery(per_balance, output_field=IntegerField()), Value(0))

    cell = ShelfCell.objects.filter(tier=OuterRef("holder__tier"), benefit=OuterRef("benefit"))
    balances = QuotaBalance.objects.annotate(
        spent=spent(),
        family_spent=spent(source=Source.FAMILY),
        held_spent=spent(status=RedemptionStatus.HELD),
        quota=Subquery(cell.values("quota")[:1]),
        family_quota=Subquery(cell.values("family_quota")[:1]),
    )
    audit = QuotaAudit(balances=balances.count(), redemptions=allowance.count())
    checks = {
        "used differs from the uses recorded": ~Q(used=F("spent")),
        "family_used differs from the family uses recorded": ~Q(family_used=F("family_spent")),
        "held differs from the held uses recorded": ~Q(held=F("held_spent")),
        "used above the tier quota": Q(quota__isnull=False, used__gt=F("quota")),
        "family_used above the family quota": Q(family_used__gt=F("family_quota")),
    }
    for label, condition in checks.items():
        rows = list(
            balances.filter(condition).values("holder_id", "benefit_id", "period_start")[:sample]
        )
        if rows:
            audit.problems.append(f"{label}: {rows}")
    counted = QuotaBalance.objects.aggregate(total=Coalesce(Sum("used"), 0))["total"]
    if counted != audit.redemptions:
        audit.problems.append(
            f"{audit.redemptions} uses of allowances recorded, {counted} counted in balances"
        )
    wrong = _purchases_wrong(done, sample)
    if wrong:
        audit.problems.append(f"purchase counters wrong: {wrong}")
    return audit


def _purchases_wrong(done: Any, sample: int) -> list[Any]:
    """Purchases whose counters differ from their recorded (and held) uses."""

    def uses(rows: Any) -> Coalesce:
        per_purchase = (
            rows.filter(source=Source.PURCHASE, purchase=OuterRef("pk"))
            .order_by()
            .values("purchase")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return Coalesce(Subquery(per_purchase, output_field=IntegerField()), Value(0))

    purchases = Purchase.objects.annotate(
        spent=uses(done), held_spent=uses(done.filter(status=RedemptionStatus.HELD))
    )
    return list(
        purchases.filter(
            ~Q(uses_used=F("spent"))
            | ~Q(uses_held=F("held_spent"))
            | Q(uses_used__gt=F("uses_granted"))
        ).values("pk", "uses_used", "uses_held", "uses_granted", "spent")[:sample]
    )
