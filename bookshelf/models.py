"""What a customer gets: shelf cells (tier x benefit), eligibility, balances, redemptions,
purchases and demand signals."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from benefits.models import Benefit, Category
from customers.models import Customer, ProductLine, Tier


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class QuotaPeriod(models.TextChoices):
    CALENDAR_YEAR = "calendar_year", _("Per calendar year")
    CALENDAR_MONTH = "calendar_month", _("Per month")
    POLICY_YEAR = "policy_year", _("Per policy year")
    UNLIMITED = "unlimited", _("Unlimited")


class ShelfCell(TimeStamped):
    """What one tier gets of one benefit: the quota per period and the family's share of it."""

    tier = models.PositiveSmallIntegerField(_("tier"), choices=Tier.choices, db_index=True)
    benefit = models.ForeignKey(
        Benefit, verbose_name=_("benefit"), on_delete=models.CASCADE, related_name="shelf_cells"
    )
    period = models.CharField(
        _("quota period"),
        max_length=16,
        choices=QuotaPeriod.choices,
        default=QuotaPeriod.CALENDAR_YEAR,
    )
    quota = models.PositiveIntegerField(
        _("uses per period"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Empty only when the period is unlimited."),
    )
    family_quota = models.PositiveIntegerField(
        _("uses family may take"),
        default=0,
        help_text=_("How many of each period's uses family members may take (shareable only)."),
    )

    history = HistoricalRecords(verbose_name=_("historical shelf cell"))

    class Meta:
        ordering = ["tier", "benefit__code"]
        verbose_name = _("shelf cell")
        verbose_name_plural = _("shelf cells")
        permissions = [
            ("view_shelf_matrix", _("Can see the shelf matrix with usage rates")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["tier", "benefit"], name="shelfcell_unique"),
            models.CheckConstraint(
                condition=(Q(period="unlimited") & Q(quota__isnull=True))
                | (~Q(period="unlimited") & Q(quota__gte=1)),
                name="shelfcell_quota_matches_period",
            ),
            models.CheckConstraint(
                condition=Q(quota__isnull=True) | Q(family_quota__lte=F("quota")),
                name="shelfcell_family_within_quota",
            ),
        ]

    def __str__(self) -> str:
        quota = "∞" if self.quota is None else self.quota
        benefit = self.benefit.code if ShelfCell.benefit.is_cached(self) else self.benefit_id
        return f"{Tier(self.tier).label} × {benefit}: {quota}"

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.quota is not None and self.quota < 1:
            errors["quota"] = _("A quota is at least one use per period.")
        if self.period == QuotaPeriod.UNLIMITED and self.quota is not None:
            errors["quota"] = _("An unlimited benefit has no quota: leave it empty.")
        if self.period != QuotaPeriod.UNLIMITED and self.quota is None:
            errors["quota"] = _("Give the number of uses per period, or choose unlimited.")
        if self.family_quota and self.quota is not None and self.family_quota > self.quota:
            errors["family_quota"] = _("Family cannot take more uses than the quota.")
        if self.family_quota and self.benefit_id is not None:
            shareable = (
                Benefit.objects.filter(pk=self.benefit_id)
                .values_list("shareable", flat=True)
                .first()
            )
            if not shareable:
                errors["family_quota"] = _("This benefit is not shareable with family.")
        if errors:
            raise ValidationError(errors)


class Eligibility(TimeStamped):
    """Rules beyond tier: a product line the holder must hold in force, an age range."""

    benefit = models.OneToOneField(
        Benefit, verbose_name=_("benefit"), on_delete=models.CASCADE, related_name="eligibility"
    )
    requires_product_line = models.CharField(
        _("requires an in-force policy of"),
        max_length=20,
        choices=ProductLine.choices,
        blank=True,
    )
    min_age = models.PositiveSmallIntegerField(
        _("minimum age"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    max_age = models.PositiveSmallIntegerField(
        _("maximum age"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )

    class Meta:
        ordering = ["benefit"]
        verbose_name = _("eligibility rule")
        verbose_name_plural = _("eligibility rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_age__isnull=True)
                | Q(max_age__isnull=True)
                | Q(min_age__lte=F("max_age")),
                name="eligibility_age_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.benefit_id}"

    def clean(self) -> None:
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            raise ValidationError({"max_age": _("The maximum age is below the minimum age.")})


class Source(models.TextChoices):
    TIER = "tier", _("Tier")
    PURCHASE = "purchase", _("Purchase")
    FAMILY = "family", _("Shared by a family member")


class Channel(models.TextChoices):
    APP = "app", _("App")
    AGENT = "agent", _("Agent")
    PHONE = "phone", _("Phone")
    COUNTER = "counter", _("Counter")


class QuotaBalance(models.Model):
    """Uses spent of one holder's tier allowance of one benefit in one period.

    Redemptions move these counters with conditional UPDATEs (`used < quota`), so two requests
    for the last use can never both win, on PostgreSQL or SQLite.
    """

    holder = models.ForeignKey(
        Customer, verbose_name=_("holder"), on_delete=models.CASCADE, related_name="balances"
    )
    benefit = models.ForeignKey(
        Benefit, verbose_name=_("benefit"), on_delete=models.CASCADE, related_name="balances"
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"), null=True, blank=True)
    used = models.PositiveIntegerField(_("used"), default=0)
    family_used = models.PositiveIntegerField(_("used by family"), default=0)

    class Meta:
        ordering = ["holder", "benefit", "period_start"]
        verbose_name = _("quota balance")
        verbose_name_plural = _("quota balances")
        constraints = [
            models.UniqueConstraint(
                fields=["holder", "benefit", "period_start"], name="balance_unique_period"
            ),
            models.CheckConstraint(
                condition=Q(family_used__lte=F("used")), name="balance_family_within_used"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.holder_id}/{self.benefit_id}@{self.period_start}: {self.used}"


class Purchase(TimeStamped):
    """A paid benefit bought by a customer: the price paid (a snapshot) and the uses it grants."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="purchases"
    )
    benefit = models.ForeignKey(
        Benefit, verbose_name=_("benefit"), on_delete=models.PROTECT, related_name="purchases"
    )
    quantity = models.PositiveIntegerField(
        _("quantity"), validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    unit_price = models.DecimalField(_("unit price (yuan)"), max_digits=10, decimal_places=2)
    total_price = models.DecimalField(_("total paid (yuan)"), max_digits=12, decimal_places=2)
    uses_granted = models.PositiveIntegerField(_("uses granted"))
    uses_used = models.PositiveIntegerField(_("uses used"), default=0)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    payment_reference = models.CharField(_("payment reference"), max_length=64, unique=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=128, blank=True)
    benefit_code = models.CharField(_("benefit code"), max_length=40)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("purchase")
        verbose_name_plural = _("purchases")
        indexes = [models.Index(fields=["customer", "valid_until"], name="purchase_active")]
        constraints = [
            models.CheckConstraint(
                condition=Q(uses_used__lte=F("uses_granted")), name="purchase_used_within_granted"
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0) & Q(total_price__gte=0),
                name="purchase_price_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.benefit_code} x{self.quantity}"

    @property
    def remaining(self) -> int:
        return self.uses_granted - self.uses_used


class RedemptionStatus(models.TextChoices):
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class Redemption(models.Model):
    """One use of a benefit, with a snapshot of what the review needs (tier, codes)."""

    holder = models.ForeignKey(
        Customer,
        verbose_name=_("holder"),
        on_delete=models.PROTECT,
        related_name="redemptions",
        help_text=_("Whose allowance the use spent."),
    )
    beneficiary = models.ForeignKey(
        Customer,
        verbose_name=_("beneficiary"),
        on_delete=models.PROTECT,
        related_name="redemptions_received",
        help_text=_("Who used it: the holder or a family member."),
    )
    benefit = models.ForeignKey(
        Benefit, verbose_name=_("benefit"), on_delete=models.PROTECT, related_name="redemptions"
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    purchase = models.ForeignKey(
        Purchase,
        verbose_name=_("purchase"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="redemptions",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=RedemptionStatus.choices,
        default=RedemptionStatus.COMPLETED,
    )
    period_start = models.DateField(_("period start"), null=True, blank=True)
    period_end = models.DateField(_("period end"), null=True, blank=True)
    tier_snapshot = models.PositiveSmallIntegerField(_("holder's tier then"), choices=Tier.choices)
    benefit_code = models.CharField(_("benefit code"), max_length=40)
    category_code = models.CharField(_("top category"), max_length=4)
    remaining_after = models.IntegerField(_("remaining after"), null=True, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=128, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("used at"), default=timezone.now, db_index=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        indexes = [
            models.Index(fields=["holder", "-created_at"], name="redemption_holder_time"),
            models.Index(fields=["beneficiary", "-created_at"], name="redemption_benef_time"),
            models.Index(fields=["benefit", "created_at"], name="redemption_benefit_time"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.benefit_code} for {self.beneficiary_id}"


class DemandSource(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Agent")


class DemandSignal(models.Model):
    """A customer or agent asks for a benefit that is not on the shelf."""

    text = models.CharField(_("what was asked for"), max_length=500)
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="demand_signals",
    )
    benefit = models.ForeignKey(
        Benefit,
        verbose_name=_("existing benefit"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="demand_signals",
    )
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="demand_signals",
    )
    source = models.CharField(
        _("asked by"), max_length=10, choices=DemandSource.choices, default=DemandSource.CUSTOMER
    )
    tier_snapshot = models.PositiveSmallIntegerField(
        _("customer's tier then"), choices=Tier.choices, null=True, blank=True
    )
    created_at = models.DateTimeField(_("asked at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("demand signal")
        verbose_name_plural = _("demand signals")

    def __str__(self) -> str:
        return self.text[:60]


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


class OutboxMessage(models.Model):
    """A message to a customer, written in the same transaction as the push that asks for it.

    The delivery task claims it with a conditional UPDATE (pending -> sending), so a retried or
    duplicated task never sends it twice; the sender's reference is kept once it is sent.
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
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_channel_display()} → {self.recipient}"
