"""Quotas and idempotency under real concurrency, on the real PostgreSQL.

Each thread has its own database connection (Django's are per thread) and commits its own
transaction, so these tests exercise the row locks and unique indexes, not a mock of them.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from bookshelf.integrations.services import api_client_create
from bookshelf.models import QuotaBalance, Redemption
from customers.models import Tier
from tests.factories import make_benefit, make_customer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.fail("concurrency tests need PostgreSQL: run them with DATABASE_URL set")


def _hammer(token: str, url: str, bodies: list[tuple[dict[str, Any], str | None]]) -> list[Any]:
    barrier = threading.Barrier(len(bodies))

    def one(item: tuple[dict[str, Any], str | None]) -> tuple[int, Any]:
        body, key = item
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        # A new key per request unless the test replays one (a use needs a key).
        extra = {"HTTP_IDEMPOTENCY_KEY": key or f"race-{uuid.uuid4()}"}
        try:
            barrier.wait(timeout=30)
            response = api.post(url, body, format="json", **extra)
            return response.status_code, response.json()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(one, bodies))


def test_fifty_concurrent_requests_for_the_last_two_uses_give_exactly_two_201s():
    _client, token = api_client_create(name="race")
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 5})
    url = f"/api/v1/customers/{customer.customer_no}/redemptions"
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    for n in range(3):  # 2 uses left
        used = api.post(url, {"benefit": benefit.code}, format="json", HTTP_IDEMPOTENCY_KEY=f"u{n}")
        assert used.status_code == 201

    results = _hammer(token, url, [({"benefit": benefit.code}, None)] * 50)
    codes = Counter(status for status, _body in results)
    assert codes == {201: 2, 409: 48}
    assert {body["code"] for status, body in results if status == 409} == {"quota_exhausted"}
    assert Redemption.objects.filter(holder=customer).count() == 5
    assert QuotaBalance.objects.get(holder=customer).used == 5


def test_concurrent_replays_of_one_key_spend_once_and_answer_alike():
    _client, token = api_client_create(name="replay")
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 10})
    url = f"/api/v1/customers/{customer.customer_no}/redemptions"
    results = _hammer(token, url, [({"benefit": benefit.code}, "same-key")] * 8)
    assert {status for status, _body in results} == {201}
    assert len({body["id"] for _status, body in results}) == 1
    assert Redemption.objects.filter(holder=customer).count() == 1
    assert QuotaBalance.objects.get(holder=customer).used == 1


def test_concurrent_family_uses_never_exceed_the_family_allowance():
    from tests.factories import make_family

    _client, token = api_client_create(name="family-race")
    holder = make_customer(tier=Tier.DIAMOND)
    kids = [make_customer(tier=Tier.PROSPECT, age=8) for _ in range(3)]
    for kid in kids:
        make_family(holder, kid, "child")
    benefit = make_benefit(cells={Tier.DIAMOND: 10}, shareable=True, family_quota=2)
    url = f"/api/v1/customers/{holder.customer_no}/redemptions"
    bodies = [
        ({"benefit": benefit.code, "beneficiary": kids[i % 3].customer_no}, None) for i in range(20)
    ]
    results = _hammer(token, url, bodies)
    assert Counter(status for status, _b in results) == {201: 2, 409: 18}
    balance = QuotaBalance.objects.get(holder=holder)
    assert (balance.used, balance.family_used) == (2, 2)
