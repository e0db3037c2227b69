"""Family sharing: a shareable benefit's family allowance, used by the holder for a relative or
by the relative themselves; never exceeded, counted against the holder's quota, shown on the
relative's shelf with the holder's number."""

import pytest

from bookshelf.ledger.selectors import bookshelf_for_customer
from bookshelf.ledger.services import redemption_cancel, redemption_create
from bookshelf.models import QuotaBalance, Redemption, Source
from config.exceptions import Conflict, NotAllowed
from customers.models import Tier
from tests.factories import make_benefit, make_customer, make_family

pytestmark = pytest.mark.django_db


def redeem(customer, benefit, **kwargs):
    return redemption_create(customer=customer, benefit_code=benefit.code, **kwargs)


def refusal(customer, benefit, **kwargs):
    with pytest.raises((Conflict, NotAllowed)) as err:
        redeem(customer, benefit, **kwargs)
    return err.value


def balance(holder, benefit):
    return QuotaBalance.objects.values_list("used", "family_used").get(
        holder=holder, benefit=benefit
    )


@pytest.fixture
def household():
    holder = make_customer(tier=Tier.HIGH_NET_WORTH, age=45)
    spouse = make_customer(tier=Tier.ORDINARY, age=43)
    make_family(holder, spouse, "spouse")
    return holder, spouse


@pytest.fixture
def checkup():
    """HNW: 4 uses a year, of which family may take 2."""
    return make_benefit(cells={Tier.HIGH_NET_WORTH: 4}, shareable=True, family_quota=2)


def test_the_holder_redeems_for_a_family_member(household, checkup):
    holder, spouse = household
    result = redeem(holder, checkup, beneficiary_no=spouse.customer_no)
    r = result.redemption
    assert (r.holder, r.beneficiary, r.source) == (holder, spouse, Source.FAMILY)
    assert r.tier_snapshot == Tier.HIGH_NET_WORTH
    assert result.remaining == 1  # family share left
    assert balance(holder, checkup) == (1, 1)


def test_the_family_member_redeems_from_the_relative_s_share(household, checkup):
    holder, spouse = household
    result = redeem(spouse, checkup)
    r = result.redemption
    assert (r.holder, r.beneficiary, r.source) == (holder, spouse, Source.FAMILY)
    assert balance(holder, checkup) == (1, 1)


def test_the_family_allowance_is_never_exceeded(household, checkup):
    holder, spouse = household
    redeem(holder, checkup, beneficiary_no=spouse.customer_no)
    redeem(spouse, checkup)
    for kwargs, customer in [({"beneficiary_no": spouse.customer_no}, holder), ({}, spouse)]:
        err = refusal(customer, checkup, **kwargs)
        assert (err.code, err.status) == ("family_allowance_exhausted", 409)
    assert balance(holder, checkup) == (2, 2)
    # The holder still has their own uses.
    assert redeem(holder, checkup).remaining == 1
    assert redeem(holder, checkup).remaining == 0
    assert refusal(holder, checkup).code == "quota_exhausted"


def test_family_uses_count_against_the_holder_s_quota():
    holder = make_customer(tier=Tier.HIGH_NET_WORTH)
    spouse = make_customer(tier=Tier.ORDINARY)
    make_family(holder, spouse)
    benefit = make_benefit(cells={Tier.HIGH_NET_WORTH: 3}, shareable=True, family_quota=2)
    redeem(spouse, benefit)
    redeem(spouse, benefit)
    assert redeem(holder, benefit).remaining == 0
    assert refusal(holder, benefit).code == "quota_exhausted"


def test_family_cannot_take_a_use_the_holder_already_spent():
    holder = make_customer(tier=Tier.HIGH_NET_WORTH)
    spouse = make_customer(tier=Tier.ORDINARY)
    make_family(holder, spouse)
    benefit = make_benefit(cells={Tier.HIGH_NET_WORTH: 2}, shareable=True, family_quota=2)
    redeem(holder, benefit)
    redeem(holder, benefit)
    assert refusal(spouse, benefit).code == "family_allowance_exhausted"
    shelf = bookshelf_for_customer(customer=spouse)
    (entry,) = [e for e in shelf.entries if e.benefit_id == benefit.pk]
    assert (entry.source, entry.quota, entry.used, entry.remaining) == ("family", 2, 0, 0)


def test_a_beneficiary_outside_the_family_is_refused(household, checkup):
    holder, _spouse = household
    stranger = make_customer(tier=Tier.ORDINARY)
    err = refusal(holder, checkup, beneficiary_no=stranger.customer_no)
    assert (err.code, err.status, err.field) == ("not_family_member", 403, "beneficiary")
    assert not Redemption.objects.exists()


