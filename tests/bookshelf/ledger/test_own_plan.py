"""The own tier's plan (the cells a customer may draw on) is worked out once per tier list,
day and eligibility key and reused: customers alike in what eligibility reads of them share
it, customers unlike never do."""

from __future__ import annotations

import pytest
from django.utils import timezone

from bookshelf.ledger.centre import own_plan
from bookshelf.ledger.selectors import bookshelf_for_customer
from customers.models import ProductLine, Tier
from tests.factories import make_benefit, make_customer

pytestmark = pytest.mark.django_db


def _codes(customer) -> set[str]:
    return {e.code for e in bookshelf_for_customer(customer=customer).entries}


def test_customers_unlike_in_age_or_policies_get_their_own_cells():
    young = make_customer(tier=Tier.GOLD, age=30)
    old = make_customer(tier=Tier.GOLD, age=70)
    other_line = make_customer(tier=Tier.GOLD, age=30, product_line=ProductLine.ANNUITY)
    for_all = make_benefit(cells={Tier.GOLD: 2})
    under_60 = make_benefit(cells={Tier.GOLD: 2}, max_age=60)
    medical = make_benefit(cells={Tier.GOLD: 2}, requires_product_line=ProductLine.MEDICAL)
    # In turn, so a plan kept for one is there when the next is read.
    assert _codes(young) == {for_all.code, under_60.code, medical.code}
    assert _codes(old) == {for_all.code, medical.code}
    assert _codes(other_line) == {for_all.code, under_60.code}
    assert _codes(young) == {for_all.code, under_60.code, medical.code}


def test_customers_alike_share_one_plan():
    first = make_customer(tier=Tier.GOLD, age=40)
    second = make_customer(tier=Tier.GOLD, age=40)
    make_benefit(cells={Tier.GOLD: 2}, max_age=60)
    plans = []
    for customer in (first, second):
        shelf = bookshelf_for_customer(customer=customer)
        plans.append(own_plan(shelf.household, shelf.cells, timezone.localdate()))
    assert plans[0] is plans[1]
    assert [v.code for v in plans[0].views] == sorted(e.code for e in shelf.entries)
