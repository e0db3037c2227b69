"""The quota audit the load test relies on: silent on exact counters, loud on any drift."""

from __future__ import annotations

import pytest
from django.db.models import F

from bookshelf.ledger.selectors import quota_audit
from bookshelf.ledger.services import purchase_create, redemption_cancel, redemption_create
from bookshelf.models import QuotaBalance, Redemption, RedemptionStatus
from customers.models import Tier
from tests.factories import make_benefit, make_customer, make_family

pytestmark = pytest.mark.django_db


@pytest.fixture
def history():
    holder = make_customer(tier=Tier.DIAMOND)
    spouse = make_customer(tier=Tier.ORDINARY)
    make_family(holder, spouse)
    escort = make_benefit(cells={Tier.DIAMOND: 3}, shareable=True, family_quota=1)
    gym = make_benefit(kind="paid", price=10)
    redemption_create(customer=holder, benefit_code=escort.code)
    redemption_create(customer=spouse, benefit_code=escort.code)  # the family allowance
    cancelled = redemption_create(customer=holder, benefit_code=escort.code).redemption
    redemption_cancel(redemption=cancelled)
    purchase_create(customer=holder, benefit_code=gym.code, quantity=2, payment_reference="P1")
    redemption_create(customer=holder, benefit_code=gym.code)
    return holder


def test_exact_counters_pass(history):
    audit = quota_audit()
    assert audit.exact, audit.problems
    assert audit.balances == 1
    assert audit.redemptions == 2


def test_a_counter_that_drifted_is_reported(history):
    QuotaBalance.objects.update(used=F("used") + 1)
    audit = quota_audit()
    assert not audit.exact
    assert any("used differs" in p for p in audit.problems)


def test_a_use_without_its_counter_is_reported(history):
    Redemption.objects.filter(status=RedemptionStatus.CANCELLED).update(
        status=RedemptionStatus.COMPLETED
    )
    assert not quota_audit().exact


def test_a_counter_above_the_quota_is_reported(history):
    QuotaBalance.objects.update(used=7)
    problems = quota_audit().problems
    assert any("above the tier quota" in p for p in problems)


def test_a_purchase_counter_that_drifted_is_reported(history):
    from bookshelf.models import Purchase

    Purchase.objects.update(uses_used=0)
    assert any("purchase" in p for p in quota_audit().problems)
