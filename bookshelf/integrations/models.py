"""Other systems: API clients and their idempotency records, outbound webhooks and their
outbox."""

from __future__ import annotations

from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.models import TimeStamped


class IdempotencyRecord(models.Model):
    """The first response to a request carrying an Idempotency-Key, replayed on retries."""

    client_ref = models.CharField(_("client"), max_length=64)
    key = models.CharField(_("idempotency key"), max_length=128)
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("status code"), default=0)
    body = models.JSONField(_("response body"), default=dict)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(fields=["client_ref", "key"], name="idempotency_unique")
        ]

    def __str__(self) -> str:
        return f"{self.client_ref}:{self.key}"


class ApiScope(models.TextChoices):
    READ = "read", _("Read the shelf and history")
    REDEEM = "redeem", _("Record and cancel redemptions")
    PURCHASE = "purchase", _("Buy paid add-ons")
    SIGNAL = "signal", _("Send demand signals, events and feedback")
    WEBHOOKS = "webhooks", _("Manage webhook subscriptions")
    CONSENT = "consent", _("Record customers' consents (given and withdrawn)")
    # An agent's own token for the agents' mobile app: their worklist and its actions only.
    WORKLIST = "worklist", _("An agent's worklist and its actions")


def app_channel_only() -> list[str]:
    # The ledger's `Channel.APP`, spelled out: integrations import no feature.
    return ["app"]


class ApiClient(TimeStamped):
    """A calling system (the customer app's backend...) with its own bearer token.

    Only a SHA-256 digest of the token is stored: the token is random (256 bits), so a fast
    digest is as safe as a password hash here and keeps each request's lookup cheap.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    token_prefix = models.CharField(_("token prefix"), max_length=12, editable=False)
    token_hash = models.CharField(_("token digest"), max_length=64, unique=True, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
    channels = models.JSONField(
        _("channels"),
        default=app_channel_only,
        help_text=_("The channels this client may record uses on; the first is its default."),
    )
    # Set for an agent's own token (scope `worklist`): the client acts as this agent.
    agent = models.ForeignKey(
        "customers.Agent",
        verbose_name=_("agent"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="api_clients",
    )
    is_active = models.BooleanField(_("active"), default=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")

    def __str__(self) -> str:
        return f"{self.name} ({self.token_prefix}…)"

    def is_usable(self, now: Any = None) -> bool:
        now = now or timezone.now()
        return (
            self.is_active
            and self.revoked_at is None
            and (self.expires_at is None or self.expires_at > now)
        )


class WebhookEventType(models.TextChoices):
    TIER_CHANGED = "customer.tier_changed", _("Customer tier changed")
    TIER_DOWNGRADE_SCHEDULED = "customer.tier_downgrade_scheduled", _("Tier downgrade scheduled")
    BENEFIT_ON_SHELF = "benefit.on_shelf", _("Benefit put on the shelf")
    BENEFIT_RETIRED = "benefit.retired", _("Benefit retired")
    BENEFIT_PUSHED = "benefit.pushed", _("Benefit pushed to a customer")
    QUOTA_EXPIRING = "quota.expiring", _("Quota expiring soon")
    REDEMPTION_COMPLETED = "redemption.completed", _("Redemption completed")
    REDEMPTION_CANCELLED = "redemption.cancelled", _("Redemption cancelled")
    REDEMPTION_BOOKED = "redemption.booked", _("Redemption booked by its supplier")
    REDEMPTION_ISSUED = "redemption.issued", _("Redemption issued (a code or a shipment)")
    REDEMPTION_FULFILLED = "redemption.fulfilled", _("Redemption fulfilled")
    REDEMPTION_FAILED = "redemption.failed", _("Redemption failed")
    REDEMPTION_EXPIRED = "redemption.expired", _("Redemption expired")
    CODE_POOL_LOW = "code_pool.low", _("Code pool running low")
    BUDGET_WARNING = "budget.warning", _("Budget reached its warning level")
    PURCHASE_COMPLETED = "purchase.completed", _("Purchase completed")
    FEEDBACK_DETRACTOR = "feedback.detractor", _("A customer would not recommend a benefit")


class WebhookSubscription(TimeStamped):
    """Another system that wants to hear what happens on the shelf."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=128, editable=False)
    previous_secret = models.CharField(
        _("previous secret"), max_length=128, blank=True, editable=False
    )
    previous_secret_expires_at = models.DateTimeField(
        _("previous secret valid until"), null=True, blank=True, editable=False
    )
    event_types = models.JSONField(
        _("event types"), default=list, blank=True, help_text=_("Empty: every event.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    timeout_seconds = models.PositiveSmallIntegerField(
        _("timeout (seconds)"), default=5, validators=[MinValueValidator(1), MaxValueValidator(30)]
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("attempts before failing"),
        default=8,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
    )
    api_client = models.ForeignKey(
        ApiClient,
        verbose_name=_("owned by API client"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhook_subscriptions",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self) -> str:
        return self.name

    def wants(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types


class WebhookEvent(models.Model):
    """The outbox: one row per domain event, written in the transaction of the change."""

    id = models.UUIDField(_("event id"), primary_key=True, editable=False)
    type = models.CharField(_("type"), max_length=64, choices=WebhookEventType.choices)
    payload = models.JSONField(_("payload"), default=dict)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("occurred at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")

    def __str__(self) -> str:
        return f"{self.type} {self.id}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SUCCEEDED = "succeeded", _("Delivered")
    FAILED = "failed", _("Failed")
    # Not sent: its subscriber's client was revoked, expired or lost the scope meanwhile.
    WITHHELD = "withheld", _("Withheld")


class WebhookDelivery(models.Model):
    """One event to one subscriber: retried with backoff until delivered or out of attempts."""

    event = models.ForeignKey(
        WebhookEvent, verbose_name=_("event"), on_delete=models.CASCADE, related_name="deliveries"
    )
    subscription = models.ForeignKey(
        WebhookSubscription,
        verbose_name=_("subscription"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("last response code"), null=True)
    last_error = models.CharField(_("last error"), max_length=255, blank=True)
    last_latency_ms = models.PositiveIntegerField(_("last latency (ms)"), null=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(fields=["event", "subscription"], name="delivery_unique")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]

    def __str__(self) -> str:
        return _("%(event)s → %(subscription)s: %(status)s") % {
            "event": self.event_id,
            "subscription": self.subscription_id,
            "status": self.get_status_display(),
        }
