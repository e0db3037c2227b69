"""What each use costs, recorded as it happens (fulfilment calls these, in the use's own
transaction):

- `use_charge` when a use is requested: the unit cost in force today for the supplier that
  will deliver it goes on the use (its snapshot) and is charged to the budgets with the use;
  a use done at once (an instant benefit) is also a payable line at once.
- `use_settle` when a held use is delivered: it is priced again on the day it was fulfilled
  (the contract price of that day is what the supplier is paid; the budget takes the
  difference), settled in the ledger with that snapshot, and becomes a payable line.
- `use_give_back` when a held use fails, is cancelled or expires, and `use_cancel_done` when
  an instant use is cancelled afterwards: the budget periods it was charged to (its
  `BudgetCharge` rows) get the use and its amount back; a use
  that was already a payable line gets a reversal line (in the month it is cancelled, so an
  approved statement never changes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from ..ledger.models import Redemption, RedemptionStatus, Source
from ..ledger.services import hold_settle, redemption_cancel
from .budgets import (
    budget_charge,
    budget_release,
    budget_reprice,
    budgets_covering_statement,
    budgets_from_rows,
)
from .models import Budget, CostEntry, CostKind
from .prices import price_in_force, prices_from_rows, prices_statement


def month_of(at: datetime) -> date:
    local = timezone.localdate(at)
    return local.replace(day=1)


def _requested_on(redemption: Redemption) -> date:
    return timezone.localdate(redemption.created_at)


def _price(supplier_id: int | None, benefit_id: int, on: date) -> Decimal | None:
    if supplier_id is None:
        return None
    return price_in_force(supplier_id=supplier_id, benefit_id=benefit_id, on=on)


@dataclass(frozen=True)
class Charged:
    supplier_id: int | None
    unit_cost: Decimal | None


@dataclass(frozen=True)
class UsePricing:
    """What pricing and charging a new use reads, read ahead with the use's other reads in
    their one round trip: each supplier's price in force on the day, the budgets covering
    the benefit."""

    prices: dict[int, Decimal]
    covering: list[Budget]

    def unit_cost(self, supplier_id: int | None) -> Decimal | None:
        return None if supplier_id is None else self.prices.get(supplier_id)


def use_pricing_statements(benefit_code: str, on: date) -> list[tuple[str, list[Any]]]:
    """The reads of `UsePricing` for a use of the benefit requested on `on`."""
    return [prices_statement(benefit_code, on), budgets_covering_statement(benefit_code)]


def use_pricing_from_rows(rows: list[list[Any]]) -> UsePricing:
    """`UsePricing` from the rows of `use_pricing_statements`, in their order."""
    prices, covering = rows
    return UsePricing(prices_from_rows(prices), budgets_from_rows(covering))


def use_charge(
    *,
    redemption: Redemption,
    supplier_id: int | None,
    today: date,
    pricing: UsePricing | None = None,
) -> Charged:
    """Price a new use and charge its budgets; raises `budget_exhausted` (nothing is spent:
    the caller's transaction rolls back). A use the customer bought is never refused. With
    `pricing` read ahead (on `today`), no query prices it or finds its budgets, and a use
    written with this supplier and price already is not written again."""
    if pricing is None:
        unit_cost = _price(supplier_id, redemption.benefit_id, today)
    else:
        unit_cost = pricing.unit_cost(supplier_id)
    budget_charge(
        benefit=redemption.benefit,
        amount=unit_cost,
        on=_requested_on(redemption),
        enforce=redemption.source != Source.PURCHASE,
        redemption_id=redemption.pk,
        covering=None if pricing is None else pricing.covering,
    )
    written = (redemption.supplier_id, redemption.unit_cost) == (supplier_id, unit_cost)
    if supplier_id is not None and not written:
        Redemption.objects.filter(pk=redemption.pk, created_at=redemption.created_at).update(
            supplier_id=supplier_id, unit_cost=unit_cost
        )
        redemption.supplier_id, redemption.unit_cost = supplier_id, unit_cost
    if redemption.status == RedemptionStatus.COMPLETED and supplier_id is not None:
        _payable(redemption, reference="", at=redemption.created_at)
    return Charged(supplier_id, unit_cost)


def _payable(redemption: Redemption, *, reference: str, at: datetime) -> None:
    """The use as a line of its supplier's statement, once: the unique row per use
    (`cost_use_once`) makes a second one a no-op (`ON CONFLICT DO NOTHING`, one statement
    with no savepoint on the hot path of every delivered use)."""
    if redemption.supplier_id is None:
        return
    line = CostEntry(
        supplier_id=redemption.supplier_id,
        benefit_id=redemption.benefit_id,
        kind=CostKind.USE,
        redemption_id=redemption.pk,
        redemption_created_at=redemption.created_at,
        tier_snapshot=redemption.tier_snapshot,
        reference=(reference or str(redemption.pk))[:80],
        amount=redemption.unit_cost or Decimal("0.00"),
        priced_unit_cost=redemption.unit_cost,
        fulfilled_at=at,
        month=month_of(at),
    )
    CostEntry.objects.bulk_create([line], ignore_conflicts=True)


def use_settle(
    *, redemption: Redemption, supplier_id: int, reference: str = "", at: datetime | None = None
) -> bool:
    """A held use was delivered by `supplier_id`: price it on the day, settle it in the ledger
    with that snapshot and make it payable. False if it was not held any more."""
    at = at or timezone.now()
    unit_cost = _price(supplier_id, redemption.benefit_id, timezone.localdate(at))
    if not hold_settle(redemption=redemption, supplier_id=supplier_id, unit_cost=unit_cost):
        return False
    budget_reprice(redemption_id=redemption.pk, new=unit_cost)
    _payable(redemption, reference=reference, at=at)
    return True


def use_give_back(*, redemption: Redemption, by: Any = None, reason: str = "") -> Redemption:
    """A held use that will not happen (failed, cancelled, expired): the ledger gives its
    quota back, the budgets their use and amount."""
    redemption = redemption_cancel(redemption=redemption, by=by, reason=reason, release_hold=True)
    budget_release(redemption_id=redemption.pk)
    return redemption


def use_cancel_done(*, redemption: Redemption, by: Any = None, reason: str = "") -> Redemption:
    """An instant use cancelled after the fact (the ledger's rule decides who may): quota and
    budgets given back, and a reversal line if it was payable."""
    redemption = redemption_cancel(redemption=redemption, by=by, reason=reason)
    budget_release(redemption_id=redemption.pk)
    paid = CostEntry.objects.filter(redemption_id=redemption.pk, kind=CostKind.USE).first()
    if paid is not None:
        now = timezone.now()
        try:
            with transaction.atomic():
                CostEntry.objects.create(
                    supplier_id=paid.supplier_id,
                    benefit_id=paid.benefit_id,
                    kind=CostKind.REVERSAL,
                    redemption_id=paid.redemption_id,
                    redemption_created_at=paid.redemption_created_at,
                    tier_snapshot=paid.tier_snapshot,
                    reference=paid.reference,
                    amount=-paid.amount,
                    priced_unit_cost=paid.priced_unit_cost,
                    fulfilled_at=now,
                    month=month_of(now),
                )
        except IntegrityError:
            pass
    return redemption
