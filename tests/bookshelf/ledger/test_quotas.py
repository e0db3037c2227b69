"""Quotas per period: calendar year, calendar month, policy year and unlimited; cancellations
give a use back exactly once; a tier change mid-period reads the new tier's cell; purchases are
spent when the tier quota is gone; retired, draft and out-of-tier benefits are refused."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from benefits.services import benefit_put_under_review, benefit_retire
from bookshelf.ledger.selectors import bookshelf_for_customer
from bookshelf.ledger.services import purchase_create, redemption_cancel, redemption_create
from bookshelf.models import (
    QuotaBalance,
    QuotaPeriod,
    Redemption,
    RedemptionStatus,
    Source,
)
from bookshelf.shelf.selectors import period_bounds
from config.exceptions import Conflict, DomainError, NotAllowed
from customers.models import PolicyStatus, ProductLine, Tier
from customers.services import policy_create, policy_set_status
from tests.factories import make_benefit, make_customer

pytestmark = pytest.mark.django_db


def redeem(customer, benefit, **kwargs):
    return redemption_create(customer=customer, benefit_code=benefit.code, **kwargs)


def refused(customer, benefit, **kwargs):
    with pytest.raises((Conflict, NotAllowed)) as err:
        redeem(customer, benefit, **kwargs)
    return err.value


def tier_entry(customer, benefit, today=None):
    shelf = bookshelf_for_customer(customer=customer, today=today)
    found = [e for e in shelf.entries if e.benefit_id == benefit.pk and e.source == Source.TIER]
    return found[0] if found else None


# -- calendar year ----------------------------------------------------------------------------


def test_calendar_year_quota_runs_out_and_comes_back_next_year():
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 2})
    mar, dec, jan = date(2025, 3, 1), date(2025, 12, 31), date(2026, 1, 1)

    first = redeem(customer, benefit, today=mar)
    assert first.remaining == 1
    assert (first.redemption.period_start, first.redemption.period_end) == (
        date(2025, 1, 1),
        date(2025, 12, 31),
    )
    assert redeem(customer, benefit, today=dec).remaining == 0

    err = refused(customer, benefit, today=dec)
    assert isinstance(err, Conflict)
    assert (err.code, err.status) == ("quota_exhausted", 409)
    assert "No uses of this benefit are left" in err.message

    assert redeem(customer, benefit, today=jan).remaining == 1
    entry = tier_entry(customer, benefit, today=jan)
    assert (entry.quota, entry.used, entry.remaining) == (2, 1, 1)
    assert (entry.period_start, entry.period_end) == (date(2026, 1, 1), date(2026, 12, 31))
    last_year = tier_entry(customer, benefit, today=dec)
    assert (last_year.used, last_year.remaining) == (2, 0)


def test_the_redemption_keeps_a_snapshot_for_the_review():
    customer = make_customer(tier=Tier.PLATINUM)
    benefit = make_benefit(cells={Tier.PLATINUM: 3}, category_code="TRV")
    result = redeem(customer, benefit, channel="agent", idempotency_key="k-1")
    r = Redemption.objects.get(pk=result.redemption.pk)
    assert (r.holder, r.beneficiary, r.source, r.channel) == (customer, customer, "tier", "agent")
    assert (r.tier_snapshot, r.benefit_code, r.category_code) == (
        Tier.PLATINUM,
        benefit.code,
        "TRV",
    )
    assert (r.remaining_after, r.idempotency_key, r.status) == (2, "k-1", "completed")


def test_an_unknown_channel_is_refused():
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 2})
    with pytest.raises(DomainError) as err:
        redeem(customer, benefit, channel="fax")
    assert (err.value.code, err.value.field) == ("invalid", "channel")
    assert not Redemption.objects.exists()


# -- calendar month ---------------------------------------------------------------------------


def test_calendar_month_quota_rolls_over_on_the_first():
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 1}, period=QuotaPeriod.CALENDAR_MONTH)
    assert redeem(customer, benefit, today=date(2025, 2, 1)).remaining == 0
    assert refused(customer, benefit, today=date(2025, 2, 28)).code == "quota_exhausted"
    march = redeem(customer, benefit, today=date(2025, 3, 1))
    assert (march.redemption.period_start, march.redemption.period_end) == (
        date(2025, 3, 1),
        date(2025, 3, 31),
    )
    assert refused(customer, benefit, today=date(2025, 3, 31)).code == "quota_exhausted"
    entry = tier_entry(customer, benefit, today=date(2025, 4, 15))
    assert (entry.used, entry.remaining, entry.period_end) == (0, 1, date(2025, 4, 30))


# -- policy year ------------------------------------------------------------------------------


def test_policy_year_is_anchored_on_the_earliest_in_force_policy():
    customer = make_customer(tier=Tier.GOLD, policy_start=date(2021, 3, 10))
    # A later in-force policy and an earlier lapsed one do not move the anchor.
    policy_create(
        customer=customer,
        policy_no="LATER",
        product_line=ProductLine.ACCIDENT,
        annual_premium=Decimal("100"),
        start_date=date(2023, 8, 1),
        refresh_tier=False,
    )
    policy_create(
        customer=customer,
        policy_no="OLD-LAPSED",
        product_line=ProductLine.ACCIDENT,
        annual_premium=Decimal("100"),
        start_date=date(2019, 1, 1),
        status=PolicyStatus.LAPSED,
        refresh_tier=False,
    )
    benefit = make_benefit(cells={Tier.GOLD: 1}, period=QuotaPeriod.POLICY_YEAR)

    first = redeem(customer, benefit, today=date(2024, 12, 31))
    assert (first.redemption.period_start, first.redemption.period_end) == (
        date(2024, 3, 10),
        date(2025, 3, 9),
    )
    # New calendar year, same policy year.
    assert refused(customer, benefit, today=date(2025, 1, 2)).code == "quota_exhausted"
    assert refused(customer, benefit, today=date(2025, 3, 9)).code == "quota_exhausted"
    entry = tier_entry(customer, benefit, today=date(2025, 3, 9))
    assert (entry.used, entry.remaining, entry.period_start) == (1, 0, date(2024, 3, 10))

    # The anniversary opens a new policy year.
    entry = tier_entry(customer, benefit, today=date(2025, 3, 10))
    assert (entry.used, entry.remaining) == (0, 1)
    assert (entry.period_start, entry.period_end) == (date(2025, 3, 10), date(2026, 3, 9))
    second = redeem(customer, benefit, today=date(2025, 3, 10))
    assert second.redemption.period_start == date(2025, 3, 10)


def test_policy_year_anchor_moves_when_the_earliest_policy_lapses():
    customer = make_customer(tier=Tier.GOLD, policy_start=date(2021, 3, 10))
    second = policy_create(
        customer=customer,
        policy_no="SECOND",
        product_line=ProductLine.LONG_TERM_LIFE,
        annual_premium=Decimal("25000"),
        start_date=date(2022, 9, 1),
    )
    # Both tiers hold it, so the tier moves of this story don't matter here.
    benefit = make_benefit(cells={Tier.GOLD: 1, Tier.PLATINUM: 1}, period=QuotaPeriod.POLICY_YEAR)
    assert tier_entry(customer, benefit, today=date(2025, 1, 1)).period_start == date(2024, 3, 10)
    first_policy = customer.policies.exclude(pk=second.pk).get()
    policy_set_status(policy=first_policy, status=PolicyStatus.LAPSED)
    customer.refresh_from_db()
    assert tier_entry(customer, benefit, today=date(2025, 1, 1)).period_start == date(2024, 9, 1)


def test_policy_year_without_an_in_force_policy_falls_back_to_the_calendar_year():
    prospect = make_customer(tier=Tier.PROSPECT)
    benefit = make_benefit(cells={Tier.PROSPECT: 1}, period=QuotaPeriod.POLICY_YEAR)
    result = redeem(prospect, benefit, today=date(2025, 6, 1))
    assert (result.redemption.period_start, result.redemption.period_end) == (
        date(2025, 1, 1),
        date(2025, 12, 31),
    )


def test_a_policy_year_anchored_on_29_february():
    anchor = date(2020, 2, 29)
    assert period_bounds(QuotaPeriod.POLICY_YEAR, date(2025, 2, 27), anchor) == (
        date(2024, 2, 29),
        date(2025, 2, 27),
    )
    assert period_bounds(QuotaPeriod.POLICY_YEAR, date(2025, 2, 28), anchor) == (
        date(2025, 2, 28),
        date(2026, 2, 27),
    )


# -- unlimited --------------------------------------------------------------------------------


def test_unlimited_never_runs_out():
    customer = make_customer(tier=Tier.DIAMOND)
    benefit = make_benefit(cells={Tier.DIAMOND: None})
    for _ in range(7):
        assert redeem(customer, benefit).remaining is None
    entry = tier_entry(customer, benefit)
    assert (entry.quota, entry.used, entry.remaining, entry.period_end) == (None, 7, None, None)
    assert QuotaBalance.objects.get().used == 7


# -- cancellation -----------------------------------------------------------------------------


def test_cancel_gives_the_use_back_exactly_once():
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 2})
    first = redeem(customer, benefit).redemption
    redeem(customer, benefit)
    assert refused(customer, benefit).code == "quota_exhausted"

    cancelled = redemption_cancel(redemption=first)
    assert cancelled.status == RedemptionStatus.CANCELLED and cancelled.cancelled_at
    assert tier_entry(customer, benefit).remaining == 1

    with pytest.raises(Conflict) as err:
        redemption_cancel(redemption=first)
    assert err.value.code == "already_cancelled"
    entry = tier_entry(customer, benefit)
    assert (entry.used, entry.remaining) == (1, 1)

    assert redeem(customer, benefit).remaining == 0
    assert refused(customer, benefit).code == "quota_exhausted"
    assert QuotaBalance.objects.get().used == 2


def test_cancelling_a_use_of_last_period_gives_it_back_to_that_period():
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 1}, period=QuotaPeriod.CALENDAR_MONTH)
    january = redeem(customer, benefit, today=date(2025, 1, 20)).redemption
    redeem(customer, benefit, today=date(2025, 2, 3))
    redemption_cancel(redemption=january)
    balances = dict(QuotaBalance.objects.values_list("period_start", "used"))
    assert balances == {date(2025, 1, 1): 0, date(2025, 2, 1): 1}


def test_remaining_in_the_bookshelf_matches_the_redemptions():
    customer = make_customer(tier=Tier.PLATINUM)
    benefits = [make_benefit(cells={Tier.PLATINUM: q}) for q in (1, 3, 5)]
    made = [redeem(customer, b).redemption for b in benefits]
    redeem(customer, benefits[2])
    redemption_cancel(redemption=made[1])
    shelf = {e.benefit_id: e for e in bookshelf_for_customer(customer=customer).entries}
    for benefit, quota in zip(benefits, (1, 3, 5), strict=True):
        live = Redemption.objects.filter(
            holder=customer, benefit=benefit, status=RedemptionStatus.COMPLETED
        ).count()
        entry = shelf[benefit.pk]
        assert (entry.quota, entry.used, entry.remaining) == (quota, live, quota - live)
    assert [shelf[b.pk].used for b in benefits] == [1, 0, 2]


# -- tier changes -----------------------------------------------------------------------------


def test_a_tier_upgrade_mid_period_uses_the_new_tier_cell():
    customer = make_customer(tier=Tier.GOLD)  # ¥25,000
    benefit = make_benefit(cells={Tier.GOLD: 1, Tier.PLATINUM: 3})
    redeem(customer, benefit)
    assert refused(customer, benefit).code == "quota_exhausted"

    policy_create(
        customer=customer,
        policy_no="UPGRADE",
        product_line=ProductLine.ANNUITY,
        annual_premium=Decimal("35000"),
        start_date=date.today() - timedelta(days=10),
    )
    customer.refresh_from_db()
    assert customer.tier == Tier.PLATINUM
    entry = tier_entry(customer, benefit)
    assert (entry.quota, entry.used, entry.remaining) == (3, 1, 2)
    result = redeem(customer, benefit)
    assert result.remaining == 1
    assert result.redemption.tier_snapshot == Tier.PLATINUM
    assert Redemption.objects.filter(tier_snapshot=Tier.GOLD).count() == 1


def test_a_downgrade_mid_period_never_shows_negative_remaining():
    customer = make_customer(tier=Tier.PLATINUM)
    benefit = make_benefit(cells={Tier.GOLD: 1, Tier.PLATINUM: 3})
    redeem(customer, benefit)
    redeem(customer, benefit)
    customer.tier = Tier.GOLD  # as customer_tier_refresh does after the grace period
    customer.save(update_fields=["tier"])
    entry = tier_entry(customer, benefit)
    assert (entry.quota, entry.used, entry.remaining) == (1, 2, 0)
    assert refused(customer, benefit).code == "quota_exhausted"


def test_a_tier_without_the_benefit_is_refused():
    customer = make_customer(tier=Tier.ORDINARY)
    benefit = make_benefit(cells={Tier.GOLD: 1})
    err = refused(customer, benefit)
    assert isinstance(err, NotAllowed)
    assert (err.code, err.status, err.field) == ("not_in_tier", 403, "benefit")
    assert tier_entry(customer, benefit) is None


# -- purchases --------------------------------------------------------------------------------


def test_a_purchase_is_spent_once_the_tier_quota_is_gone():
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 1}, price=Decimal("199"))
    purchase = purchase_create(
        customer=customer, benefit_code=benefit.code, quantity=2, payment_reference="PAY-1"
    )
    assert (purchase.uses_granted, purchase.total_price) == (2, Decimal("398.00"))

    sources = [redeem(customer, benefit).redemption.source for _ in range(3)]
    assert sources == [Source.TIER, Source.PURCHASE, Source.PURCHASE]
    purchase.refresh_from_db()
    assert purchase.uses_used == 2
    assert refused(customer, benefit).code == "quota_exhausted"

    last = Redemption.objects.filter(source=Source.PURCHASE).first()
    redemption_cancel(redemption=last)
    purchase.refresh_from_db()
    assert purchase.uses_used == 1
    assert redeem(customer, benefit).redemption.purchase_id == purchase.pk


def test_a_customer_whose_tier_lacks_a_paid_add_on_can_buy_and_use_it():
    customer = make_customer(tier=Tier.ORDINARY)
    benefit = make_benefit(kind="paid", price=Decimal("980"), cells={Tier.DIAMOND: 1})
    shelf = bookshelf_for_customer(customer=customer)
    assert benefit.pk in {v.benefit_id for v in shelf.purchasable}
    assert refused(customer, benefit).code == "not_in_tier"

    purchase = purchase_create(
        customer=customer, benefit_code=benefit.code, quantity=1, payment_reference="PAY-2"
    )
    shelf = bookshelf_for_customer(customer=customer)
    (entry,) = [e for e in shelf.entries if e.benefit_id == benefit.pk]
    assert (entry.source, entry.remaining, entry.purchase_id) == ("purchase", 1, purchase.pk)
    result = redeem(customer, benefit)
    assert (result.redemption.source, result.remaining) == (Source.PURCHASE, 0)
    assert refused(customer, benefit).code == "not_in_tier"


def test_a_payment_reference_is_used_once():
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(price=Decimal("50"))
    purchase_create(customer=customer, benefit_code=benefit.code, quantity=1, payment_reference="P")
    with pytest.raises(Conflict) as err:
        purchase_create(
            customer=customer, benefit_code=benefit.code, quantity=1, payment_reference="P"
        )
    assert err.value.code == "duplicate_payment_reference"


# -- lifecycle --------------------------------------------------------------------------------


def test_a_retired_benefit_cannot_be_used_from_the_tier_shelf():
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 3})
    redeem(customer, benefit)
    benefit_retire(benefit=benefit, reason="Low usage")
    err = refused(customer, benefit)
    assert (err.code, err.status) == ("benefit_retired", 403)
    assert tier_entry(customer, benefit) is None


def test_a_purchased_grant_of_a_retired_benefit_stays_usable_until_it_expires():
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 1}, price=Decimal("300"), purchase_valid_days=30)
    today = date.today()
    purchase = purchase_create(
        customer=customer,
        benefit_code=benefit.code,
        quantity=3,
        payment_reference="PAY-R",
        today=today,
    )
    assert purchase.valid_until == today + timedelta(days=29)
    benefit_retire(benefit=benefit, reason="Partner contract ended")

    # The tier cell is closed, the grant is not.
    result = redeem(customer, benefit, today=today)
    assert (result.redemption.source, result.remaining) == (Source.PURCHASE, 2)
    shelf = bookshelf_for_customer(customer=customer, today=today)
    sources = [e.source for e in shelf.entries if e.benefit_id == benefit.pk]
    assert sources == [Source.PURCHASE]
    assert benefit.pk not in {v.benefit_id for v in shelf.purchasable}  # no longer for sale

    last_day = purchase.valid_until
    assert redeem(customer, benefit, today=last_day).redemption.source == Source.PURCHASE
    assert refused(customer, benefit, today=last_day + timedelta(days=1)).code == "benefit_retired"


def test_a_draft_benefit_is_not_available():
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 2}, status="draft")
    err = refused(customer, benefit)
    assert (err.code, err.status) == ("benefit_not_available", 403)
    assert tier_entry(customer, benefit) is None


def test_a_benefit_under_review_stays_usable():
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 2})
    benefit_put_under_review(benefit=benefit, reason="Low usage")
    assert redeem(customer, benefit).remaining == 1
    assert tier_entry(customer, benefit).remaining == 1
