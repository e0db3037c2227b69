"""Outbound webhooks: events written in the same transaction as the change, their deliveries
in the outbox (`outbox.py`, with a lease), delivered by Celery at least once, signed,
retried with exponential backoff.

Signature: header `X-Bookshelf-Signature: t=<unix time>,v1=<hex>` where hex is
HMAC-SHA256(secret, f"{t}.{raw body}"). During a secret rotation a second `v1=` signed with
the previous secret is added until it expires. Receivers reject old timestamps (replays) and
drop duplicates by the body's stable `id`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from config.exceptions import DomainError
from config.metrics import WEBHOOK_DELIVERIES
from config.requestid import current_request_id

from .. import jobs
from .error_codes import IntegrationErrorCode
from .models import (
    ApiClient,
    DeliveryStatus,
    WebhookDelivery,
    WebhookEvent,
    WebhookEventType,
    WebhookSubscription,
)
from .outbox import Outbox, outbox_register
from .subscribers import subscribers
from .webhook_access import (
    subscription_event_types_check,
    subscription_may_receive,
    subscriptions_listening,
)
from .webhook_http import webhook_post, webhook_url_check

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-Bookshelf-Signature"
ROTATION_GRACE = timedelta(hours=24)
# Deliveries go through the one outbox with a lease; a retry waits for `next_attempt_at`.
WEBHOOK_OUTBOX = outbox_register(
    Outbox(
        name="webhooks",
        model=WebhookDelivery,
        pending=DeliveryStatus.PENDING,
        sending=DeliveryStatus.SENDING,
        due_field="next_attempt_at",
    )
)


def webhook_secret_new() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def subscription_check(
    *, url: str, event_types: list[str], api_client: ApiClient | None
) -> list[str]:
    """What every way of subscribing checks (the API, the admin): known event types the
    client may read, and a URL we may send to. Returns the event types, deduplicated."""
    event_types = list(dict.fromkeys(event_types))
    unknown = sorted(set(event_types) - set(WebhookEventType.values))
    if unknown:
        raise DomainError(
            IntegrationErrorCode.INVALID,
            _("Unknown event types: %(types)s.") % {"types": ", ".join(unknown)},
            field="event_types",
        )
    webhook_url_check(url)
    subscription_event_types_check(event_types=event_types, api_client=api_client)
    return event_types


def subscription_create(
    *,
    name: str,
    url: str,
    event_types: list[str] | None = None,
    api_client: ApiClient | None = None,
) -> WebhookSubscription:
    event_types = subscription_check(url=url, event_types=event_types or [], api_client=api_client)
    subscription = WebhookSubscription(
        name=name,
        url=url,
        event_types=event_types,
        secret=webhook_secret_new(),
        api_client=api_client,
    )
    subscription.full_clean()
    subscription.save()
    return subscription


def subscription_rotate_secret(*, subscription: WebhookSubscription) -> WebhookSubscription:
    """A new secret signs from now on; the old one also signs for a grace period."""
    subscription.previous_secret = subscription.secret
    subscription.previous_secret_expires_at = timezone.now() + ROTATION_GRACE
    subscription.secret = webhook_secret_new()
    subscription.save(
        update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"]
    )
    return subscription


def sign(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(subscription: WebhookSubscription, timestamp: int, body: bytes) -> str:
    parts = [f"t={timestamp}", f"v1={sign(subscription.secret, timestamp, body)}"]
    expires = subscription.previous_secret_expires_at
    if subscription.previous_secret and expires and expires > timezone.now():
        parts.append(f"v1={sign(subscription.previous_secret, timestamp, body)}")
    return ",".join(parts)


def verify_signature(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """What a receiver does (used by the tests' receiver too)."""
    fields = [p.split("=", 1) for p in header.split(",") if "=" in p]
    stamps = [v for k, v in fields if k == "t"]
    if not stamps or not stamps[0].isdigit():
        return False
    timestamp = int(stamps[0])
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body)
    return any(hmac.compare_digest(expected, v) for k, v in fields if k == "v1")


def event_emit(event_type: str, payload: dict[str, Any]) -> WebhookEvent | None:
    """Record an event for every subscriber that may hear it (`webhook_access`), in the
    caller's transaction; deliver after commit.

    A change that rolls back takes its event with it: nothing is ever sent for it.
    """
    now = timezone.now()
    subscriptions = [s for s in subscribers() if subscription_may_receive(s, event_type, now=now)]
    if not subscriptions:
        return None
    event = WebhookEvent.objects.create(
        id=uuid.uuid4(), type=event_type, payload=payload, request_id=current_request_id()[:64]
    )
    deliveries = WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(event=event, subscription=s) for s in subscriptions]
    )
    for delivery in deliveries:
        jobs.enqueue_on_commit(jobs.WEBHOOK_DELIVER, delivery.pk)
    return event


