"""The nightly tier job: the per-customer rules, applied to everyone in batches."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.models import Customer, PolicyStatus, Tier, TierChange, TierRule
from customers.services import (
    customer_tier_refresh,
    customer_tiers_recalculate,
    policy_create,
    policy_set_status,
    tier_override_create,
    tier_policy_get,
)
from tests.factories import make_customer

pytestmark = pytest.mark.django_db


def _tier(customer: Customer) -> int:
    customer.refresh_from_db()
    return customer.tier


def test_a_rule_change_upgrades_customers_at_once_with_a_reason():
    gold = make_customer(tier=Tier.GOLD)  # ¥25,000
    ordinary = make_customer(tier=Tier.ORDINARY)  # ¥5,000
    TierRule.objects.filter(tier=Tier.PLATINUM).update(min_annual_premium=Decimal("24000"))

    report = customer_tiers_recalculate(batch_size=1)

    assert _tier(gold) == Tier.PLATINUM
    assert _tier(ordinary) == Tier.ORDINARY
    change = TierChange.objects.get(customer=gold, to_tier=Tier.PLATINUM)
    assert change.from_tier == Tier.GOLD
    assert "24,000" in change.reason
    assert (report.customers, report.upgrades, report.batches) == (2, 1, 2)


def test_running_twice_records_nothing_new():
    gold = make_customer(tier=Tier.GOLD)
    TierRule.objects.filter(tier=Tier.PLATINUM).update(min_annual_premium=Decimal("24000"))
    customer_tiers_recalculate()
    again = customer_tiers_recalculate()
    assert (again.upgrades, again.downgrades, again.downgrades_pending) == (0, 0, 0)
    assert TierChange.objects.filter(customer=gold, to_tier=Tier.PLATINUM).count() == 1


def test_a_downgrade_waits_for_the_grace_period():
    grace = tier_policy_get().downgrade_grace_days
    customer = make_customer(tier=Tier.PLATINUM)  # ¥60,000
    policy = customer.policies.get()
    policy_set_status(policy=policy, status=PolicyStatus.LAPSED, refresh_tier=False)
    now = timezone.now()

    first = customer_tiers_recalculate(now=now)
    customer.refresh_from_db()
    assert customer.tier == Tier.PLATINUM
    assert customer.tier_downgrade_due == timezone.localdate(now) + timedelta(days=grace)
    assert first.downgrades_pending == 1

    customer_tiers_recalculate(now=now + timedelta(days=grace - 1))
    assert _tier(customer) == Tier.PLATINUM

    later = customer_tiers_recalculate(now=now + timedelta(days=grace))
    customer.refresh_from_db()
    assert customer.tier == Tier.PROSPECT
    assert customer.tier_downgrade_due is None
    assert later.downgrades == 1
    change = TierChange.objects.filter(customer=customer).first()
    assert change.from_tier == Tier.PLATINUM
    assert "grace" in change.reason


def test_a_customer_who_recovers_during_the_grace_period_keeps_the_tier():
    customer = make_customer(tier=Tier.GOLD)
    policy = customer.policies.get()
    policy_set_status(policy=policy, status=PolicyStatus.LAPSED, refresh_tier=False)
    customer_tiers_recalculate()
    customer.refresh_from_db()
    assert customer.tier_downgrade_due is not None
    policy_set_status(policy=policy, status=PolicyStatus.IN_FORCE, refresh_tier=False)
    customer_tiers_recalculate()
    customer.refresh_from_db()
    assert customer.tier == Tier.GOLD
    assert customer.tier_downgrade_due is None


def test_an_active_override_is_honoured_until_it_expires():
    customer = make_customer(tier=Tier.ORDINARY)
    now = timezone.now()
    override = tier_override_create(
        customer=customer,
        tier=Tier.DIAMOND,
        reason="Board member's family",
        expires_at=now + timedelta(days=30),
    )
    assert _tier(customer) == Tier.DIAMOND
    customer_tiers_recalculate(now=now + timedelta(days=29))
    customer.refresh_from_db()
    assert customer.tier == Tier.DIAMOND
    assert "Board member" in customer.tier_reason

    # After expiry the rules apply again, and a downgrade still waits for the grace period.
    grace = tier_policy_get().downgrade_grace_days
    after = override.expires_at + timedelta(minutes=1)
    customer_tiers_recalculate(now=after)
    assert _tier(customer) == Tier.DIAMOND
    customer_tiers_recalculate(now=after + timedelta(days=grace))
    assert _tier(customer) == Tier.ORDINARY


def test_the_bulk_job_and_the_single_refresh_agree():
    customers = [make_customer(tier=t) for t in (Tier.GOLD, Tier.PLATINUM, Tier.DIAMOND)]
    for i, customer in enumerate(customers):
        policy_create(
            customer=customer,
            policy_no=f"EXTRA{i}",
            product_line="annuity",
            annual_premium=Decimal(40000 * (i + 1)),
            start_date=timezone.localdate(),
            refresh_tier=False,
        )
    customers[0].policies.filter(policy_no__startswith="TP").update(status=PolicyStatus.LAPSED)
    now = timezone.now()
    expected = {}
    with pytest.raises(RuntimeError), transaction.atomic():
        for customer in customers:
            customer_tier_refresh(customer=customer, now=now)
        expected = {c.pk: (c.tier, c.tier_downgrade_due) for c in Customer.objects.all()}
        raise RuntimeError("roll back: compare with the bulk job on the same data")
    customer_tiers_recalculate(now=now)
    got = {c.pk: (c.tier, c.tier_downgrade_due) for c in Customer.objects.all()}
    assert got == expected


def test_queries_do_not_grow_with_the_number_of_customers():
    def lower_gold_and_count(threshold: str, expected_upgrades: int) -> int:
        TierRule.objects.filter(tier=Tier.GOLD).update(min_annual_premium=Decimal(threshold))
        with CaptureQueriesContext(connection) as ctx:
            report = customer_tiers_recalculate(batch_size=100)
        TierRule.objects.filter(tier=Tier.GOLD).update(min_annual_premium=Decimal("20000"))
        assert report.upgrades == expected_upgrades
        return len(ctx.captured_queries)

    for _ in range(3):
        make_customer(tier=Tier.ORDINARY)
    few = lower_gold_and_count("4000", 3)
    for _ in range(9):
        make_customer(tier=Tier.ORDINARY)
    many = lower_gold_and_count("4500", 9)
    assert few == many


def test_the_command_prints_a_report():
    make_customer(tier=Tier.GOLD)
    out = StringIO()
    call_command("recalculate_tiers", "--no-progress", stdout=out)
    assert "customers: 1" in out.getvalue()
