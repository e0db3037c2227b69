"""One allowance computation for the read and the write: what the benefit centre shows left
is what a use then leaves, from every source (own tier, purchase, family share)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bookshelf.ledger.selectors import Allowance, bookshelf_for_customer
from bookshelf.ledger.services import purchase_create, redemption_create
from bookshelf.models import Source
from customers.models import Tier
from tests.factories import make_benefit, make_customer, make_family

PERIOD = (date(2026, 1, 1), date(2026, 12, 31))


def allowance(source: str = Source.TIER, **kwargs) -> Allowance:
    base = {"holder_id": 1, "holder_no": "C1", "period_start": PERIOD[0], "period_end": PERIOD[1]}
    return Allowance(source=source, **{**base, **kwargs})


def test_an_own_allowance_leaves_quota_minus_used_never_below_zero():
    assert allowance(quota=4, used=1).remaining == 3
    assert allowance(quota=4, used=4).remaining == 0
    assert allowance(quota=2, used=3).remaining == 0  # a lowered quota: nothing left
    assert allowance(quota=None, used=7).remaining is None  # unlimited


def test_a_family_share_leaves_the_smaller_of_its_share_and_the_holder_s_allowance():
    share = allowance(Source.FAMILY, quota=2, used=0, holder_quota=4, holder_used=3)
    assert share.remaining == 1  # the holder's allowance binds
    share = allowance(Source.FAMILY, quota=2, used=1, holder_quota=4, holder_used=1)
    assert share.remaining == 1  # the family share binds
    share = allowance(Source.FAMILY, quota=2, used=1, holder_quota=None)
    assert share.remaining == 1  # an unlimited cell still caps what family take


def test_the_balance_condition_is_the_same_limit_as_remaining():
    assert allowance(quota=4, used=0).balance_condition() == {"used__lt": 4}
    assert allowance(quota=None, used=0).balance_condition() == {}
    share = allowance(Source.FAMILY, quota=2, used=0, holder_quota=4)
    assert share.balance_condition() == {"family_used__lt": 2, "used__lt": 4}
    unlimited_cell = allowance(Source.FAMILY, quota=2, used=0, holder_quota=None)
    assert unlimited_cell.balance_condition() == {"family_used__lt": 2}


def test_with_balance_reads_a_balance_row_from_the_source_s_side():
    own = allowance(quota=4, used=0).with_balance(used=3, family_used=1)
    assert (own.used, own.remaining) == (3, 1)
    share = allowance(Source.FAMILY, quota=2, used=0, holder_quota=4)
    share = share.with_balance(used=3, family_used=1)
    assert (share.used, share.holder_used, share.remaining) == (1, 3, 1)


def _shown(customer, benefit, source):
    shelf = bookshelf_for_customer(customer=customer)
    return next(e.remaining for e in shelf.entries if e.code == benefit.code and e.source == source)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("cells", "family_quota", "shareable", "relative_uses"),
    [
        ({Tier.GOLD: 3}, 0, False, False),  # own tier, limited
        ({Tier.GOLD: None}, 0, False, False),  # own tier, unlimited
        ({Tier.GOLD: 3}, 2, True, True),  # a relative's limited share
        ({Tier.GOLD: None}, 2, True, True),  # a relative's share of an unlimited cell
        ({Tier.GOLD: 2}, 2, True, True),  # the holder's quota binds the share
    ],
)
def test_what_a_use_leaves_is_what_the_benefit_centre_then_shows(
    cells, family_quota, shareable, relative_uses
):
    holder = make_customer(tier=Tier.GOLD, age=45)
    relative = make_customer(tier=Tier.ORDINARY, age=40)
    make_family(holder, relative, "spouse")
    benefit = make_benefit(cells=cells, family_quota=family_quota, shareable=shareable)
    user, source = (relative, Source.FAMILY) if relative_uses else (holder, Source.TIER)
    before = _shown(user, benefit, source)
    result = redemption_create(customer=user, benefit_code=benefit.code)
    assert result.redemption.source == source
    assert result.remaining == _shown(user, benefit, source)
    assert result.remaining == (None if before is None else before - 1)
    assert result.redemption.remaining_after == result.remaining


@pytest.mark.django_db
def test_a_purchase_leaves_what_the_benefit_centre_then_shows():
    customer = make_customer(tier=Tier.ORDINARY)
    benefit = make_benefit(price=Decimal("99.00"))
    purchase_create(
        customer=customer, benefit_code=benefit.code, quantity=2, payment_reference="P1"
    )
    assert _shown(customer, benefit, Source.PURCHASE) == 2
    result = redemption_create(customer=customer, benefit_code=benefit.code)
    assert result.redemption.source == Source.PURCHASE
    assert result.remaining == _shown(customer, benefit, Source.PURCHASE) == 1