def events_emit_many(events: list[tuple[str, dict[str, Any]]]) -> int:
    """Like `event_emit` for a batch (the nightly jobs): a few queries whatever its size."""
    subscriptions = subscriptions_listening() if events else []
    if not subscriptions:
        return 0
    now = timezone.now()
    rid = current_request_id()[:64]
    rows: list[WebhookEvent] = []
    deliveries: list[WebhookDelivery] = []
    for event_type, payload in events:
        wanted = [s for s in subscriptions if subscription_may_receive(s, event_type, now=now)]
        if not wanted:
            continue
        event = WebhookEvent(id=uuid.uuid4(), type=event_type, payload=payload, request_id=rid)
        rows.append(event)
        deliveries += [WebhookDelivery(event=event, subscription=s) for s in wanted]
    WebhookEvent.objects.bulk_create(rows, batch_size=1000)
    created = WebhookDelivery.objects.bulk_create(deliveries, batch_size=1000)
    for delivery in created:
        jobs.enqueue_on_commit(jobs.WEBHOOK_DELIVER, delivery.pk)
    return len(rows)


def _body(event: WebhookEvent) -> bytes:
    document = {
        "id": str(event.id),
        "type": event.type,
        "created_at": event.created_at.isoformat(),
        "data": event.payload,
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def backoff_seconds(attempt: int) -> float:
    base = float(getattr(settings, "WEBHOOK_BACKOFF_SECONDS", 30))
    return min(base * (2 ** max(attempt - 1, 0)), 6 * 3600)


def delivery_attempt(*, delivery_id: int) -> str:
    """Claim a due delivery through the outbox, post it once, and record the outcome. Returns
    the new status ("skipped" if it was not due or another worker holds it).

    A worker that dies mid-post holds the delivery until its lease expires; then the sweep
    posts it again with the same event id (at least once: receivers drop duplicates by it).
    """
    lease = WEBHOOK_OUTBOX.claim(delivery_id)
    if lease is None:
        return "skipped"
    delivery = WebhookDelivery.objects.select_related(
        "event", "subscription", "subscription__api_client"
    ).get(pk=delivery_id)
    if not subscription_may_receive(delivery.subscription, delivery.event.type):
        # Revoked, expired, out of scope or switched off since the event: never sent.
        lease.release(
            status=DeliveryStatus.WITHHELD,
            last_error=_("withheld: the subscriber may no longer receive this event"),
        )
        WEBHOOK_DELIVERIES.labels(result=DeliveryStatus.WITHHELD).inc()
        return str(DeliveryStatus.WITHHELD)
    code, error, latency = _post(delivery)
    ok = code is not None and 200 <= code < 300
    outcome: dict[str, Any] = {
        "last_status_code": code,
        "last_error": error,
        "last_latency_ms": latency,
    }
    if ok:
        outcome.update(status=DeliveryStatus.SUCCEEDED, delivered_at=timezone.now())
    elif delivery.attempts >= delivery.subscription.max_attempts:
        outcome.update(status=DeliveryStatus.FAILED)
    else:
        outcome.update(
            status=DeliveryStatus.PENDING,
            next_attempt_at=timezone.now() + timedelta(seconds=backoff_seconds(delivery.attempts)),
        )
    if not lease.release(**outcome):
        log.warning("webhook delivery %s: lease expired during the post", delivery_id)
    WEBHOOK_DELIVERIES.labels(result=outcome["status"]).inc()
    return str(outcome["status"])


def _post(delivery: WebhookDelivery) -> tuple[int | None, str, int]:
    """POST the event to the subscriber once: (response code or None, error, latency ms).
    The URL is checked again here (DNS may have changed) and the post goes to the address
    checked, without following redirects (`webhook_http`)."""
    subscription = delivery.subscription
    body = _body(delivery.event)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "benefits-bookshelf-webhooks/1",
        SIGNATURE_HEADER: signature_header(subscription, timestamp, body),
        "X-Bookshelf-Event-Id": str(delivery.event_id),
        "X-Bookshelf-Event-Type": delivery.event.type,
        "X-Request-ID": delivery.event.request_id or "-",
    }
    started = time.monotonic()
    code, error = webhook_post(
        url=subscription.url, body=body, headers=headers, timeout=subscription.timeout_seconds
    )
    return code, error, int((time.monotonic() - started) * 1000)


def deliveries_due(limit: int = 500) -> list[int]:
    """Deliveries to post now: pending ones whose backoff ran out, and claims whose lease
    expired (their worker died)."""
    return WEBHOOK_OUTBOX.due(limit=limit)


def delivery_resend(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """From the admin: give a failed delivery a fresh set of attempts."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
    jobs.enqueue_on_commit(jobs.WEBHOOK_DELIVER, delivery.pk)
    delivery.refresh_from_db()
    return delivery
