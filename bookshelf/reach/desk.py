"""The agent's desk: everything the agent sees on a customer's page, in a fixed number of
queries (the benefit centre, policies, tier and why, recent uses, purchases, pushes)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from benefits.models import Category
from customers.models import (
    Customer,
    Policy,
    PolicyStatus,
    TierChange,
    TierOverride,
)
from customers.selectors import tier_from_premium, tier_override_active, tier_rules_list

from ..ledger.models import Purchase, Redemption, Source
from ..ledger.selectors import Bookshelf, ShelfEntry, bookshelf_for_customer
from .models import Push


@dataclass
class CategoryGroup:
    """The benefits a customer holds in one top-level category of the shelf."""

    code: str
    name: str
    name_zh: str
    entries: list[ShelfEntry]


@dataclass
class CustomerDesk:
    """Everything the agent sees on a customer's page, loaded in a fixed number of queries."""

    customer: Customer
    shelf: Bookshelf
    policies: list[Policy]
    in_force_premium: Decimal
    override: TierOverride | None
    tier_changes: list[TierChange]
    redemptions: list[Redemption]
    purchases: list[Purchase]
    pushes: list[Push]
    top_categories: dict[str, Category]
    rules_reason: str = ""  # what the tier rules say now, in the reader's language

    @property
    def age(self) -> int:
        return self.customer.age_on(self.shelf.today)

    def _groups(self, source: str) -> list[CategoryGroup]:
        groups: dict[str, list[ShelfEntry]] = defaultdict(list)
        for entry in self.shelf.entries:
            if entry.source == source:
                groups[entry.category_code.split(".")[0]].append(entry)
        out = []
        for code in sorted(groups, key=lambda c: (self._position(c), c)):
            top = self.top_categories.get(code)
            out.append(
                CategoryGroup(
                    code=code,
                    name=top.name if top else code,
                    name_zh=top.name_zh if top else "",
                    entries=groups[code],
                )
            )
        return out

    def _position(self, code: str) -> int:
        top = self.top_categories.get(code)
        return top.position if top else 999

    @property
    def tier_groups(self) -> list[CategoryGroup]:
        """What the customer's own tier gives, by top-level category."""
        return self._groups(Source.TIER)

    @property
    def family_shares(self) -> list[ShelfEntry]:
        return [e for e in self.shelf.entries if e.source == Source.FAMILY]

    @property
    def purchased_entries(self) -> list[ShelfEntry]:
        return [e for e in self.shelf.entries if e.source == Source.PURCHASE]

    @property
    def usable_entries(self) -> list[ShelfEntry]:
        """One entry per benefit the customer can use now (has a use left), for the forms."""
        seen: set[str] = set()
        out = []
        for entry in self.shelf.entries:
            if entry.code in seen or (entry.remaining is not None and entry.remaining <= 0):
                continue
            seen.add(entry.code)
            out.append(entry)
        return sorted(out, key=lambda e: e.code)

    @property
    def shareable_codes(self) -> set[str]:
        """Benefits the customer's own tier lets family members use."""
        return {
            e.code
            for e in self.shelf.entries
            if e.source == Source.TIER and e.family_quota and (e.remaining or 0) != 0
        }


def customer_desk(*, customer: Customer, today: date | None = None) -> CustomerDesk:
    today = today or timezone.localdate()
    shelf = bookshelf_for_customer(customer=customer, today=today)
    policies = list(Policy.objects.filter(customer=customer).order_by("status", "-start_date"))
    in_force = [p for p in policies if p.status == PolicyStatus.IN_FORCE]
    premium = sum((p.annual_premium for p in in_force), Decimal("0"))
    decision = tier_from_premium(
        has_in_force=bool(in_force), premium=premium, rules=tier_rules_list()
    )
    return CustomerDesk(
        customer=customer,
        shelf=shelf,
        policies=policies,
        in_force_premium=premium,
        override=tier_override_active(customer=customer),
        tier_changes=list(TierChange.objects.filter(customer=customer)[:5]),
        redemptions=list(
            Redemption.objects.filter(Q(holder=customer) | Q(beneficiary=customer))
            .select_related("benefit", "holder", "beneficiary")
            .order_by("-created_at", "-id")[:15]
        ),
        purchases=list(
            Purchase.objects.filter(customer=customer)
            .select_related("benefit")
            .order_by("-created_at", "-id")[:10]
        ),
        pushes=list(
            Push.objects.filter(customer=customer)
            .select_related("benefit", "outbox", "pushed_by")
            .order_by("-created_at", "-id")[:10]
        ),
        top_categories={c.code: c for c in Category.objects.filter(parent__isnull=True)},
        rules_reason=decision.reason,
    )
