"""Pushes that convert: the customer used the pushed benefit within 30 days of the push."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Sum,
    When,
)

from customers.models import Tier

from ..ledger.models import Redemption, RedemptionStatus
from .models import Push

CONVERSION_DAYS = 30


@dataclass(frozen=True)
class ConversionRow:
    key: str
    label: str
    pushes: int
    converted: int

    @property
    def rate(self) -> float:
        return self.converted / self.pushes if self.pushes else 0.0


def push_conversion(*, by: str, since: date | None = None) -> list[ConversionRow]:
    """Pushes and how many converted (the customer used that benefit within 30 days of the
    push), grouped by agent, benefit or tier. One query: an EXISTS per push, grouped in SQL."""
    fields = {
        "agent": ("pushed_by__username", "pushed_by__agent__name"),
        "benefit": ("benefit_code", "benefit__name"),
        "tier": ("customer__tier", "customer__tier"),
    }
    if by not in fields:
        raise ValueError(by)
    key_field, label_field = fields[by]
    window_end = ExpressionWrapper(
        OuterRef("created_at") + timedelta(days=CONVERSION_DAYS), output_field=DateTimeField()
    )
    used = Redemption.objects.filter(
        beneficiary_id=OuterRef("customer_id"),
        benefit_id=OuterRef("benefit_id"),
        status=RedemptionStatus.COMPLETED,
        created_at__gte=OuterRef("created_at"),
        created_at__lte=window_end,
    )
    qs = Push.objects.all()
    if since is not None:
        qs = qs.filter(created_at__date__gte=since)
    rows = (
        qs.annotate(converted=Exists(used))
        .values(key_field, label_field)
        .annotate(
            n=Count("id"),
            c=Sum(Case(When(converted=True, then=1), default=0, output_field=IntegerField())),
        )
        .order_by(key_field)
    )
    out = []
    for r in rows:
        key = r[key_field]
        label = r[label_field]
        if by == "tier":
            label = str(Tier(key).label)
        out.append(
            ConversionRow(
                key=str(key if key is not None else "-"),
                label=str(label or key or "-"),
                pushes=r["n"],
                converted=r["c"] or 0,
            )
        )
    return sorted(out, key=lambda row: (-row.rate, -row.pushes, row.key))
