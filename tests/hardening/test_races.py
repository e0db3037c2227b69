"""Under real concurrency on PostgreSQL: quotas exact, idempotency keys spend once, and a
rolled-back transaction leaves nothing behind (no task on the broker, no push sent)."""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from bookshelf.integrations.services import api_client_create, idempotency_prune
from bookshelf.models import IdempotencyRecord, OutboxMessage, Push, QuotaBalance, Redemption
from customers.models import Tier
from tests.factories import make_benefit, make_customer

THREADS = 40  # PostgreSQL's connection limit, shared with the other test worker
ROUNDS = 5


def _fire(token: str, url: str, bodies: list[tuple[dict[str, Any], str | None]]) -> list[Any]:
    """Send every request from a pool of threads released together."""
    barrier = threading.Barrier(min(THREADS, len(bodies)))

    def one(item: tuple[dict[str, Any], str | None]) -> tuple[int, Any]:
        body, key = item
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        # A new key per request unless the test replays one (a use needs a key).
        extra = {"HTTP_IDEMPOTENCY_KEY": key or f"storm-{uuid.uuid4()}"}
        try:
            # Released in waves of THREADS; a last, smaller wave times out and just goes.
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=5)
            response = api.post(url, body, format="json", **extra)
            return response.status_code, response.json()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return list(pool.map(one, bodies))


@pytest.fixture
def _postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.fail("these tests need PostgreSQL: set DATABASE_URL")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_postgres")
def test_200_concurrent_redemptions_against_a_quota_of_10_repeatedly():
    _client, token = api_client_create(name="storm")
    benefit = make_benefit(cells={Tier.GOLD: 10})
    for _round in range(ROUNDS):
        customer = make_customer(tier=Tier.GOLD)
        url = f"/api/v1/customers/{customer.customer_no}/redemptions"
        results = _fire(token, url, [({"benefit": benefit.code}, None)] * 200)
        assert Counter(status for status, _b in results) == {201: 10, 409: 190}
        assert Redemption.objects.filter(holder=customer).count() == 10
        assert QuotaBalance.objects.get(holder=customer).used == 10
        remaining = sorted(body["remaining"] for status, body in results if status == 201)
        assert remaining == list(range(10))  # each success saw a distinct count


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_postgres")
def test_ten_replays_of_one_key_five_concurrent_spend_once_and_answer_alike():
    _client, token = api_client_create(name="replays")
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 10})
    url = f"/api/v1/customers/{customer.customer_no}/redemptions"
    body = {"benefit": benefit.code, "channel": "app"}
    concurrent = _fire(token, url, [(body, "key-A")] * 5)
    sequential = [_fire(token, url, [(body, "key-A")])[0] for _ in range(5)]
    answers = concurrent + sequential
    assert {status for status, _b in answers} == {201}
    assert len({repr(sorted(b.items())) for _s, b in answers}) == 1  # identical bodies
    assert Redemption.objects.filter(holder=customer).count() == 1
    assert QuotaBalance.objects.get(holder=customer).used == 1
    other = _fire(token, url, [({"benefit": benefit.code, "channel": "phone"}, "key-A")])[0]
    assert other[0] == 422 and other[1]["code"] == "idempotency_key_reused"
    assert Redemption.objects.filter(holder=customer).count() == 1


@pytest.mark.django_db
def test_keys_are_kept_a_day_at_least_then_pruned():
    now = timezone.now()
    for hours in (1, 23, 30, 49, 200):
        IdempotencyRecord.objects.create(
            client_ref="c",
            key=f"k{hours}",
            fingerprint="f",
            created_at=now - timedelta(hours=hours),
        )
    # Asked for one hour, the prune still keeps every key younger than 24 hours.
    assert idempotency_prune(older_than_hours=1) == 3
    left = set(IdempotencyRecord.objects.values_list("key", flat=True))
    assert left == {"k1", "k23"}


@pytest.mark.django_db
def test_default_retention_is_48_hours():
    now = timezone.now()
    for hours in (47, 49):
        IdempotencyRecord.objects.create(
            client_ref="c",
            key=f"k{hours}",
            fingerprint="f",
            created_at=now - timedelta(hours=hours),
        )
    assert settings.IDEMPOTENCY_RETENTION_HOURS == 48
    assert idempotency_prune() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["k47"]


class RecordingSender:
    sent: list[int] = []

    def send(self, message: OutboxMessage, *, idempotency_key: str) -> str:
        RecordingSender.sent.append(message.pk)
        return f"test:{message.pk}"


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_enqueues_no_task_and_sends_no_push(settings):
    from bookshelf.ledger.services import redemption_create
    from bookshelf.reach.services import push_create

    settings.BOOKSHELF_PUSH_SENDER = "tests.hardening.test_races.RecordingSender"
    RecordingSender.sent = []
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 3})
    queue_before = _broker_queue_length()
    with pytest.raises(RuntimeError), transaction.atomic():
        push_create(customer=customer, benefit_code=benefit.code, channel="sms")
        redemption_create(customer=customer, benefit_code=benefit.code)
        raise RuntimeError("the caller failed after the push")
    assert not Push.objects.exists() and not OutboxMessage.objects.exists()
    assert not Redemption.objects.exists()
    assert RecordingSender.sent == []
    assert _broker_queue_length() == queue_before
    # The same push committed is delivered (the sender is really used).
    from config.celery import app

    app.conf.task_always_eager = True
    try:
        push_create(customer=customer, benefit_code=benefit.code, channel="sms")
    finally:
        app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER
    assert len(RecordingSender.sent) == 1


def _broker_queue_length() -> int:
    """Messages waiting on this test worker's Celery queue in the real Redis (0 without)."""
    if not settings.REDIS_URL:
        return 0
    import redis

    queue = getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery")
    return int(redis.Redis.from_url(settings.REDIS_URL).llen(queue))
