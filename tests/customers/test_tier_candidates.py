"""The nightly tier job finds the customers the rules might change in SQL (PostgreSQL). That
shortcut must never miss one: the reasons it rebuilds in SQL must be the very texts Python
writes, rounding included, or every customer would look changed (slow) or a changed one
would look unchanged (wrong)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from customers.models import Customer, Policy, PolicyStatus, Tier
from customers.selectors import tier_recalc_candidates, tier_rules_list
from customers.services import customer_tier_refresh, policy_create, tier_override_create
from tests.factories import make_customer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def candidates() -> list[int]:
    _last, _n, found = tier_recalc_candidates(
        after=0, size=10_000, rules=tier_rules_list(), now=timezone.now()
    )
    return found


# Halves round to even in Python's format: 1,234 / 1,236; thresholds, big sums, zero.
PREMIUMS = ["1234.50", "1235.50", "0.50", "19999.99", "20000", "650000.49", "123456789.50"]


def test_reasons_rebuilt_in_sql_match_pythons_to_the_yuan():
    made = []
    for i, amount in enumerate(PREMIUMS):
        customer = make_customer(tier=Tier.PROSPECT)
        policy_create(
            customer=customer,
            policy_no=f"CAND{i}",
            product_line="annuity",
            annual_premium=Decimal(amount),
            start_date=timezone.localdate(),
        )
        made.append(customer)
    make_customer(tier=Tier.PROSPECT)  # no policy at all
    assert candidates() == []


def test_a_changed_premium_a_pending_downgrade_and_an_override_are_candidates():
    still = make_customer(tier=Tier.GOLD)
    richer = make_customer(tier=Tier.ORDINARY)
    Policy.objects.filter(customer=richer).update(annual_premium=Decimal("5001"))
    lapsed = make_customer(tier=Tier.PLATINUM)
    Policy.objects.filter(customer=lapsed).update(status=PolicyStatus.LAPSED)
    pending = make_customer(tier=Tier.GOLD)
    Customer.objects.filter(pk=pending.pk).update(
        tier_downgrade_due=timezone.localdate() + timedelta(days=30)
    )
    special = make_customer(tier=Tier.ORDINARY)
    tier_override_create(
        customer=special,
        tier=Tier.DIAMOND,
        reason="Board member",
        expires_at=timezone.now() + timedelta(days=10),
    )
    found = candidates()
    assert still.pk not in found
    # A new premium changes the reason even when the tier stays: it must be rewritten.
    assert {richer.pk, lapsed.pk, pending.pk, special.pk} <= set(found)
    customer_tier_refresh(customer=richer)
    assert richer.pk not in candidates()
