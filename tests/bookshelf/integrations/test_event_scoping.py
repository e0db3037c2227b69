"""Events go only to subscribers whose API client may read what they carry, and stop the
moment the client is revoked, expires or loses the scope."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from bookshelf.integrations import webhooks
from bookshelf.integrations.services import api_client_create, api_client_revoke
from bookshelf.ledger.services import purchase_create, redemption_create
from bookshelf.models import (
    ApiClient,
    DeliveryStatus,
    WebhookDelivery,
    WebhookEventType,
    WebhookSubscription,
)
from config.exceptions import DomainError
from customers.models import Tier, TierRule
from customers.services import customer_tiers_recalculate
from tests.bookshelf.integrations.receiver import Receiver
from tests.factories import make_benefit, make_customer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("webhooks_in_process")]


def client_subscribed(receiver, scopes, types=None, name="c"):
    client, token = api_client_create(name=name, scopes=scopes)
    subscription = WebhookSubscription.objects.create(
        name=name, url=receiver.url, event_types=types or [], secret="whsec_x", api_client=client
    )
    return client, subscription, token


_references = iter(range(1, 1000))


def redeem_and_buy() -> None:
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 5})
    redemption_create(customer=customer, benefit_code=benefit.code)
    paid = make_benefit(kind="paid", price=Decimal("10.00"))
    purchase_create(
        customer=customer,
        benefit_code=paid.code,
        quantity=1,
        payment_reference=f"P{next(_references)}",
    )


def types_received(receiver) -> set[str]:
    """What arrived of the redemption and the purchase (making a customer changes its tier)."""
    return {b["type"] for b in receiver.bodies()} & {"redemption.completed", "purchase.completed"}


def test_a_webhooks_only_client_receives_nothing_it_may_not_read(
    receiver, django_capture_on_commit_callbacks
):
    client_subscribed(receiver, ["webhooks"])
    with django_capture_on_commit_callbacks(execute=True):
        redeem_and_buy()
    assert receiver.requests == []
    assert not WebhookDelivery.objects.exists()


def test_each_client_receives_what_its_scopes_read(django_capture_on_commit_callbacks):
    readers, buyers, admins = Receiver(), Receiver(), Receiver()
    try:
        client_subscribed(readers, ["webhooks", "read"], name="reader")
        client_subscribed(buyers, ["webhooks", "purchase"], name="buyer")
        # Made in the admin, owned by no client: the operators' own, every event.
        webhooks.subscription_create(name="ops", url=admins.url)
        with django_capture_on_commit_callbacks(execute=True):
            redeem_and_buy()
        assert types_received(readers) == {"redemption.completed"}
        assert types_received(buyers) == {"purchase.completed"}
        assert types_received(admins) == {"redemption.completed", "purchase.completed"}
    finally:
        readers.close()
        buyers.close()
        admins.close()


def test_subscribing_to_events_the_client_may_not_read_is_refused_over_the_api(receiver):
    _client, token = api_client_create(name="hooks", scopes=["webhooks"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    for types in (["redemption.completed"], ["purchase.completed"], ["customer.tier_changed"]):
        response = api.post(
            "/api/v1/webhooks",
            {"name": "spy", "url": receiver.url, "event_types": types},
            format="json",
        )
        assert response.status_code == 400, types
        body = response.json()
        assert body["code"] == "webhook_event_not_permitted"
        assert "event_types" in body["fields"]
    assert not WebhookSubscription.objects.exists()


def test_subscribing_to_what_the_scopes_read_is_accepted(receiver):
    client, _token = api_client_create(name="hooks", scopes=["webhooks", "redeem"])
    subscription = webhooks.subscription_create(
        name="ok", url=receiver.url, event_types=["redemption.completed"], api_client=client
    )
    assert subscription.event_types == ["redemption.completed"]
    with pytest.raises(DomainError) as info:
        webhooks.subscription_create(
            name="no", url=receiver.url, event_types=["purchase.completed"], api_client=client
        )
    assert info.value.code == "webhook_event_not_permitted"


def test_a_revoked_client_hears_nothing_more_not_even_what_was_pending(
    receiver, django_capture_on_commit_callbacks
):
    client, _s, _t = client_subscribed(receiver, ["webhooks", "read", "purchase"])
    with django_capture_on_commit_callbacks(execute=False):
        redeem_and_buy()  # two deliveries pending, their tasks not run yet
    pending = WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING).count()
    assert pending >= 2
    api_client_revoke(client=client)
    for delivery in WebhookDelivery.objects.all():
        webhooks.delivery_attempt(delivery_id=delivery.pk)
    assert receiver.requests == []
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {
        DeliveryStatus.WITHHELD
    }
    with django_capture_on_commit_callbacks(execute=True):
        redeem_and_buy()
    assert receiver.requests == []
    assert WebhookDelivery.objects.count() == pending  # the fan-out made no new ones


def test_an_expired_client_hears_nothing(receiver, django_capture_on_commit_callbacks):
    client, _s, _t = client_subscribed(receiver, ["webhooks", "read", "purchase"])
    with django_capture_on_commit_callbacks(execute=False):
        redeem_and_buy()
    pending = WebhookDelivery.objects.count()
    ApiClient.objects.filter(pk=client.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    for delivery in WebhookDelivery.objects.all():
        assert webhooks.delivery_attempt(delivery_id=delivery.pk) == DeliveryStatus.WITHHELD
    with django_capture_on_commit_callbacks(execute=True):
        redeem_and_buy()
    assert receiver.requests == []
    assert WebhookDelivery.objects.count() == pending


def test_a_scope_taken_away_stops_its_events_at_once(receiver, django_capture_on_commit_callbacks):
    client, _s, _t = client_subscribed(receiver, ["webhooks", "read", "purchase"])
    with django_capture_on_commit_callbacks(execute=False):
        redeem_and_buy()
    ApiClient.objects.filter(pk=client.pk).update(scopes=["webhooks", "read"])
    for delivery in WebhookDelivery.objects.select_related("event"):
        webhooks.delivery_attempt(delivery_id=delivery.pk)
    assert types_received(receiver) == {"redemption.completed"}
    ApiClient.objects.filter(pk=client.pk).update(scopes=["read", "purchase"])
    with django_capture_on_commit_callbacks(execute=True):
        redeem_and_buy()  # without the webhooks scope the client has no subscriptions
    assert [b["type"] for b in receiver.bodies()].count("redemption.completed") == 1
    assert types_received(receiver) == {"redemption.completed"}


def test_a_deactivated_subscription_sends_nothing_pending(
    receiver, django_capture_on_commit_callbacks
):
    subscription = webhooks.subscription_create(name="ops", url=receiver.url)
    with django_capture_on_commit_callbacks(execute=False):
        redeem_and_buy()
    WebhookSubscription.objects.filter(pk=subscription.pk).update(is_active=False)
    for delivery in WebhookDelivery.objects.all():
        webhooks.delivery_attempt(delivery_id=delivery.pk)
    assert receiver.requests == []


def test_the_nightly_batch_is_scoped_too(receiver, django_capture_on_commit_callbacks):
    """A subscription made before the check (types it may not read) gets nothing either."""
    client_subscribed(receiver, ["webhooks"], types=["customer.tier_changed"], name="old")
    make_customer(tier=Tier.ORDINARY)
    TierRule.objects.filter(tier=Tier.GOLD).update(min_annual_premium=Decimal("4000"))
    with django_capture_on_commit_callbacks(execute=True):
        customer_tiers_recalculate()
    assert receiver.requests == []


def test_every_event_type_names_the_scopes_that_read_it():
    from bookshelf.integrations.webhook_access import EVENT_SCOPES

    assert set(EVENT_SCOPES) == set(WebhookEventType.values)
    assert all(EVENT_SCOPES.values())
    assert EVENT_SCOPES[WebhookEventType.PURCHASE_COMPLETED] == frozenset({"purchase"})
