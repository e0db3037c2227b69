"""The demo's money: a price for every delivered benefit, the demo's uses carry their costs
(the bulk history's and the live requests'), budgets near their warning level and used up,
statements (earlier months approved, last month's drafts priced on both sides of a mid-month
change). (Seeded once for the module, like test_demo_suppliers.py, and rolled back.)"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from bookshelf.devtools.demo_money import CHANGED_NAME, RANGES, demo_unit_cost
from bookshelf.models import (
    BenefitSupplier,
    Budget,
    BudgetPeriod,
    ContractPrice,
    CostEntry,
    CostKind,
    Redemption,
    RedemptionStatus,
    Statement,
    StatementStatus,
    WhenExhausted,
)
from bookshelf.money.selectors import budgets_exhausted, prices_in_force, statement_lines

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            out = StringIO()
            call_command(
                "seed_demo", customers=40, seed=3, no_progress=True, force=True, stdout=out
            )
            yield out.getvalue()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def test_every_delivered_benefit_has_a_price_in_force_today(seeded):
    in_force = prices_in_force(on=timezone.localdate())
    links = set(BenefitSupplier.objects.values_list("supplier_id", "benefit_id"))
    assert links and links <= set(in_force)
    assert all(cost > 0 for cost in in_force.values())
    assert "prices:" in seeded


def test_prices_are_in_their_benefits_range():
    low, high = RANGES["HLT.01"]
    for code in ("HLT.01.001", "HLT.01.002", "HLT.01.007"):
        assert low * Decimal("0.9") <= demo_unit_cost(code, "heyue-checkup", 1) <= high
    assert demo_unit_cost("HLT.02.001", "kangyi-doctors", 1) <= 60
    assert demo_unit_cost("GFT.01.003", "lepin-gifts", 1) == demo_unit_cost(
        "GFT.01.003", "lepin-gifts", 1
    )


def test_the_demos_uses_carry_their_supplier_cost_and_a_payable_line(seeded):
    done = Redemption.objects.filter(status=RedemptionStatus.COMPLETED)
    assert done.exists()
    assert not done.filter(supplier__isnull=True).exists()
    assert not done.filter(unit_cost__isnull=True).exists()
    paid = CostEntry.objects.filter(kind=CostKind.USE)
    assert paid.count() == done.count()
    assert paid.aggregate(t=Sum("amount"))["t"] == done.aggregate(t=Sum("unit_cost"))["t"]


def test_a_use_is_priced_on_the_day_around_the_mid_month_change(seeded):
    changed = ContractPrice.objects.filter(benefit__name_en=CHANGED_NAME).order_by("valid_from")
    old, new = list(changed)[-2:]
    assert new.valid_from.day == 15 and new.unit_cost != old.unit_cost
    uses = Redemption.objects.filter(benefit_id=new.benefit_id, supplier_id=new.supplier_id)
    for use in uses:
        day = timezone.localdate(use.created_at)
        assert use.unit_cost == (new.unit_cost if day >= new.valid_from else old.unit_cost)


def test_earlier_months_are_approved_and_last_months_are_drafts_with_their_lines(seeded):
    approved = Statement.objects.filter(status=StatementStatus.APPROVED)
    assert approved.exists()
    for statement in approved[:20]:
        lines = CostEntry.objects.filter(statement=statement)
        assert statement.total == lines.aggregate(t=Sum("amount"))["t"]
        assert statement.uses == lines.count()
    today = timezone.localdate()
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    drafts = Statement.objects.filter(status=StatementStatus.DRAFT, month=last_month)
    assert drafts.exists()
    for draft in drafts:
        assert statement_lines(draft).exists()
        # Only its own month: the earlier months are paid.
        assert set(statement_lines(draft).values_list("month", flat=True)) == {last_month}


def test_budgets_one_near_its_warning_one_used_up_hidden_one_used_up_marked(seeded):
    today = timezone.localdate()
    periods = {
        p.budget_id: p for p in BudgetPeriod.objects.filter(start__lte=today, end__gte=today)
    }
    budgets = list(Budget.objects.filter(benefit__isnull=False).order_by("pk"))
    assert len(budgets) == 3
    near, hidden, marked = budgets
    p = periods[near.pk]
    assert 0 < p.used_uses < p.cap_uses and p.warned_at is None
    assert p.used_uses * 100 >= p.cap_uses * 50
    exhausted = budgets_exhausted(benefit_ids=[b.benefit_id for b in budgets], on=today)
    assert near.benefit_id not in exhausted
    assert hidden.when_exhausted == WhenExhausted.HIDE and exhausted[hidden.benefit_id].hide
    assert marked.when_exhausted == WhenExhausted.MARK
    assert not exhausted[marked.benefit_id].hide
    assert periods[marked.pk].used_amount == periods[marked.pk].cap_amount
    category = Budget.objects.get(category__isnull=False)
    assert periods[category.pk].used_amount < category.cap_amount