def test_a_benefit_that_is_not_shareable_is_refused_for_family(household):
    holder, spouse = household
    private = make_benefit(cells={Tier.HIGH_NET_WORTH: 4}, shareable=False)
    err = refusal(holder, private, beneficiary_no=spouse.customer_no)
    assert (err.code, err.status) == ("benefit_not_shareable", 403)
    assert refusal(spouse, private).code == "not_in_tier"


def test_a_shareable_benefit_with_no_family_quota_in_the_tier_is_refused(household):
    holder, spouse = household
    benefit = make_benefit(cells={Tier.HIGH_NET_WORTH: 4}, shareable=True, family_quota=0)
    assert refusal(holder, benefit, beneficiary_no=spouse.customer_no).code == (
        "benefit_not_shareable"
    )
    assert refusal(spouse, benefit).code == "not_in_tier"


def test_the_beneficiary_may_be_the_holder_themselves(household, checkup):
    holder, _spouse = household
    result = redeem(holder, checkup, beneficiary_no=holder.customer_no)
    assert result.redemption.source == Source.TIER
    assert balance(holder, checkup) == (1, 0)


def test_a_relative_uses_their_own_tier_first_then_the_family_share():
    holder = make_customer(tier=Tier.HIGH_NET_WORTH)
    spouse = make_customer(tier=Tier.GOLD)
    make_family(holder, spouse)
    benefit = make_benefit(
        cells={Tier.GOLD: 1, Tier.HIGH_NET_WORTH: 4}, shareable=True, family_quota=1
    )
    sources = [redeem(spouse, benefit).redemption for _ in range(2)]
    assert [(r.source, r.holder) for r in sources] == [
        (Source.TIER, spouse),
        (Source.FAMILY, holder),
    ]
    # Both are used up; with their own tier allowance in play the answer is quota_exhausted.
    assert refusal(spouse, benefit).code == "quota_exhausted"


def test_the_bookshelf_shows_family_entries_with_the_holder_s_number(household, checkup):
    holder, spouse = household
    redeem(spouse, checkup)
    shelf = bookshelf_for_customer(customer=spouse)
    (entry,) = [e for e in shelf.entries if e.benefit_id == checkup.pk]
    assert entry.source == Source.FAMILY
    assert entry.holder_no == holder.customer_no
    assert (entry.quota, entry.used, entry.remaining) == (2, 1, 1)
    # The holder's own view counts the family use against the whole quota.
    holder_shelf = bookshelf_for_customer(customer=holder)
    (own,) = [e for e in holder_shelf.entries if e.benefit_id == checkup.pk]
    assert (own.source, own.quota, own.used, own.remaining) == (Source.TIER, 4, 1, 3)
    assert (own.family_quota, own.family_used) == (2, 1)
    assert [rel.customer_no for rel in holder_shelf.household.members] == [
        holder.customer_no,
        spouse.customer_no,
    ]


def test_cancelling_a_family_use_gives_back_both_counters_once(household, checkup):
    holder, spouse = household
    r = redeem(spouse, checkup).redemption
    redeem(spouse, checkup)
    redemption_cancel(redemption=r)
    assert balance(holder, checkup) == (1, 1)
    with pytest.raises(Conflict):
        redemption_cancel(redemption=r)
    assert balance(holder, checkup) == (1, 1)
    assert redeem(spouse, checkup).remaining == 0


def test_cancelling_the_holder_s_own_use_keeps_the_family_count(household, checkup):
    holder, spouse = household
    own = redeem(holder, checkup).redemption
    redeem(spouse, checkup)
    redemption_cancel(redemption=own)
    assert balance(holder, checkup) == (1, 1)


def test_every_family_member_shares_one_allowance():
    holder = make_customer(tier=Tier.HIGH_NET_WORTH, age=45)
    spouse, child = make_customer(age=44), make_customer(tier=Tier.PROSPECT, age=12)
    make_family(holder, spouse, "spouse")
    make_family(holder, child, "child")
    benefit = make_benefit(cells={Tier.HIGH_NET_WORTH: 5}, shareable=True, family_quota=2)
    redeem(spouse, benefit)
    redeem(holder, benefit, beneficiary_no=child.customer_no)
    assert refusal(child, benefit).code == "family_allowance_exhausted"
    assert refusal(spouse, benefit).code == "family_allowance_exhausted"
    beneficiaries = set(Redemption.objects.values_list("beneficiary__customer_no", flat=True))
    assert beneficiaries == {spouse.customer_no, child.customer_no}


def test_family_of_family_is_not_family():
    holder = make_customer(tier=Tier.HIGH_NET_WORTH)
    spouse = make_customer()
    in_law = make_customer()
    make_family(holder, spouse, "spouse")
    make_family(spouse, in_law, "parent")
    benefit = make_benefit(cells={Tier.HIGH_NET_WORTH: 5}, shareable=True, family_quota=2)
    assert refusal(in_law, benefit).code == "not_in_tier"
    err = refusal(holder, benefit, beneficiary_no=in_law.customer_no)
    assert err.code == "not_family_member"
