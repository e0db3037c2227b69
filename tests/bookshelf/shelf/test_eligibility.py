"""Eligibility beyond tier: the "service treasure" bundle opens to anyone holding an in-force
long-term life policy (not to a diamond customer without one); age ranges apply to whoever uses
the benefit."""

from datetime import date
from decimal import Decimal

import pytest

from bookshelf.ledger.selectors import bookshelf_for_customer
from bookshelf.ledger.services import purchase_create, redemption_create
from bookshelf.models import Source
from config.exceptions import NotAllowed
from customers.models import PolicyStatus, ProductLine, Tier
from customers.services import policy_create, policy_set_status
from tests.factories import make_benefit, make_customer, make_family

pytestmark = pytest.mark.django_db

LTL = ProductLine.LONG_TERM_LIFE


def redeem(customer, benefit, **kwargs):
    return redemption_create(customer=customer, benefit_code=benefit.code, **kwargs)


def refusal(customer, benefit, **kwargs):
    with pytest.raises(NotAllowed) as err:
        redeem(customer, benefit, **kwargs)
    assert err.value.status == 403
    return err.value


def shelf_codes(customer):
    return {e.code for e in bookshelf_for_customer(customer=customer).entries}


@pytest.fixture
def service_treasure():
    return make_benefit(
        name="Service treasure: online private-doctor consultation",
        cells={
            Tier.ORDINARY: 2,
            Tier.GOLD: 2,
            Tier.PLATINUM: 4,
            Tier.DIAMOND: None,
            Tier.HIGH_NET_WORTH: None,
        },
        requires_product_line=LTL,
    )


def test_service_treasure_opens_to_an_ordinary_customer_with_long_term_life(service_treasure):
    customer = make_customer(tier=Tier.ORDINARY, product_line=LTL)
    assert service_treasure.code in shelf_codes(customer)
    assert redeem(customer, service_treasure).remaining == 1


def test_service_treasure_is_closed_to_a_diamond_customer_without_long_term_life(
    service_treasure,
):
    customer = make_customer(tier=Tier.DIAMOND, product_line=ProductLine.MEDICAL)
    assert service_treasure.code not in shelf_codes(customer)
    err = refusal(customer, service_treasure)
    assert (err.code, err.field) == ("product_line_required", "benefit")
    assert "Long-term life" in err.message


def test_buying_long_term_life_opens_it_and_a_lapse_closes_it(service_treasure):
    customer = make_customer(tier=Tier.DIAMOND, product_line=ProductLine.MEDICAL)
    policy = policy_create(
        customer=customer,
        policy_no="LTL-1",
        product_line=LTL,
        annual_premium=Decimal("1000"),
        start_date=date(2024, 1, 1),
        refresh_tier=False,
    )
    assert redeem(customer, service_treasure).remaining is None  # diamond: unlimited
    policy_set_status(policy=policy, status=PolicyStatus.LAPSED, refresh_tier=False)
    assert refusal(customer, service_treasure).code == "product_line_required"
    assert service_treasure.code not in shelf_codes(customer)


def test_a_prospect_gets_nothing_from_it_even_without_the_policy_rule(service_treasure):
    prospect = make_customer(tier=Tier.PROSPECT)
    assert refusal(prospect, service_treasure).code == "not_in_tier"


def test_a_product_line_rule_applies_to_purchases_too():
    customer = make_customer(tier=Tier.GOLD, product_line=ProductLine.MEDICAL)
    benefit = make_benefit(price=Decimal("99"), requires_product_line=LTL)
    assert benefit.pk not in {
        v.benefit_id for v in bookshelf_for_customer(customer=customer).purchasable
    }
    with pytest.raises(NotAllowed) as err:
        purchase_create(
            customer=customer, benefit_code=benefit.code, quantity=1, payment_reference="X1"
        )
    assert err.value.code == "product_line_required"


@pytest.mark.parametrize(
    ("age", "min_age", "max_age", "ok"),
    [
        (40, 60, None, False),
        (60, 60, None, True),
        (59, 60, None, False),
        (40, None, 39, False),
        (39, None, 39, True),
        (40, 18, 65, True),
        (17, 18, 65, False),
        (66, 18, 65, False),
    ],
)
def test_age_range(age, min_age, max_age, ok):
    customer = make_customer(tier=Tier.GOLD, age=age)
    benefit = make_benefit(cells={Tier.GOLD: 2}, min_age=min_age, max_age=max_age)
    assert (benefit.code in shelf_codes(customer)) is ok
    if ok:
        assert redeem(customer, benefit).remaining == 1
    else:
        err = refusal(customer, benefit)
        assert (err.code, err.field) == ("age_not_eligible", "benefit")
        assert "This benefit is for ages" in err.message


def test_age_is_the_beneficiary_s_when_family_uses_it():
    parent = make_customer(tier=Tier.HIGH_NET_WORTH, age=40)
    child = make_customer(tier=Tier.PROSPECT, age=10)
    make_family(parent, child, "child")
    kids_camp = make_benefit(
        cells={Tier.HIGH_NET_WORTH: 2}, shareable=True, family_quota=2, max_age=17
    )
    assert refusal(parent, kids_camp).code == "age_not_eligible"
    result = redeem(parent, kids_camp, beneficiary_no=child.customer_no)
    assert (result.redemption.beneficiary, result.redemption.source) == (child, Source.FAMILY)
    assert redeem(child, kids_camp).redemption.holder == parent
    shelf = bookshelf_for_customer(customer=child)
    assert [(e.code, e.source) for e in shelf.entries] == [(kids_camp.code, Source.FAMILY)]

    senior_check = make_benefit(
        cells={Tier.HIGH_NET_WORTH: 2}, shareable=True, family_quota=2, min_age=60
    )
    err = refusal(parent, senior_check, beneficiary_no=child.customer_no)
    assert err.code == "age_not_eligible"


def test_the_holder_s_policies_open_a_shared_benefit_for_family():
    holder = make_customer(tier=Tier.HIGH_NET_WORTH, product_line=LTL)
    spouse = make_customer(tier=Tier.ORDINARY, product_line=ProductLine.MEDICAL)
    make_family(holder, spouse)
    benefit = make_benefit(
        cells={Tier.HIGH_NET_WORTH: 4}, shareable=True, family_quota=2, requires_product_line=LTL
    )
    assert redeem(spouse, benefit).redemption.holder == holder
    # A holder without the line cannot share it.
    other = make_customer(tier=Tier.HIGH_NET_WORTH, product_line=ProductLine.MEDICAL)
    relative = make_customer(tier=Tier.ORDINARY)
    make_family(other, relative)
    err = refusal(other, benefit, beneficiary_no=relative.customer_no)
    assert err.code == "product_line_required"
    assert refusal(relative, benefit).code == "product_line_required"
