from decimal import Decimal

import pytest

from benefits.models import Benefit
from bookshelf.models import DemandSignal, Purchase
from customers.models import Tier
from tests.bookshelf.api.conftest import post_json
from tests.factories import make_benefit, make_customer

pytestmark = pytest.mark.django_db


def url(customer):
    return f"/api/v1/customers/{customer.customer_no}/purchases"


def test_purchase_snapshots_the_price_and_grants_uses(app_api):
    customer = make_customer(tier=Tier.ORDINARY)
    benefit = make_benefit(kind="paid", price=Decimal("199.00"), uses_per_purchase=3)
    response = post_json(
        app_api,
        url(customer),
        {"benefit": benefit.code, "quantity": 2, "payment_reference": "PAY-1"},
        key="buy-1",
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["unit_price"], body["total_price"], body["uses_granted"]) == (
        "199.00",
        "398.00",
        6,
    )
    Benefit.objects.filter(pk=benefit.pk).update(price=Decimal("999.00"))
    assert Purchase.objects.get().unit_price == Decimal("199.00")
    # The purchase is now usable from the bookshelf and the redemption endpoint.
    redeem = post_json(
        app_api, f"/api/v1/customers/{customer.customer_no}/redemptions", {"benefit": benefit.code}
    )
    assert redeem.status_code == 201
    assert redeem.json()["source"] == "purchase"
    assert redeem.json()["remaining"] == 5


def test_purchase_is_idempotent(app_api):
    customer = make_customer(tier=Tier.ORDINARY)
    benefit = make_benefit(kind="paid", price=Decimal("50.00"))
    body = {"benefit": benefit.code, "quantity": 1, "payment_reference": "PAY-2"}
    first = post_json(app_api, url(customer), body, key="buy-2")
    again = post_json(app_api, url(customer), body, key="buy-2")
    assert first.json() == again.json()
    assert Purchase.objects.count() == 1
    other = post_json(app_api, url(customer), {**body, "quantity": 2}, key="buy-2")
    assert other.status_code == 422


def test_duplicate_payment_reference_is_409(app_api):
    customer = make_customer(tier=Tier.ORDINARY)
    benefit = make_benefit(kind="paid", price=Decimal("50.00"))
    body = {"benefit": benefit.code, "quantity": 1, "payment_reference": "PAY-3"}
    assert post_json(app_api, url(customer), body).status_code == 201
    response = post_json(app_api, url(customer), body)
    assert response.status_code == 409
    assert response.json()["code"] == "duplicate_payment_reference"
    assert Purchase.objects.count() == 1


def test_unpriced_benefit_cannot_be_bought(app_api):
    customer = make_customer(tier=Tier.ORDINARY)
    benefit = make_benefit(cells={Tier.DIAMOND: 1})
    response = post_json(
        app_api, url(customer), {"benefit": benefit.code, "quantity": 1, "payment_reference": "X"}
    )
    assert response.status_code == 403
    assert response.json()["code"] == "benefit_not_purchasable"


@pytest.mark.parametrize("quantity", [0, -1, 101, "two"])
def test_bad_quantity_is_400(app_api, quantity):
    customer = make_customer(tier=Tier.ORDINARY)
    benefit = make_benefit(kind="paid", price=Decimal("50.00"))
    response = post_json(
        app_api,
        url(customer),
        {"benefit": benefit.code, "quantity": quantity, "payment_reference": "Q"},
    )
    assert response.status_code == 400
    assert "quantity" in response.json()["fields"]


def test_purchase_list(app_api):
    customer = make_customer(tier=Tier.ORDINARY)
    benefit = make_benefit(kind="paid", price=Decimal("50.00"))
    post_json(
        app_api, url(customer), {"benefit": benefit.code, "quantity": 1, "payment_reference": "L"}
    )
    assert app_api.get(url(customer)).json()["count"] == 1


def test_demand_signal(app_api):
    customer = make_customer(tier=Tier.GOLD)
    make_benefit(category_code="LIF")
    response = post_json(
        app_api,
        "/api/v1/demand-signals",
        {"text": "Pet vet consultation", "category": "lif", "customer": customer.customer_no},
    )
    assert response.status_code == 201
    signal = DemandSignal.objects.get()
    assert signal.category.path_code == "LIF"
    assert signal.tier_snapshot == Tier.GOLD
    empty = post_json(app_api, "/api/v1/demand-signals", {"text": "   "})
    assert empty.status_code == 400
    unknown = post_json(app_api, "/api/v1/demand-signals", {"text": "x", "category": "NOPE"})
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "category_not_found"
    assert DemandSignal.objects.count() == 1
