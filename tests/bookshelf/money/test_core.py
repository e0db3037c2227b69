"""The core of money: a use is priced and charged to its budgets, settled at the price of the
day it was fulfilled, and given back; a price is never rewritten in the past."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from bookshelf.fulfilment.services import (
    Actor,
    Change,
    fulfilment_transition,
    use_cancel,
    use_request,
)
from bookshelf.models import (
    ActorKind,
    Budget,
    BudgetPeriod,
    ContractPrice,
    CostEntry,
    CostKind,
    FulfilmentState,
    Redemption,
    RedemptionStatus,
)
from bookshelf.money.services import price_set
from config.exceptions import DomainError
from customers.models import Tier
from tests.factories import make_benefit, make_customer, make_supplier

pytestmark = pytest.mark.django_db


def _price(supplier, benefit, cost, valid_from):
    return ContractPrice.objects.create(
        supplier=supplier, benefit=benefit, unit_cost=Decimal(cost), valid_from=valid_from
    )


def _priced_instant_use():
    """An instant use of a benefit whose supplier charges 35.50, with that supplier."""
    benefit = make_benefit(cells={Tier.GOLD: 5}, name="Consult")
    supplier = make_supplier("docs", benefits=[benefit])
    _price(supplier, benefit, "35.50", date(2020, 1, 1))
    result = use_request(customer=make_customer(tier=Tier.GOLD), benefit_code=benefit.code)
    return Redemption.objects.get(pk=result.redemption.pk), supplier


def test_an_instant_use_records_its_supplier_cost_and_a_payable_line():
    use, supplier = _priced_instant_use()
    assert (use.supplier_id, use.unit_cost) == (supplier.pk, Decimal("35.50"))
    line = CostEntry.objects.get(redemption_id=use.pk)
    assert (line.kind, line.amount, line.reference) == (CostKind.USE, Decimal("35.50"), str(use.pk))


def test_a_payable_line_is_one_statement_without_a_savepoint_and_written_once():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bookshelf.money.costs import _payable

    use, _supplier = _priced_instant_use()
    with CaptureQueriesContext(connection) as again:
        _payable(use, reference="again", at=use.created_at)  # a second delivery report
    statements = [q["sql"] for q in again.captured_queries]
    assert len(statements) == 1, statements
    assert "ON CONFLICT DO NOTHING" in statements[0] or "OR IGNORE" in statements[0]
    lines = CostEntry.objects.filter(redemption_id=use.pk)
    assert [(line.kind, line.reference) for line in lines] == [(CostKind.USE, str(use.pk))]


def test_a_budget_of_two_uses_refuses_the_third_and_spends_nothing():
    benefit = make_benefit(cells={Tier.GOLD: 5}, name="Consult")
    make_supplier("docs", benefits=[benefit])
    Budget.objects.create(benefit=benefit, cap_uses=2)
    customers = [make_customer(tier=Tier.GOLD) for _ in range(3)]
    for c in customers[:2]:
        use_request(customer=c, benefit_code=benefit.code)
    with pytest.raises(DomainError) as refused:
        use_request(customer=customers[2], benefit_code=benefit.code)
    assert refused.value.code == "budget_exhausted"
    assert not Redemption.objects.filter(holder=customers[2]).exists()
    period = BudgetPeriod.objects.get()
    assert period.used_uses == 2 and period.warned_at is not None


def test_a_booked_use_is_priced_on_the_day_it_is_fulfilled_and_given_back_when_cancelled():
    benefit = make_benefit(cells={Tier.GOLD: 5}, fulfilment_kind="booked", name="Escort")
    supplier = make_supplier("escort", benefits=[benefit])
    today = timezone.localdate()
    _price(supplier, benefit, "100.00", today - timedelta(days=30))
    Budget.objects.create(benefit=benefit, cap_amount=Decimal("1000.00"))
    customer = make_customer(tier=Tier.GOLD)
    held = use_request(customer=customer, benefit_code=benefit.code)
    assert BudgetPeriod.objects.get().used_amount == Decimal("100.00")
    _price(supplier, benefit, "120.00", today)  # a new price from today
    by_supplier = Actor(ActorKind.SUPPLIER, supplier=supplier)
    fulfilment_transition(
        fulfilment_id=held.fulfilment.pk,
        target=FulfilmentState.BOOKED,
        actor=by_supplier,
        change=Change(appointment_at=timezone.now() + timedelta(days=2), place="Ward 3"),
    )
    fulfilment_transition(
        fulfilment_id=held.fulfilment.pk,
        target=FulfilmentState.FULFILLED,
        actor=by_supplier,
        change=Change(reference="ESC-1"),
    )
    use = Redemption.objects.get(pk=held.redemption.pk)
    assert (use.status, use.unit_cost) == (RedemptionStatus.COMPLETED, Decimal("120.00"))
    assert CostEntry.objects.get(redemption_id=use.pk).reference == "ESC-1"
    assert BudgetPeriod.objects.get().used_amount == Decimal("120.00")
    other = use_request(customer=customer, benefit_code=benefit.code)
    assert BudgetPeriod.objects.get().used_amount == Decimal("240.00")
    use_cancel(redemption=other.redemption)
    period = BudgetPeriod.objects.get()
    assert (period.used_uses, period.used_amount) == (1, Decimal("120.00"))


def test_a_price_in_force_is_never_rewritten():
    benefit = make_benefit(cells={Tier.GOLD: 5}, name="Consult")
    supplier = make_supplier("docs", benefits=[benefit])
    today = date(2026, 5, 1)
    with pytest.raises(DomainError) as past:
        price_set(
            supplier_id=supplier.pk,
            benefit_id=benefit.pk,
            unit_cost="10",
            valid_from=today - timedelta(days=1),
            today=today,
        )
    assert past.value.code == "price_in_the_past"
    price = price_set(
        supplier_id=supplier.pk,
        benefit_id=benefit.pk,
        unit_cost="10.5",
        valid_from=today,
        today=today,
    )
    assert price.unit_cost == Decimal("10.50")
    with pytest.raises(DomainError) as bad:
        price_set(
            supplier_id=supplier.pk,
            benefit_id=benefit.pk,
            unit_cost="1.005",
            valid_from=today,
            today=today,
        )
    assert bad.value.code == "invalid"


def test_a_use_gives_back_exactly_what_it_took_whatever_budgets_exist_by_then():
    """A budget created after a use never receives that use's give-back (it was never
    charged), and a use charged before is given back to the period it was charged to."""
    benefit = make_benefit(cells={Tier.GOLD: 5}, name="Consult")
    supplier = make_supplier("docs", benefits=[benefit])
    _price(supplier, benefit, "300.00", date(2020, 1, 1))
    customer = make_customer(tier=Tier.GOLD)
    early = use_request(customer=customer, benefit_code=benefit.code)  # no budget yet
    Budget.objects.create(benefit=benefit, cap_amount=Decimal("1000.00"))
    charged = use_request(customer=customer, benefit_code=benefit.code)
    period = BudgetPeriod.objects.get()
    assert (period.used_uses, period.used_amount) == (1, Decimal("300.00"))
    use_cancel(redemption=early.redemption)
    period.refresh_from_db()
    assert (period.used_uses, period.used_amount) == (1, Decimal("300.00"))
    use_cancel(redemption=charged.redemption)
    period.refresh_from_db()
    assert (period.used_uses, period.used_amount) == (0, Decimal("0.00"))
