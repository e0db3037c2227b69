"""Pushes that convert: the customer used the pushed benefit within 30 days of the push.

A use counts towards one push at most: the latest push of that benefit to that customer
before it. Two pushes and one use are one conversion of two pushes, not two of two."""

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
    Q,
    Sum,
    When,
)

from benefits.text import chooser
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
    push, before any later push of it to them), grouped by agent, benefit or tier. One query:
    an EXISTS per push (a use with no later push before it), grouped in SQL."""
    fields = {
        "agent": ("pushed_by__username", "pushed_by__agent__name"),
        "benefit": ("benefit_code", "benefit__name_en"),
        "tier": ("customer__tier", "customer__tier"),
    }
    if by not in fields:
        raise ValueError(by)
    key_field, label_field = fields[by]
    window_end = ExpressionWrapper(
        OuterRef("created_at") + timedelta(days=CONVERSION_DAYS), output_field=DateTimeField()
    )
    # A later push of the same benefit to the same customer, at or before the use: the use
    # counts for that one instead (OuterRef: the use; OuterRef(OuterRef): the push).
    pushed_again = Push.objects.filter(
        customer_id=OuterRef(OuterRef("customer_id")),
        benefit_id=OuterRef(OuterRef("benefit_id")),
        created_at__lte=OuterRef("created_at"),
    ).filter(
        Q(created_at__gt=OuterRef(OuterRef("created_at")))
        | Q(created_at=OuterRef(OuterRef("created_at")), id__gt=OuterRef(OuterRef("id")))
    )
    used = Redemption.objects.filter(
        beneficiary_id=OuterRef("customer_id"),
        benefit_id=OuterRef("benefit_id"),
        status=RedemptionStatus.COMPLETED,
        created_at__gte=OuterRef("created_at"),
        created_at__lte=window_end,
    ).filter(~Exists(pushed_again))
    qs = Push.objects.all()
    if since is not None:
        qs = qs.filter(created_at__date__gte=since)
    rows = (
        qs.annotate(converted=Exists(used))
        .values(key_field, label_field, *(["benefit__name_zh_hans"] if by == "benefit" else []))
        .annotate(
            n=Count("id"),
            c=Sum(Case(When(converted=True, then=1), default=0, output_field=IntegerField())),
        )
        .order_by(key_field)
    )
    out = []
    choose = chooser()
    for r in rows:
        key = r[key_field]
        label = r[label_field]
        if by == "tier":
            label = str(Tier(key).label)
        elif by == "benefit":
            label = choose(label, r["benefit__name_zh_hans"])
        out.append(
            ConversionRow(
                key=str(key if key is not None else "-"),
                label=str(label or key or "-"),
                pushes=r["n"],
                converted=r["c"] or 0,
            )
        )
    return sorted(out, key=lambda row: (-row.rate, -row.pushes, row.key))
