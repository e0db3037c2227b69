"""A supplier's callback retried at once from several threads, on PostgreSQL: the state moves
once, one event is written, every answer is the same fulfilment."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection

from bookshelf.fulfilment.services import supplier_key_create, use_request
from bookshelf.models import Fulfilment, FulfilmentEvent, FulfilmentState, QuotaBalance
from customers.models import Tier
from tests.bookshelf.api.supplier_calls import events_url, signed
from tests.factories import make_benefit, make_customer, make_supplier

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CONCURRENT = 5


def _soon() -> str:
    from datetime import timedelta

    from django.utils import timezone

    return (timezone.now() + timedelta(days=10)).isoformat()


def test_a_callback_replayed_ten_times_five_at_once_changes_the_state_once():
    benefit = make_benefit(cells={Tier.GOLD: 2}, fulfilment_kind="booked")
    supplier = make_supplier("escort-co", benefits=[benefit])
    key, secret = supplier_key_create(supplier=supplier)
    customer = make_customer(tier=Tier.GOLD)
    fulfilment = use_request(customer=customer, benefit_code=benefit.code).fulfilment
    url = events_url(supplier, fulfilment.pk)
    body = {"event_id": "evt-77", "type": "booked", "appointment_at": _soon()}
    barrier = threading.Barrier(CONCURRENT)
    answers: Counter[tuple[int, str, str]] = Counter()
    lock = threading.Lock()

    def call(wait: bool) -> None:
        try:
            if wait:
                barrier.wait(timeout=30)
            response = signed("post", url, key.key_id, secret, body)
            outcome = (
                response.status_code,
                response.json().get("state", response.json().get("code")),
                response.get("Idempotent-Replayed", "first"),
            )
        finally:
            connection.close()
        with lock:
            answers[outcome] += 1

    threads = [threading.Thread(target=call, args=(True,)) for _ in range(CONCURRENT)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    for _ in range(10 - CONCURRENT):
        call(False)

    assert answers == Counter({(200, "booked", "first"): 1, (200, "booked", "true"): 9})
    assert Fulfilment.objects.get(pk=fulfilment.pk).state == FulfilmentState.BOOKED
    assert FulfilmentEvent.objects.filter(fulfilment=fulfilment, to_state="booked").count() == 1
    balance = QuotaBalance.objects.get(holder=customer, benefit=benefit)
    assert (balance.used, balance.held) == (1, 1)
