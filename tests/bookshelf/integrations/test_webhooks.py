from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient

from benefits.services import benefit_put_on_shelf, benefit_retire
from bookshelf.integrations import webhooks
from bookshelf.integrations.services import api_client_create
from bookshelf.ledger.services import purchase_create, redemption_cancel, redemption_create
from bookshelf.models import (
    DeliveryStatus,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from customers.models import PolicyStatus, Tier
from customers.services import policy_create, policy_set_status
from tests.factories import make_benefit, make_customer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("webhooks_in_process")]


def subscribe(receiver, types=None, name="app"):
    return webhooks.subscription_create(name=name, url=receiver.url, event_types=types or [])


def test_delivery_is_signed_and_carries_a_stable_id(receiver, django_capture_on_commit_callbacks):
    subscription = subscribe(receiver, ["redemption.completed"])
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 2})
    with django_capture_on_commit_callbacks(execute=True):
        result = redemption_create(customer=customer, benefit_code=benefit.code)
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    header = request["headers"]["X-Bookshelf-Signature"]
    assert webhooks.verify_signature(subscription.secret, header, request["body"])
    assert not webhooks.verify_signature("whsec_wrong", header, request["body"])
    assert not webhooks.verify_signature(subscription.secret, header, request["body"] + b" ")
    body = receiver.bodies()[0]
    event = WebhookEvent.objects.get()
    assert body["id"] == str(event.id) == request["headers"]["X-Bookshelf-Event-Id"]
    assert body["type"] == "redemption.completed"
    assert body["data"]["redemption_id"] == result.redemption.pk
    assert body["data"]["remaining"] == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.last_status_code == 200
    assert delivery.last_latency_ms is not None


def test_old_timestamps_are_rejected_as_replays(receiver):
    subscription = subscribe(receiver)
    stale = int(timezone.now().timestamp()) - 3600
    body = b'{"id":"x"}'
    header = f"t={stale},v1={webhooks.sign(subscription.secret, stale, body)}"
    assert not webhooks.verify_signature(subscription.secret, header, body)


def test_retried_after_500s_until_delivered(receiver, django_capture_on_commit_callbacks):
    subscribe(receiver, ["redemption.completed"])
    receiver.script = [500, 502]
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 2})
    with django_capture_on_commit_callbacks(execute=True):
        redemption_create(customer=customer, benefit_code=benefit.code)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    for _ in range(3):
        for delivery_id in webhooks.deliveries_due():
            webhooks.delivery_attempt(delivery_id=delivery_id)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        "succeeded",
        3,
        200,
    )
    ids = {b["id"] for b in receiver.bodies()}
    assert len(receiver.requests) == 3 and len(ids) == 1  # same event id: receivers dedupe


def test_marked_failed_after_the_last_attempt_and_resent_from_the_admin(
    receiver, client, django_capture_on_commit_callbacks
):
    from tests.factories import UserFactory

    subscription = subscribe(receiver, ["redemption.completed"])
    WebhookSubscription.objects.filter(pk=subscription.pk).update(max_attempts=2)
    receiver.script = [500, 500]
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 2})
    with django_capture_on_commit_callbacks(execute=True):
        redemption_create(customer=customer, benefit_code=benefit.code)
    for delivery_id in webhooks.deliveries_due():
        webhooks.delivery_attempt(delivery_id=delivery_id)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert webhooks.deliveries_due() == []

    client.force_login(UserFactory(username="ops", is_superuser=True))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/bookshelf/webhookdelivery/",
            {"action": "resend", "_selected_action": [delivery.pk]},
            follow=True,
        )
    assert response.status_code == 200
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    log = client.get("/admin/bookshelf/webhookdelivery/").content.decode()
    assert "redemption.completed" in log


def test_a_rolled_back_change_emits_nothing(receiver, django_capture_on_commit_callbacks):
    subscribe(receiver, ["redemption.completed"])
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 2})
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                redemption_create(customer=customer, benefit_code=benefit.code)
                raise RuntimeError("payment system said no")
        except RuntimeError:
            pass
    assert not WebhookEvent.objects.exists()
    assert receiver.requests == []


def test_a_slow_subscriber_times_out_and_is_retried(receiver, django_capture_on_commit_callbacks):
    subscription = subscribe(receiver, ["redemption.completed"])
    WebhookSubscription.objects.filter(pk=subscription.pk).update(timeout_seconds=1)
    receiver.delay = 1.5
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 2})
    with django_capture_on_commit_callbacks(execute=True):
        redemption_create(customer=customer, benefit_code=benefit.code)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert "timed out" in delivery.last_error.lower() or "timeout" in delivery.last_error.lower()


def test_rotation_signs_with_both_secrets_for_a_while(receiver, django_capture_on_commit_callbacks):
    subscription = subscribe(receiver)
    old = subscription.secret
    webhooks.subscription_rotate_secret(subscription=subscription)
    assert subscription.secret != old
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 2})
    with django_capture_on_commit_callbacks(execute=True):
        redemption_create(customer=customer, benefit_code=benefit.code)
    request = receiver.requests[-1]
    header = request["headers"]["X-Bookshelf-Signature"]
    assert header.count("v1=") == 2
    assert webhooks.verify_signature(subscription.secret, header, request["body"])
    assert webhooks.verify_signature(old, header, request["body"])
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        previous_secret_expires_at=timezone.now() - timedelta(seconds=1)
    )
    subscription.refresh_from_db()
    later = webhooks.signature_header(subscription, 1, b"x")
    assert later.count("v1=") == 1


