from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from customers.models import PolicyStatus, Tier, TierChange, TierRule
from customers.services import (
    customer_tier_refresh,
    policy_create,
    policy_set_status,
    tier_override_create,
    tier_policy_get,
)
from tests.factories import make_customer

pytestmark = pytest.mark.django_db


def test_tiers_are_ordered_and_comparable():
    assert Tier.PROSPECT < Tier.ORDINARY < Tier.GOLD < Tier.PLATINUM < Tier.DIAMOND
    assert Tier.DIAMOND < Tier.HIGH_NET_WORTH
    assert Tier.PLATINUM >= Tier.GOLD  # "at least gold"
    assert Tier.by_slug("hnw") == Tier.HIGH_NET_WORTH


def test_no_in_force_policy_is_a_prospect():
    customer = make_customer(tier=Tier.PROSPECT)
    assert customer.tier == Tier.PROSPECT


@pytest.mark.parametrize(
    ("premium", "tier"),
    [
        ("1000", Tier.ORDINARY),
        ("19999.99", Tier.ORDINARY),
        ("20000", Tier.GOLD),
        ("50000", Tier.PLATINUM),
        ("100000", Tier.DIAMOND),
        ("599999", Tier.DIAMOND),
        ("600000", Tier.HIGH_NET_WORTH),
    ],
)
def test_premium_thresholds_pick_the_tier(premium, tier):
    customer = make_customer(tier=Tier.PROSPECT)
    policy_create(
        customer=customer,
        policy_no=f"X{premium}",
        product_line="medical",
        annual_premium=Decimal(premium),
        start_date=timezone.localdate(),
    )
    customer.refresh_from_db()
    assert customer.tier == tier
    assert customer.tier_reason


def test_premiums_of_in_force_policies_add_up_and_lapsed_ones_do_not():
    customer = make_customer(tier=Tier.ORDINARY)  # ¥5,000 in force
    lapsed = policy_create(
        customer=customer,
        policy_no="L1",
        product_line="accident",
        annual_premium=Decimal("90000"),
        start_date=timezone.localdate(),
        status=PolicyStatus.LAPSED,
    )
    customer.refresh_from_db()
    assert customer.tier == Tier.ORDINARY
    policy_set_status(policy=lapsed, status=PolicyStatus.IN_FORCE)
    customer.refresh_from_db()
    # 5,000 + 90,000 = 95,000: platinum (50,000) but not diamond (100,000).
    assert customer.tier == Tier.PLATINUM
    assert "95,000" in customer.tier_reason


def test_editable_rules_change_the_outcome():
    customer = make_customer(tier=Tier.GOLD)  # ¥25,000
    rule = TierRule.objects.get(tier=Tier.GOLD)
    rule.min_annual_premium = Decimal("30000")
    rule.full_clean()
    rule.save()
    tier_policy = tier_policy_get()
    tier_policy.downgrade_grace_days = 0
    tier_policy.save()
    customer_tier_refresh(customer=customer)
    customer.refresh_from_db()
    assert customer.tier == Tier.ORDINARY


def test_overlapping_thresholds_are_rejected():
    rule = TierRule(tier=Tier.PLATINUM, min_annual_premium=Decimal("10000"))
    TierRule.objects.filter(tier=Tier.PLATINUM).delete()
    with pytest.raises(ValidationError) as err:
        rule.full_clean()
    assert "overlap" in str(err.value)
    higher = TierRule.objects.get(tier=Tier.DIAMOND)
    higher.min_annual_premium = Decimal("20000")  # equal to gold's
    with pytest.raises(ValidationError):
        higher.full_clean()


def test_negative_threshold_is_rejected():
    rule = TierRule.objects.get(tier=Tier.GOLD)
    rule.min_annual_premium = Decimal("-1")
    with pytest.raises(ValidationError):
        rule.full_clean()


def test_upgrade_is_immediate_and_recorded():
    customer = make_customer(tier=Tier.ORDINARY)
    policy_create(
        customer=customer,
        policy_no="UP1",
        product_line="annuity",
        annual_premium=Decimal("70000"),
        start_date=timezone.localdate(),
    )
    customer.refresh_from_db()
    assert customer.tier == Tier.PLATINUM
    change = TierChange.objects.filter(customer=customer).first()
    assert change.from_tier == Tier.ORDINARY and change.to_tier == Tier.PLATINUM
    assert change.reason


def test_downgrade_waits_for_the_grace_period():
    customer = make_customer(tier=Tier.GOLD)
    policy = customer.policies.get()
    policy_set_status(policy=policy, status=PolicyStatus.LAPSED)
    customer.refresh_from_db()
    assert customer.tier == Tier.GOLD
    grace = tier_policy_get().downgrade_grace_days
    assert customer.tier_downgrade_due == timezone.localdate() + timedelta(days=grace)
    later = timezone.now() + timedelta(days=grace + 1)
    change = customer_tier_refresh(customer=customer, now=later)
    customer.refresh_from_db()
    assert customer.tier == Tier.PROSPECT
    assert change is not None and "grace" in change.reason


def test_recovering_before_the_grace_period_ends_cancels_the_downgrade():
    customer = make_customer(tier=Tier.GOLD)
    policy = customer.policies.get()
    policy_set_status(policy=policy, status=PolicyStatus.LAPSED)
    policy_set_status(policy=policy, status=PolicyStatus.IN_FORCE)
    customer.refresh_from_db()
    assert customer.tier == Tier.GOLD
    assert customer.tier_downgrade_due is None


def test_manual_override_wins_until_it_expires():
    customer = make_customer(tier=Tier.ORDINARY)
    expires = timezone.now() + timedelta(days=30)
    tier_override_create(
        customer=customer, tier=Tier.DIAMOND, reason="Board member's family", expires_at=expires
    )
    customer.refresh_from_db()
    assert customer.tier == Tier.DIAMOND
    assert "override" in customer.tier_reason
    customer_tier_refresh(customer=customer, now=expires + timedelta(days=1))
    customer.refresh_from_db()
    # Past the override the rules apply again; a downgrade still waits for the grace period.
    assert customer.tier_downgrade_due is not None


def test_override_needs_a_reason_and_a_future_expiry():
    customer = make_customer(tier=Tier.ORDINARY)
    with pytest.raises(ValidationError):
        tier_override_create(
            customer=customer,
            tier=Tier.GOLD,
            reason=" ",
            expires_at=timezone.now() + timedelta(days=1),
        )
    with pytest.raises(ValidationError):
        tier_override_create(
            customer=customer,
            tier=Tier.GOLD,
            reason="ok",
            expires_at=timezone.now() - timedelta(days=1),
        )
