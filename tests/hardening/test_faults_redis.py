"""Redis down: the cache, the throttle and the Celery broker (and result backend) all point at
a closed port. The read API keeps answering from the database; writes commit with their
outbox rows pending; once the broker is back, the sweeps deliver each of them exactly once."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from bookshelf.integrations import webhooks
from bookshelf.integrations.tasks import webhooks_sweep_task as webhooks_sweep
from bookshelf.models import (
    AgentSuggestion,
    CustomerEvent,
    DeliveryStatus,
    OutboxMessage,
    OutboxStatus,
    QuotaBalance,
    Redemption,
    WebhookDelivery,
)
from bookshelf.reach.services import push_create
from bookshelf.reach.tasks import pushes_requeue_task as requeue_pending_pushes
from bookshelf.reach.tasks import suggestions_sweep_task as suggestions_sweep
from config.celery import app as celery_app
from customers.models import Tier
from tests.bookshelf.integrations.receiver import Receiver
from tests.factories import make_benefit, make_customer

pytestmark = pytest.mark.django_db

DOWN = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def _celery_reconnect() -> None:
    """Drop pooled broker connections and the result backend, so the new URLs are used."""
    celery_app.close()
    celery_app._backend = celery_app._get_backend()


class Outage:
    def __init__(self, settings) -> None:
        conf = celery_app.conf
        self.saved = (conf.broker_url, conf.result_backend, conf.task_always_eager)
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": DOWN,
                "KEY_PREFIX": "down",
            }
        }
        conf.broker_url, conf.result_backend, conf.task_always_eager = DOWN, DOWN, False
        _celery_reconnect()

    def broker_back(self) -> None:
        """The broker is back: tasks run (eagerly, in this process, like a worker would)."""
        conf = celery_app.conf
        conf.broker_url, conf.result_backend = self.saved[0], self.saved[1]
        conf.task_always_eager = True
        _celery_reconnect()

    def end(self) -> None:
        conf = celery_app.conf
        conf.broker_url, conf.result_backend, conf.task_always_eager = self.saved
        _celery_reconnect()


@pytest.fixture
def outage(settings):
    state = Outage(settings)
    yield state
    state.end()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def test_the_cache_really_is_down(outage):
    from django.core.cache import cache

    with pytest.raises(Exception, match=r"(?i)connect"):
        cache.get("anything")


def test_the_read_api_keeps_answering(outage, app_api, caplog):
    customer = make_customer(tier=Tier.GOLD, tags=["chronic_condition"])
    benefit = make_benefit(cells={Tier.GOLD: 3}, category_code="HLT")
    no = customer.customer_no
    with caplog.at_level(logging.WARNING):
        for _ in range(2):  # the second time, nothing was cached either
            shelf = app_api.get(f"/api/v1/customers/{no}/bookshelf")
            assert shelf.status_code == 200, shelf.content
            codes = [b["code"] for c in shelf.json()["categories"] for b in c["benefits"]]
            assert codes == [benefit.code]
            recs = app_api.get(f"/api/v1/customers/{no}/recommendations")
            assert recs.status_code == 200, recs.content
            assert [r["code"] for r in recs.json()["recommendations"]] == [benefit.code]
            for url in (
                "/api/v1/benefits",
                f"/api/v1/benefits/{benefit.code}",
                "/api/v1/categories",
                f"/api/v1/customers/{no}/redemptions",
                f"/api/v1/customers/{no}/purchases",
            ):
                response = app_api.get(url)
                assert response.status_code == 200, (url, response.content)
    assert "cache unavailable" in caplog.text or "shelf cache unavailable" in caplog.text


def test_writes_commit_with_their_outbox_and_are_delivered_once_when_redis_is_back(
    outage, app_api, receiver, django_capture_on_commit_callbacks
):
    webhooks.subscription_create(name="app", url=receiver.url)
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 3})
    no = customer.customer_no

    with django_capture_on_commit_callbacks(execute=True):
        response = app_api.post(
            f"/api/v1/customers/{no}/redemptions",
            {"benefit": benefit.code},
            format="json",
            HTTP_IDEMPOTENCY_KEY="redis-down-1",
        )
    assert response.status_code == 201, response.content
    with django_capture_on_commit_callbacks(execute=True):
        push = push_create(customer=customer, benefit_code=benefit.code, channel="app_message")
    with django_capture_on_commit_callbacks(execute=True):
        event = app_api.post(
            f"/api/v1/customers/{no}/events",
            {"kind": "claim_filed", "external_id": "CLM-1"},
            format="json",
        )
    assert event.status_code == 201, event.content

    # Everything committed; nothing left the building.
    assert Redemption.objects.filter(holder=customer).count() == 1
    assert QuotaBalance.objects.get(holder=customer).used == 1
    message = OutboxMessage.objects.get(push=push)
    assert message.status == OutboxStatus.PENDING
    deliveries = WebhookDelivery.objects.all()
    events = sorted(deliveries.values_list("event__type", flat=True))
    assert {"redemption.completed", "benefit.pushed"} <= set(events)
    assert set(deliveries.values_list("status", flat=True)) == {DeliveryStatus.PENDING}
    assert CustomerEvent.objects.get(external_id="CLM-1").suggested_at is None
    assert receiver.requests == []

    # Time passes, Redis comes back, beat runs the sweeps (twice: a sweep is safe to repeat).
    OutboxMessage.objects.update(created_at=timezone.now() - timedelta(minutes=10))
    outage.broker_back()
    for _ in range(2):
        requeue_pending_pushes.delay()
        webhooks_sweep.delay()
        suggestions_sweep.delay()

    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert message.attempts == 1
    assert sorted(b["type"] for b in receiver.bodies()) == events  # each event once
    assert len({b["id"] for b in receiver.bodies()}) == len(events)
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {
        DeliveryStatus.SUCCEEDED
    }
    assert set(WebhookDelivery.objects.values_list("attempts", flat=True)) == {1}
    assert CustomerEvent.objects.get(external_id="CLM-1").suggested_at is not None
    assert AgentSuggestion.objects.filter(customer=customer).exists()
