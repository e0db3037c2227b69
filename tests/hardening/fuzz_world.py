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

from bookshelf.integrations.services import api_client_create, subscription_create
from bookshelf.ledger.services import purchase_create, redemption_create
from customers.models import Tier
from tests.factories import make_benefit, make_customer, make_family


@dataclass
class World:
    token: str = ""
    customer_nos: list[str] = field(default_factory=list)
    benefit_codes: list[str] = field(default_factory=list)
    category_codes: list[str] = field(default_factory=list)
    redemption_ids: list[int] = field(default_factory=list)
    webhook_ids: list[int] = field(default_factory=list)


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
    hook = subscription_create(
        name="fuzz-hook", url="http://127.0.0.1:9/hook", event_types=[], api_client=client
    )
    return World(
        token=token,
        customer_nos=[gold.customer_no, spouse.customer_no, ordinary.customer_no],
        benefit_codes=[checkup.code, escort.code, gym.code, retired.code],
        category_codes=["HLT", "MED", checkup.category.path_code, "SPT"],
        redemption_ids=[r.pk for r in redemptions],
        webhook_ids=[hook.pk],
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