def test_every_kind_of_event(receiver, django_capture_on_commit_callbacks):
    subscribe(receiver)
    with django_capture_on_commit_callbacks(execute=True):
        customer = make_customer(tier=Tier.ORDINARY)
        policy_create(
            customer=customer,
            policy_no="UPG",
            product_line="annuity",
            annual_premium=Decimal("30000"),
            start_date=timezone.localdate(),
        )
        policy_set_status(policy=customer.policies.get(policy_no="UPG"), status=PolicyStatus.LAPSED)
        benefit = make_benefit(cells={Tier.GOLD: 2}, status="draft")
        benefit_put_on_shelf(benefit=benefit)
        customer.refresh_from_db()
        assert customer.tier == Tier.GOLD  # the downgrade waits for its grace period
        result = redemption_create(customer=customer, benefit_code=benefit.code)
        redemption_cancel(redemption=result.redemption)
        paid = make_benefit(kind="paid", price=Decimal("10.00"))
        purchase_create(
            customer=customer, benefit_code=paid.code, quantity=1, payment_reference="W1"
        )
        benefit_retire(benefit=benefit, reason="rarely used")
    kinds = [b["type"] for b in receiver.bodies()]
    for kind in (
        "customer.tier_changed",
        "customer.tier_downgrade_scheduled",
        "benefit.on_shelf",
        "redemption.completed",
        "redemption.cancelled",
        "purchase.completed",
        "benefit.retired",
    ):
        assert kind in kinds, kind
    changes = [b["data"] for b in receiver.bodies() if b["type"] == "customer.tier_changed"]
    assert [(c["from_tier"], c["to_tier"], c["direction"]) for c in changes] == [
        ("prospect", "ordinary", "up"),
        ("ordinary", "gold", "up"),
    ]
    scheduled = next(
        b["data"] for b in receiver.bodies() if b["type"] == "customer.tier_downgrade_scheduled"
    )
    assert scheduled["to_tier"] == "ordinary" and scheduled["effective_on"]
    text = b" ".join(r["body"] for r in receiver.requests).decode()
    assert customer.phone not in text and customer.id_number not in text


def test_subscriptions_over_the_api(receiver):
    _client, token = api_client_create(name="hooks", scopes=["webhooks", "read"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    created = api.post(
        "/api/v1/webhooks",
        {"name": "app-hooks", "url": receiver.url, "event_types": ["benefit.retired"]},
        format="json",
    )
    assert created.status_code == 201
    assert created.json()["secret"].startswith("whsec_")
    pk = created.json()["id"]
    listed = api.get("/api/v1/webhooks").json()
    assert [s["id"] for s in listed] == [pk] and "secret" not in listed[0]
    rotated = api.post(f"/api/v1/webhooks/{pk}/rotate-secret")
    assert rotated.json()["secret"] != created.json()["secret"]
    bad = api.post(
        "/api/v1/webhooks",
        {"name": "x", "url": "not a url", "event_types": ["nope"]},
        format="json",
    )
    assert bad.status_code == 400
    _other, other_token = api_client_create(name="other", scopes=["webhooks"])
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {other_token}")
    assert other.delete(f"/api/v1/webhooks/{pk}").status_code == 404
    assert api.delete(f"/api/v1/webhooks/{pk}").status_code == 204
    assert not WebhookSubscription.objects.exists()


def test_bulk_tier_recalculation_emits_events(receiver, django_capture_on_commit_callbacks):
    from customers.models import TierRule
    from customers.services import customer_tiers_recalculate

    subscribe(receiver, ["customer.tier_changed"])
    customers = [make_customer(tier=Tier.ORDINARY) for _ in range(3)]
    TierRule.objects.filter(tier=Tier.GOLD).update(min_annual_premium=Decimal("4000"))
    with django_capture_on_commit_callbacks(execute=True):
        customer_tiers_recalculate()
    got = sorted(b["data"]["customer_no"] for b in receiver.bodies())
    assert got == sorted(c.customer_no for c in customers)


def test_the_request_id_follows_the_request_into_the_delivery_task(
    receiver, django_capture_on_commit_callbacks
):
    subscribe(receiver, ["redemption.completed"])
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 2})
    _client, token = api_client_create(name="rid")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"/api/v1/customers/{customer.customer_no}/redemptions",
            {"benefit": benefit.code},
            format="json",
            HTTP_X_REQUEST_ID="trace-0001-abcd",
            HTTP_IDEMPOTENCY_KEY="rid-1",
        )
    assert response["X-Request-ID"] == "trace-0001-abcd"
    assert WebhookEvent.objects.get().request_id == "trace-0001-abcd"
    assert receiver.requests[0]["headers"]["X-Request-Id"] == "trace-0001-abcd"


def test_a_delivery_whose_worker_died_is_posted_again_after_its_lease_with_the_same_event_id(
    receiver, django_capture_on_commit_callbacks
):
    subscribe(receiver, ["redemption.completed"])
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 2})
    with django_capture_on_commit_callbacks(execute=False):
        redemption_create(customer=customer, benefit_code=benefit.code)
    delivery = WebhookDelivery.objects.get()
    # A worker claims it and dies mid-post: while its lease lives nobody else posts it.
    assert webhooks.WEBHOOK_OUTBOX.claim(delivery.pk) is not None
    assert webhooks.deliveries_due() == []
    assert webhooks.delivery_attempt(delivery_id=delivery.pk) == "skipped"
    assert receiver.requests == []
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        locked_until=timezone.now() - timedelta(seconds=1)
    )
    assert webhooks.deliveries_due() == [delivery.pk]
    assert webhooks.delivery_attempt(delivery_id=delivery.pk) == "succeeded"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.locked_until) == ("succeeded", 2, None)
    [request] = receiver.requests
    assert request["headers"]["X-Bookshelf-Event-Id"] == str(delivery.event_id)
    assert receiver.bodies()[0]["id"] == str(delivery.event_id)
