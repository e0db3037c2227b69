"""A customer erased on their request (PIPL) is gone to the API: every customer endpoint
answers exactly as for a number that never existed, and nothing can be written for them."""

from __future__ import annotations

import pytest

from bookshelf.ledger.models import Redemption
from bookshelf.privacy.services import customer_erase
from customers.models import Policy, PolicyStatus, Tier
from customers.services import policy_set_status
from tests.factories import make_benefit, make_customer

from .conftest import post_json

pytestmark = pytest.mark.django_db


def test_an_erased_customer_answers_like_one_that_never_existed(app_api):
    benefit = make_benefit(cells={Tier.GOLD: 3})
    customer = make_customer(tier=Tier.GOLD)
    base = f"/api/v1/customers/{customer.customer_no}"
    assert app_api.get(f"{base}/bookshelf").status_code == 200
    for policy in Policy.objects.filter(customer=customer, status=PolicyStatus.IN_FORCE):
        policy_set_status(policy=policy, status=PolicyStatus.LAPSED)
    customer_erase(customer=customer, user=None, reason="request #88", via="test")

    missing = app_api.get("/api/v1/customers/C999999999/bookshelf").json()
    for path in ("bookshelf", "redemptions", "purchases", "recommendations", "consents"):
        response = app_api.get(f"{base}/{path}")
        assert response.status_code == 404, path
        assert response.json() == missing
    write = post_json(app_api, f"{base}/redemptions", {"benefit": benefit.code})
    assert write.status_code == 404
    assert not Redemption.objects.filter(holder=customer).exists()
