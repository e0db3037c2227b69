"""The benefit centre shows held uses apart: `held` counts the uses still waiting for a
supplier, which `used` includes and `remaining` already leaves out, at no extra query."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.cache import cache

from bookshelf.fulfilment.services import Actor, fulfilment_transition, use_request
from bookshelf.ledger.selectors import bookshelf_for_customer
from bookshelf.ledger.services import purchase_create
from bookshelf.models import ActorKind, Source
from customers.models import Tier
from tests.factories import make_benefit, make_customer, make_family, make_supplier

pytestmark = pytest.mark.django_db

# one statement for family links, household policies, quota balances, active purchases
WARM_QUERIES = 1


def _entry(shelf, code, source=Source.TIER):
    return next(e for e in shelf.entries if e.code == code and e.source == source)


def test_held_uses_count_in_used_and_not_in_remaining():
    benefit = make_benefit(cells={Tier.GOLD: 3}, fulfilment_kind="booked")
    supplier = make_supplier("escort-co", benefits=[benefit])
    customer = make_customer(tier=Tier.GOLD)
    first = use_request(customer=customer, benefit_code=benefit.code)
    use_request(customer=customer, benefit_code=benefit.code)

    entry = _entry(bookshelf_for_customer(customer=customer), benefit.code)
    assert (entry.quota, entry.used, entry.held, entry.remaining) == (3, 2, 2, 1)

    actor = Actor(ActorKind.SUPPLIER, supplier=supplier)
    fulfilment_transition(fulfilment_id=first.fulfilment.pk, target="booked", actor=actor)
    fulfilment_transition(fulfilment_id=first.fulfilment.pk, target="fulfilled", actor=actor)
    entry = _entry(bookshelf_for_customer(customer=customer), benefit.code)
    assert (entry.used, entry.held, entry.remaining) == (2, 1, 1)


def test_an_instant_use_is_never_held():
    benefit = make_benefit(cells={Tier.GOLD: 3})
    customer = make_customer(tier=Tier.GOLD)
    use_request(customer=customer, benefit_code=benefit.code)
    entry = _entry(bookshelf_for_customer(customer=customer), benefit.code)
    assert (entry.used, entry.held, entry.remaining) == (1, 0, 2)


def test_a_purchase_whose_last_use_is_held_stays_listed_with_it():
    benefit = make_benefit(price=Decimal("80.00"), kind="paid", fulfilment_kind="issued")
    make_supplier("merchant", benefits=[benefit])
    customer = make_customer(tier=Tier.GOLD)
    purchase_create(
        customer=customer, benefit_code=benefit.code, quantity=1, payment_reference="PAY-H1"
    )
    use_request(customer=customer, benefit_code=benefit.code)
    entry = _entry(bookshelf_for_customer(customer=customer), benefit.code, Source.PURCHASE)
    assert (entry.quota, entry.used, entry.held, entry.remaining) == (1, 1, 1, 0)


def test_a_family_share_s_holds_show_on_the_holder_and_as_balance_held_on_the_relative():
    holder = make_customer(tier=Tier.DIAMOND)
    spouse = make_customer(tier=Tier.ORDINARY)
    make_family(holder, spouse, "spouse")
    benefit = make_benefit(
        cells={Tier.DIAMOND: 4}, shareable=True, family_quota=2, fulfilment_kind="booked"
    )
    make_supplier("escort-co", benefits=[benefit])
    use_request(customer=spouse, benefit_code=benefit.code)

    own = _entry(bookshelf_for_customer(customer=holder), benefit.code)
    assert (own.used, own.held, own.family_used) == (1, 1, 1)
    share = _entry(bookshelf_for_customer(customer=spouse), benefit.code, Source.FAMILY)
    # The balance does not say whose its hold is: the relative's entry says it may be theirs.
    assert (share.used, share.held, share.balance_held, share.remaining) == (1, 0, 1, 1)


def test_holds_add_no_query_to_the_centre(django_assert_num_queries):
    holder = make_customer(tier=Tier.DIAMOND)
    make_family(holder, make_customer(tier=Tier.GOLD))
    booked = make_benefit(cells={Tier.DIAMOND: 2}, fulfilment_kind="booked")
    issued = make_benefit(price=Decimal("20.00"), kind="paid", fulfilment_kind="issued")
    make_supplier("escort-co", benefits=[booked, issued])
    purchase_create(customer=holder, benefit_code=issued.code, quantity=2, payment_reference="P")
    use_request(customer=holder, benefit_code=booked.code)
    use_request(customer=holder, benefit_code=issued.code)
    cache.clear()
    bookshelf_for_customer(customer=holder)  # warm the per-tier cache
    with django_assert_num_queries(WARM_QUERIES):
        shelf = bookshelf_for_customer(customer=holder)
    assert _entry(shelf, booked.code).held == 1
    assert _entry(shelf, issued.code, Source.PURCHASE).held == 1
