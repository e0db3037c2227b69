"""The benefit centre is rendered with orjson: the bytes are DRF's JSONRenderer's."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.renderers import JSONRenderer

from bookshelf.api.benefit_centre import benefit_centre_payload
from bookshelf.api.renderers import FastJSONRenderer
from bookshelf.ledger.services import purchase_create, redemption_create
from customers.models import Tier
from tests.factories import make_benefit, make_customer, make_family

pytestmark = pytest.mark.django_db


def test_the_benefit_centre_renders_to_the_same_bytes_as_drf():
    customer = make_customer(tier=Tier.GOLD, name="王小明")
    make_family(customer, make_customer(tier=Tier.DIAMOND))
    benefits = [
        make_benefit(cells={Tier.GOLD: 2, Tier.DIAMOND: 3}, shareable=True, family_quota=1)
        for _ in range(3)
    ]
    priced = make_benefit(cells={}, price=Decimal("99.50"))
    redemption_create(customer=customer, benefit_code=benefits[0].code)
    purchase_create(customer=customer, benefit_code=priced.code, quantity=1, payment_reference="P1")
    payload = benefit_centre_payload(customer)
    assert FastJSONRenderer().render(payload) == JSONRenderer().render(payload)
