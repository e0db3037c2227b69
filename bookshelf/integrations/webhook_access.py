"""Who may hear which event: a subscriber owned by an API client gets an event only if that
client may read what the event carries, and only while the client is usable.

- Each event type names the scopes that read its data (any one suffices); an event type not
  in the map goes to no client (deny by default). Redemptions are read with `read` (the
  history) or `redeem` (who records them); purchases carry the payment reference, so only
  `purchase`; the rest (tiers, the shelf, pushes, expiring quotas) is what `read` shows.
- The client also needs the `webhooks` scope: it is what lets it hold subscriptions at all.
- Revoked, deactivated or expired clients get nothing, from that moment: checked when an
  event fans out and again when each delivery is sent (pending ones are withheld).
- Subscriptions owned by no client are made by staff in the admin (with the model
  permission): the operators' own integrations, and they get what they chose.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from config.exceptions import DomainError

from .error_codes import IntegrationErrorCode
from .models import ApiClient, ApiScope, WebhookEventType, WebhookSubscription

_READ = frozenset({ApiScope.READ.value})
EVENT_SCOPES: dict[str, frozenset[str]] = {
    WebhookEventType.TIER_CHANGED: _READ,
    WebhookEventType.TIER_DOWNGRADE_SCHEDULED: _READ,
    WebhookEventType.BENEFIT_ON_SHELF: _READ,
    WebhookEventType.BENEFIT_RETIRED: _READ,
    WebhookEventType.BENEFIT_PUSHED: _READ,
    WebhookEventType.QUOTA_EXPIRING: _READ,
    WebhookEventType.REDEMPTION_COMPLETED: frozenset({ApiScope.READ, ApiScope.REDEEM}),
    WebhookEventType.REDEMPTION_CANCELLED: frozenset({ApiScope.READ, ApiScope.REDEEM}),
    WebhookEventType.REDEMPTION_BOOKED: frozenset({ApiScope.READ, ApiScope.REDEEM}),
    WebhookEventType.REDEMPTION_ISSUED: frozenset({ApiScope.READ, ApiScope.REDEEM}),
    WebhookEventType.REDEMPTION_FULFILLED: frozenset({ApiScope.READ, ApiScope.REDEEM}),
    WebhookEventType.REDEMPTION_FAILED: frozenset({ApiScope.READ, ApiScope.REDEEM}),
    WebhookEventType.REDEMPTION_EXPIRED: frozenset({ApiScope.READ, ApiScope.REDEEM}),
    # No customer in it: what the shelf shows (the app may mark a benefit running out).
    WebhookEventType.CODE_POOL_LOW: _READ,
    # No customer in it either: a benefit's or a category's spending for the period.
    WebhookEventType.BUDGET_WARNING: _READ,
    WebhookEventType.PURCHASE_COMPLETED: frozenset({ApiScope.PURCHASE.value}),
    # The score and the use, never the comment (read in the admin): who reads feedback.
    WebhookEventType.FEEDBACK_DETRACTOR: frozenset({ApiScope.READ, ApiScope.SIGNAL}),
}


def client_may_receive(
    client: ApiClient | None, event_type: str, *, now: datetime | None = None
) -> bool:
    if client is None:
        return True  # staff-made in the admin: the operators' own
    scopes = set(client.scopes or [])
    return (
        client.is_usable(now)
        and ApiScope.WEBHOOKS in scopes
        and bool(scopes & EVENT_SCOPES.get(event_type, frozenset()))
    )


def subscription_may_receive(
    subscription: WebhookSubscription, event_type: str, *, now: datetime | None = None
) -> bool:
    return (
        subscription.is_active
        and subscription.wants(event_type)
        and client_may_receive(subscription.api_client, event_type, now=now)
    )


def subscriptions_listening() -> list[WebhookSubscription]:
    """Active subscriptions whose client (if any) is usable now, with the client loaded."""
    now = timezone.now()
    usable = Q(
        api_client__is_active=True,
        api_client__revoked_at__isnull=True,
    ) & (Q(api_client__expires_at__isnull=True) | Q(api_client__expires_at__gt=now))
    return list(
        WebhookSubscription.objects.filter(is_active=True)
        .filter(Q(api_client__isnull=True) | usable)
        .select_related("api_client")
    )


def subscription_event_types_check(*, event_types: list[str], api_client: ApiClient | None) -> None:
    """Refuse subscribing a client to events it may not read. Empty means every event the
    client may read, so it is always allowed."""
    if api_client is None:
        return
    refused = sorted(t for t in event_types if not client_may_receive(api_client, t))
    if refused:
        raise DomainError(
            IntegrationErrorCode.WEBHOOK_EVENT_NOT_PERMITTED,
            _("This client's scopes may not read these events: %(types)s.")
            % {"types": ", ".join(refused)},
            field="event_types",
        )
