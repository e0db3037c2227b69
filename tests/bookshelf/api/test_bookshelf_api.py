from decimal import Decimal

import pytest

from bookshelf.ledger.services import purchase_create, redemption_create
from customers.models import Tier
from tests.factories import make_benefit, make_customer, make_family

pytestmark = pytest.mark.django_db


def url(customer):
    return f"/api/v1/customers/{customer.customer_no}/bookshelf"


def entries(body):
    return {(b["code"], b["source"]): b for c in body["categories"] for b in c["benefits"]}


def test_benefit_centre_lists_tier_purchase_and_family_benefits(app_api):
    customer = make_customer(tier=Tier.GOLD, name="王小明")
    spouse = make_customer(tier=Tier.DIAMOND)
    make_family(customer, spouse, "spouse")
    checkup = make_benefit(cells={Tier.GOLD: 2}, category_code="HLT")
    escort = make_benefit(
        cells={Tier.DIAMOND: 4}, shareable=True, family_quota=2, category_code="MED"
    )
    gym = make_benefit(kind="paid", price=Decimal("99.00"), category_code="SPT")
    salon = make_benefit(price=Decimal("300.00"), cells={Tier.DIAMOND: 1}, category_code="WLT")
    redemption_create(customer=customer, benefit_code=checkup.code)
    purchase_create(customer=customer, benefit_code=gym.code, quantity=2, payment_reference="P9")

    response = app_api.get(url(customer))
    assert response.status_code == 200
    body = response.json()
    assert body["customer"] == {
        "customer_no": customer.customer_no,
        "name": "王**",
        "phone": customer.phone[:3] + "****" + customer.phone[-4:],
        "tier": "gold",
        "tier_label": "VIP gold",
    }
    got = entries(body)
    tier_entry = got[(checkup.code, "tier")]
    assert (tier_entry["quota"], tier_entry["used"], tier_entry["remaining"]) == (2, 1, 1)
    assert tier_entry["period_end"].endswith("-12-31")
    family_entry = got[(escort.code, "family")]
    assert family_entry["holder"] == spouse.customer_no
    assert (family_entry["quota"], family_entry["remaining"]) == (2, 2)
    assert family_entry["shareable"] is True
    purchase_entry = got[(gym.code, "purchase")]
    assert (purchase_entry["quota"], purchase_entry["remaining"]) == (2, 2)
    # Benefits the tier lacks but could buy are listed apart, with their price.
    assert [p["code"] for p in body["purchasable"]] == [gym.code, salon.code]
    assert body["purchasable"][1]["price"] == "300.00"


def test_unknown_customer_is_404(app_api):
    response = app_api.get("/api/v1/customers/NOPE/bookshelf")
    assert response.status_code == 404
    assert response.json()["code"] == "customer_not_found"


def test_full_phone_and_id_never_appear(app_api):
    customer = make_customer(tier=Tier.GOLD)
    text = app_api.get(url(customer)).content.decode()
    assert customer.phone not in text
    assert customer.id_number not in text


@pytest.mark.parametrize(("n_benefits", "n_family"), [(3, 0), (40, 4)])
def test_query_count_is_fixed(app_api, django_assert_num_queries, n_benefits, n_family):
    customer = make_customer(tier=Tier.DIAMOND)
    for _ in range(n_family):
        make_family(customer, make_customer(tier=Tier.HIGH_NET_WORTH), "child")
    for _ in range(n_benefits):
        make_benefit(
            cells={Tier.DIAMOND: 2, Tier.HIGH_NET_WORTH: 3}, shareable=True, family_quota=1
        )
    app_api.get(url(customer))  # warm the per-tier cache
    # auth token lookup, then one statement: the customer, family links, household policies,
    # balances, purchases, the customer's open requests, the used-up budgets
    with django_assert_num_queries(2):
        response = app_api.get(url(customer))
    assert response.status_code == 200
    assert sum(len(c["benefits"]) for c in response.json()["categories"]) == n_benefits * (
        1 + n_family
    )
