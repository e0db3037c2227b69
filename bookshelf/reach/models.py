"""Benefits find the customer: life events, agents' suggestions, recommendation tuning, peer
usage, pushes and their outbox messages."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from benefits.models import Benefit
from config.models import TimeStamped
from customers.models import Customer, Tier


class EventKind(models.TextChoices):
    CLAIM_FILED = "claim_filed", _("Claim filed")
    HOSPITAL_VISIT = "hospital_visit", _("Hospital visit")
    POLICY_ANNIVERSARY = "policy_anniversary", _("Policy anniversary")
    BIRTHDAY = "birthday", _("Birthday")
    TRIP_BOOKED = "trip_booked", _("Trip booked")
    NEW_FAMILY_MEMBER = "new_family_member", _("New family member")


class CustomerEvent(models.Model):
    """A moment that matters, posted by another system (claims, travel, CRM...)."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=24, choices=EventKind.choices)
    occurred_at = models.DateTimeField(_("occurred at"), db_index=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    source = models.CharField(_("reported by"), max_length=100, blank=True)
    external_id = models.CharField(_("external id"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("received at"), default=timezone.now)
    suggested_at = models.DateTimeField(_("turned into suggestions at"), null=True, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("customer event")
        verbose_name_plural = _("customer events")
        indexes = [models.Index(fields=["customer", "-occurred_at"], name="event_customer_time")]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "source", "external_id"],
                condition=~Q(external_id=""),
                name="event_external_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.kind}"


class SuggestionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted (pushed)")
    DISMISSED = "dismissed", _("Dismissed")


class AgentSuggestion(models.Model):
    """Something for the agent to do for a customer now, and why ("claim filed yesterday:
    offer the hospital escort"). Made by the event and quota-expiry jobs, once each."""

    agent = models.ForeignKey(
        "customers.Agent",
        verbose_name=_("agent"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="suggestions",
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="suggestions"
    )
    benefit = models.ForeignKey(
        Benefit, verbose_name=_("benefit"), on_delete=models.CASCADE, related_name="suggestions"
    )
    # In English and Chinese (`reason_en`, `reason_zh_hans`: `bookshelf/translation.py`).
    reason = models.CharField(_("why"), max_length=255)
    dedupe_key = models.CharField(_("key"), max_length=120, unique=True)
    event = models.ForeignKey(
        CustomerEvent,
        verbose_name=_("event"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="suggestions",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=SuggestionStatus.choices, default=SuggestionStatus.OPEN
    )
    push = models.ForeignKey(
        "bookshelf.Push",
        verbose_name=_("push"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="suggestions",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("agent suggestion")
        verbose_name_plural = _("agent suggestions")
        indexes = [models.Index(fields=["agent", "status"], name="suggestion_agent_open")]

    def __str__(self) -> str:
        return self.reason


class RecommendationWeights(TimeStamped):
    """How much each signal counts when ranking a customer's benefits: one row, tuned by
    product staff in the admin."""

    profile_tag = models.FloatField(_("matches a profile tag"), default=2.0)
    family = models.FloatField(_("suits the family (children, elderly parents)"), default=2.0)
    life_event = models.FloatField(_("fits a recent life event"), default=4.0)
    expiring = models.FloatField(_("unused uses expiring soon"), default=1.5)
    expiring_days = models.PositiveSmallIntegerField(_("'soon' means within (days)"), default=45)
    peers = models.FloatField(_("popular with similar customers"), default=20.0)
    habit = models.FloatField(_("the customer uses it already"), default=5.0)
    novelty = models.FloatField(_("not used yet"), default=0.3)
    product_line = models.FloatField(_("comes with a policy they hold"), default=1.0)
    event_window_days = models.PositiveSmallIntegerField(_("events count for (days)"), default=30)

    class Meta:
        verbose_name = _("recommendation weights")
        verbose_name_plural = _("recommendation weights")

    def __str__(self) -> str:
        return str(_("Recommendation weights"))


class PeerUsage(models.Model):
    """Share of customers of one tier and age band who used a benefit over the last year:
    the "popular with platinum customers aged 40-49" signal, refreshed by a nightly job."""

    tier = models.PositiveSmallIntegerField(_("tier"), choices=Tier.choices)
    age_band = models.PositiveSmallIntegerField(_("age band (decade)"))
    benefit = models.ForeignKey(
        Benefit, verbose_name=_("benefit"), on_delete=models.CASCADE, related_name="+"
    )
    users = models.PositiveIntegerField(_("customers who used it"))
    customers = models.PositiveIntegerField(_("customers in the group"))
    share = models.FloatField(_("share"))
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)

    class Meta:
        ordering = ["tier", "age_band", "-share"]
        verbose_name = _("peer usage")
        verbose_name_plural = _("peer usage")
        constraints = [
            models.UniqueConstraint(fields=["tier", "age_band", "benefit"], name="peerusage_unique")
        ]

    def __str__(self) -> str:
        return f"{self.tier}/{self.age_band}/{self.benefit_id}: {self.share:.2f}"


class PushChannel(models.TextChoices):
    APP_MESSAGE = "app_message", _("App message")
    SMS = "sms", _("SMS")


class Push(models.Model):
    """An agent recommends a benefit the customer can use now (权益找客户): who, what, how."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="pushes"
    )
    benefit = models.ForeignKey(
        Benefit, verbose_name=_("benefit"), on_delete=models.PROTECT, related_name="pushes"
    )
    benefit_code = models.CharField(_("benefit code"), max_length=40)
    channel = models.CharField(_("channel"), max_length=12, choices=PushChannel.choices)
    note = models.CharField(_("note to the customer"), max_length=300, blank=True)
    pushed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("pushed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("pushed at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("push")
        verbose_name_plural = _("pushes")
        indexes = [models.Index(fields=["customer", "-created_at"], name="push_customer_time")]

    def __str__(self) -> str:
        return f"{self.benefit_code} → {self.customer_id} ({self.get_channel_display()})"


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    # The customer withdrew consent for the channel after the push was queued: never sent,
    # never retried.
    REFUSED = "refused", _("Refused: no consent")


class OutboxMessage(models.Model):
    """A message to a customer, written in the same transaction as the push that asks for it.

    A row of the outbox with a lease (bookshelf.integrations.outbox): the delivery task claims
    it with a conditional UPDATE (pending, or sending with an expired lease -> sending until
    `locked_until`), so two workers never hold it at once, and a worker that dies mid-send is
    replaced once the lease ends. Delivery is at least once; every send carries the row's id
    as the gateway's idempotency reference. The gateway's own reference is kept once sent.
    """

    push = models.OneToOneField(
        Push, verbose_name=_("push"), on_delete=models.CASCADE, related_name="outbox"
    )
    channel = models.CharField(_("channel"), max_length=12, choices=PushChannel.choices)
    recipient = models.CharField(
        _("recipient"),
        max_length=20,
        help_text=_("The customer number; the sender looks up the address."),
    )
    body = models.TextField(_("message"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=OutboxStatus.choices,
        default=OutboxStatus.PENDING,
        db_index=True,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    delivery_ref = models.CharField(_("delivery reference"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("queued at"), default=timezone.now, db_index=True)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_channel_display()} → {self.recipient}"
