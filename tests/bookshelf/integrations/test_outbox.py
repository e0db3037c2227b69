"""One outbox with a lease, for pushes and webhook deliveries: a claim holds a row until its
lease ends and counts an attempt; a claim whose lease expired (its worker died) is claimed
again, a live one is not; two workers racing for a row: exactly one wins; a worker that
overran its lease cannot overwrite the outcome of the one that took over; the backlog gauge
counts both outboxes."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from benefits.models import Benefit
from bookshelf.integrations import webhooks
from bookshelf.integrations.services import WEBHOOK_OUTBOX, Outbox
from bookshelf.models import (
    DeliveryStatus,
    OutboxMessage,
    OutboxStatus,
    WebhookDelivery,
    WebhookSubscription,
)
from bookshelf.reach.services import PUSH_OUTBOX, push_create
from customers.models import Tier
from tests.factories import UserFactory, make_benefit, make_customer

pytestmark = pytest.mark.django_db

OUTBOXES = {"pushes": (PUSH_OUTBOX, OutboxMessage), "webhooks": (WEBHOOK_OUTBOX, WebhookDelivery)}


def _push_row(benefit: Benefit | None = None) -> int:
    """The pending outbox message of a real push (reset, if eager tasks delivered it)."""
    benefit = benefit or make_benefit(cells={Tier.GOLD: 2})
    customer = make_customer(tier=Tier.GOLD)
    push = push_create(customer=customer, benefit_code=benefit.code, channel="sms")
    OutboxMessage.objects.filter(pk=push.outbox.pk).update(
        status=OutboxStatus.PENDING, attempts=0, locked_until=None
    )
    return push.outbox.pk


def _delivery_rows(n: int = 1) -> list[int]:
    """Pending webhook deliveries, written by the service that emits events (reset, if eager
    tasks tried them)."""
    webhooks.subscription_create(name="hook", url="http://127.0.0.1:1/hook")
    events = [webhooks.event_emit("redemption.completed", {"n": i}) for i in range(n)]
    rows = WebhookDelivery.objects.filter(event__in=events).order_by("pk")
    rows.update(
        status=DeliveryStatus.PENDING,
        attempts=0,
        next_attempt_at=timezone.now(),
        locked_until=None,
    )
    return list(rows.values_list("pk", flat=True))


@pytest.fixture(params=sorted(OUTBOXES))
def row(request, django_capture_on_commit_callbacks) -> tuple[Outbox, type, int]:
    """(outbox, model, id of a pending row), for pushes and for webhook deliveries."""
    outbox, model = OUTBOXES[request.param]
    with django_capture_on_commit_callbacks(execute=False):  # no delivery: the test claims
        pk = _push_row() if request.param == "pushes" else _delivery_rows()[0]
    return outbox, model, pk


def _state(model: type, pk: int) -> tuple:
    return model.objects.filter(pk=pk).values_list("status", "attempts", "locked_until").get()


def test_a_claim_holds_the_row_for_the_lease_and_counts_an_attempt(row, settings):
    outbox, model, pk = row
    settings.BOOKSHELF_OUTBOX_LEASE_SECONDS = 45
    assert outbox.due() == [pk]
    before = timezone.now()
    lease = outbox.claim(pk)
    assert lease is not None
    assert before + timedelta(seconds=45) <= lease.until <= timezone.now() + timedelta(seconds=45)
    assert _state(model, pk) == (outbox.sending, 1, lease.until)
    # Held: neither a second worker nor the sweep takes it while the lease lives.
    assert outbox.claim(pk) is None
    assert outbox.due() == []
    assert _state(model, pk) == (outbox.sending, 1, lease.until)


def test_a_claim_whose_lease_expired_is_claimed_again_and_the_late_worker_is_fenced_off(row):
    outbox, model, pk = row
    first = outbox.claim(pk)
    assert first is not None
    model.objects.filter(pk=pk).update(locked_until=timezone.now() - timedelta(seconds=1))
    assert outbox.due() == [pk]
    second = outbox.claim(pk)
    assert second is not None and second.until > timezone.now()
    assert _state(model, pk) == (outbox.sending, 2, second.until)
    # The first worker comes back late: its outcome is not written, the new claim holds.
    assert first.release(status=outbox.pending) is False
    assert _state(model, pk) == (outbox.sending, 2, second.until)
    assert second.release(status=outbox.pending) is True
    assert _state(model, pk) == (outbox.pending, 2, None)


def test_a_row_left_sending_without_a_lease_is_free(row):
    """Pushes a worker died sending before pushes had a lease: the next claim takes them."""
    outbox, model, pk = row
    model.objects.filter(pk=pk).update(status=outbox.sending, attempts=1, locked_until=None)
    assert outbox.due() == [pk]
    assert outbox.claim(pk) is not None
    assert _state(model, pk)[:2] == (outbox.sending, 2)


def test_finished_rows_are_never_claimed(row):
    outbox, model, pk = row
    lease = outbox.claim(pk)
    assert lease is not None and lease.release(status="failed") is True
    model.objects.filter(pk=pk).update(locked_until=timezone.now() - timedelta(hours=1))
    assert outbox.claim(pk) is None
    assert outbox.due() == []


def test_a_webhook_retry_waits_for_its_backoff(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        [pk] = _delivery_rows()
    WebhookDelivery.objects.filter(pk=pk).update(
        next_attempt_at=timezone.now() + timedelta(minutes=1)
    )
    assert WEBHOOK_OUTBOX.claim(pk) is None
    assert webhooks.deliveries_due() == []
    WebhookDelivery.objects.filter(pk=pk).update(next_attempt_at=timezone.now())
    assert webhooks.deliveries_due() == [pk]


def test_the_lease_outlasts_the_longest_webhook_post(settings):
    timeout = WebhookSubscription._meta.get_field("timeout_seconds")
    longest = max(v.limit_value for v in timeout.validators if hasattr(v, "limit_value"))
    assert longest == 30
    assert settings.BOOKSHELF_OUTBOX_LEASE_SECONDS == 60 > longest


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", sorted(OUTBOXES))
def test_two_workers_racing_for_one_row_exactly_one_claims_it(name, celery_eager):
    """Eight workers at once, five times: for a pending row, then for one whose lease
    expired. Each time exactly one claim wins."""
    if connection.vendor != "postgresql":
        pytest.fail("needs PostgreSQL's concurrent transactions: set DATABASE_URL")
    outbox, model = OUTBOXES[name]
    pk = _push_row() if name == "pushes" else _delivery_rows()[0]
    for round_no in range(5):
        won = _race(8, lambda: outbox.claim(pk) is not None)
        assert sorted(won) == [False] * 7 + [True], round_no
        assert _state(model, pk)[:2] == (outbox.sending, round_no + 1)
        model.objects.filter(pk=pk).update(locked_until=timezone.now() - timedelta(seconds=1))


def _race(n: int, claim: Callable[[], bool]) -> list[bool]:
    """`claim` in n threads released at once, each on its own database connection."""
    barrier = threading.Barrier(n)
    won: list[bool] = []

    def worker() -> None:
        barrier.wait()
        try:
            won.append(claim())
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return won


def _scrape() -> dict[tuple[str, str], float]:
    client = Client()
    client.force_login(UserFactory(username="ops"))
    response = client.get("/metrics")
    assert response.status_code == 200
    return {
        (sample.name, sample.labels["outbox"]): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
        if sample.name.startswith("bookshelf_outbox_")
    }


def test_the_backlog_gauge_counts_both_outboxes(django_capture_on_commit_callbacks):
    benefit = make_benefit(cells={Tier.GOLD: 2})
    with django_capture_on_commit_callbacks(execute=False):
        pushes = [_push_row(benefit) for _ in range(4)]
        deliveries = _delivery_rows(2)
    now = timezone.now()
    OutboxMessage.objects.filter(pk=pushes[0]).update(created_at=now - timedelta(minutes=10))
    OutboxMessage.objects.filter(pk=pushes[1]).update(status=OutboxStatus.SENDING)
    OutboxMessage.objects.filter(pk=pushes[2]).update(status=OutboxStatus.SENT)
    OutboxMessage.objects.filter(pk=pushes[3]).update(status=OutboxStatus.FAILED)
    WebhookDelivery.objects.filter(pk=deliveries[0]).update(created_at=now - timedelta(minutes=5))
    WebhookDelivery.objects.filter(pk=deliveries[1]).update(status=DeliveryStatus.SUCCEEDED)

    samples = _scrape()
    assert samples[("bookshelf_outbox_backlog", "pushes")] == 2  # pending + sending
    assert samples[("bookshelf_outbox_backlog", "webhooks")] == 1
    assert 600 <= samples[("bookshelf_outbox_oldest_age_seconds", "pushes")] < 660
    assert 300 <= samples[("bookshelf_outbox_oldest_age_seconds", "webhooks")] < 360

    OutboxMessage.objects.update(status=OutboxStatus.SENT)
    samples = _scrape()
    assert samples[("bookshelf_outbox_backlog", "pushes")] == 0
    assert samples[("bookshelf_outbox_oldest_age_seconds", "pushes")] == 0
    assert samples[("bookshelf_outbox_backlog", "webhooks")] == 1
