"""Real data for the fuzzer: customers, benefits and redemptions built through the services,
so generated requests often hit objects that exist, not only 404s."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core import signals
from django.core.serializers.json import DjangoJSONEncoder
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator

from bookshelf.fulfilment.services import supplier_key_create, use_request
from bookshelf.integrations.services import api_client_create, subscription_create
from bookshelf.ledger.services import purchase_create, redemption_create
from customers.models import Tier
from tests.factories import make_benefit, make_customer, make_family, make_supplier


@dataclass
class World:
    token: str = ""
    customer_nos: list[str] = field(default_factory=list)
    benefit_codes: list[str] = field(default_factory=list)
    category_codes: list[str] = field(default_factory=list)
    redemption_ids: list[int] = field(default_factory=list)
    webhook_ids: list[int] = field(default_factory=list)
    # Supplier endpoints: a supplier's code, its callback key, and fulfilments it delivers.
    supplier_codes: list[str] = field(default_factory=list)
    supplier_keys: dict[str, tuple[str, str]] = field(default_factory=dict)
    fulfilment_ids: list[int] = field(default_factory=list)


def world_build() -> World:
    client, token = api_client_create(name="fuzzer")
    gold = make_customer(tier=Tier.GOLD, tags=["chronic_condition"])
    spouse = make_customer(tier=Tier.DIAMOND)
    make_family(gold, spouse, "spouse")
    ordinary = make_customer(tier=Tier.ORDINARY)
    checkup = make_benefit(cells={Tier.GOLD: 50, Tier.ORDINARY: 5}, category_code="HLT")
    escort = make_benefit(
        cells={Tier.DIAMOND: 50, Tier.GOLD: None},
        shareable=True,
        family_quota=20,
        category_code="MED",
    )
    gym = make_benefit(kind="paid", price=Decimal("99.00"), category_code="SPT")
    retired = make_benefit(cells={Tier.GOLD: 2}, status="retired", category_code="LIF")
    redemptions = [
        redemption_create(customer=gold, benefit_code=checkup.code).redemption,
        redemption_create(customer=gold, benefit_code=escort.code).redemption,
        redemption_create(
            customer=spouse, benefit_code=escort.code, beneficiary_no=gold.customer_no
        ).redemption,
    ]
    purchase_create(customer=gold, benefit_code=gym.code, quantity=2, payment_reference="PAY-1")
    escort_booked = make_benefit(
        cells={Tier.GOLD: 50}, fulfilment_kind="booked", category_code="MED"
    )
    coupon = make_benefit(cells={Tier.GOLD: 50}, fulfilment_kind="issued", category_code="LIF")
    supplier = make_supplier("escort-co", benefits=[escort_booked, coupon])
    other = make_supplier("rescue-co")
    key, secret = supplier_key_create(supplier=supplier)
    other_key, other_secret = supplier_key_create(supplier=other)
    fulfilments = [
        use_request(customer=gold, benefit_code=b.code).fulfilment
        for b in (escort_booked, escort_booked, coupon)
    ]
    redemptions += [f.redemption for f in fulfilments if f is not None]
    hook = subscription_create(
        name="fuzz-hook", url="http://127.0.0.1:9/hook", event_types=[], api_client=client
    )
    return World(
        token=token,
        customer_nos=[gold.customer_no, spouse.customer_no, ordinary.customer_no],
        benefit_codes=[
            checkup.code,
            escort.code,
            gym.code,
            retired.code,
            escort_booked.code,
            coupon.code,
        ],
        category_codes=["HLT", "MED", checkup.category.path_code, "SPT"],
        redemption_ids=[r.pk for r in redemptions],
        webhook_ids=[hook.pk],
        supplier_codes=[supplier.code, other.code],
        supplier_keys={
            supplier.code: (key.key_id, secret),
            other.code: (other_key.key_id, other_secret),
        },
        fulfilment_ids=[f.pk for f in fulfilments if f is not None],
    )


def openapi_document() -> dict[str, Any]:
    """The schema /api/schema/ serves, as plain JSON."""
    raw = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(json.dumps(raw, cls=DjangoJSONEncoder))


@contextmanager
def wsgi_inside_test_transaction() -> Iterator[None]:
    """The real WSGI handler closes the connection after each request; inside the test's
    transaction that would end it. Django's own test client unhooks the same signal."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
