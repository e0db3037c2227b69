"""Writes of the integrations: API clients, Idempotency-Key records, webhook subscriptions,
events and their deliveries, the outbox with a lease that delivers them (and pushes)."""

from __future__ import annotations

from .clients import api_client_create, api_client_revoke
from .idempotency import (
    form_token_consume,
    idempotency_key_check,
    idempotency_prune,
    idempotent_call,
    request_fingerprint,
)
from .outbox import Lease, Outbox, outbox_register
from .webhooks import (
    WEBHOOK_OUTBOX,
    deliveries_due,
    delivery_attempt,
    delivery_resend,
    event_emit,
    events_emit_many,
    subscription_check,
    subscription_create,
    subscription_rotate_secret,
    webhook_secret_new,
)

__all__ = [
    "WEBHOOK_OUTBOX",
    "Lease",
    "Outbox",
    "api_client_create",
    "api_client_revoke",
    "deliveries_due",
    "delivery_attempt",
    "delivery_resend",
    "event_emit",
    "events_emit_many",
    "form_token_consume",
    "idempotency_key_check",
    "idempotency_prune",
    "idempotent_call",
    "outbox_register",
    "request_fingerprint",
    "subscription_check",
    "subscription_create",
    "subscription_rotate_secret",
    "webhook_secret_new",
]
