"""The hot path: a customer's shelf is read in a fixed number of queries, whatever the number of
benefits on the shelf and of family members in the household."""

from decimal import Decimal

import pytest
from django.core.cache import cache

from bookshelf.ledger.selectors import bookshelf_for_customer
from bookshelf.ledger.services import purchase_create, redemption_create
from bookshelf.models import Source
from customers.models import Tier
from tests.factories import make_benefit, make_customer, make_family

pytestmark = pytest.mark.django_db

# one statement (config.db_batch) for family links, household policies, quota balances and
# active purchases; shelf cells (missing tiers, one query), purchasable benefits
COLD_QUERIES = 3
# the one statement: family links, household policies, quota balances, active purchases
WARM_QUERIES = 1

FAMILY_TIERS = [Tier.PROSPECT, Tier.GOLD, Tier.PLATINUM, Tier.DIAMOND]


def _build(n_benefits: int, n_family: int):
    holder = make_customer(tier=Tier.HIGH_NET_WORTH)
    relatives = [make_customer(tier=FAMILY_TIERS[i]) for i in range(n_family)]
    for relative in relatives:
        make_family(holder, relative)
    every_tier = dict.fromkeys(Tier, 3)
    benefits = [
        make_benefit(
            cells=every_tier,
            shareable=i % 2 == 0,
            family_quota=1 if i % 2 == 0 else 0,
            min_age=18 if i % 5 == 0 else None,
            price=Decimal("50") if i % 7 == 0 else None,
            category_code=("MED", "HLT", "TRV")[i % 3],
        )
        for i in range(n_benefits)
    ]
    # History: uses of the holder's own, family uses, and a purchase.
    for benefit in benefits[:4]:
        redemption_create(customer=holder, benefit_code=benefit.code)
    if relatives:
        redemption_create(
            customer=holder, benefit_code=benefits[0].code, beneficiary_no=relatives[0].customer_no
        )
    purchase_create(
        customer=holder, benefit_code=benefits[0].code, quantity=2, payment_reference="PAY-Q"
    )
    return holder, relatives, benefits


@pytest.mark.parametrize(("n_benefits", "n_family"), [(5, 0), (60, 0), (5, 4), (60, 4)])
def test_the_shelf_is_read_in_a_fixed_number_of_queries(
    n_benefits, n_family, django_assert_num_queries
):
    holder, relatives, benefits = _build(n_benefits, n_family)
    cache.clear()

    with django_assert_num_queries(COLD_QUERIES):
        shelf = bookshelf_for_customer(customer=holder)
    # The shelf is complete, so the count is not low because something was skipped.
    tier_entries = [e for e in shelf.entries if e.source == Source.TIER]
    assert len(tier_entries) == n_benefits
    assert len([e for e in shelf.entries if e.source == Source.PURCHASE]) == 1
    assert len(shelf.household.relatives) == n_family

    with django_assert_num_queries(WARM_QUERIES):
        again = bookshelf_for_customer(customer=holder)
    assert [(e.code, e.source, e.remaining) for e in again.entries] == [
        (e.code, e.source, e.remaining) for e in shelf.entries
    ]

    # A family member's shelf costs the same, with the holder's shared entries in it.
    for relative in relatives:
        with django_assert_num_queries(WARM_QUERIES):
            theirs = bookshelf_for_customer(customer=relative)
        family = [e for e in theirs.entries if e.source == Source.FAMILY]
        assert len(family) == len([b for b in benefits if b.shareable])
        assert {e.holder_no for e in family} == {holder.customer_no}
