"""What a customer gets: shelf cells (tier x benefit), eligibility, balances, redemptions,
purchases and demand signals."""

from __future__ import annotations

from decimal import Decimal
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
from config.models import TimeStamped
from customers.models import Customer, ProductLine, Tier


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
                | (~Q(period="unlimited") & Q(quota__isnull=False) & Q(quota__gte=1)),
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
    """One use of a benefit, with a snapshot of what the review needs (tier, codes).

    The table that grows without bound. On PostgreSQL it is range-partitioned by month on
    `created_at` (migration 0008, `bookshelf.partitions`): the primary key in the database is
    (id, created_at), Django still treats `id` as the key, and foreign keys pointing here are
    `db_constraint=False` (PostgreSQL cannot reference a partitioned table by `id` alone). The
    single-column foreign-key indexes are left out: the composite indexes below lead with the
    same columns, and the rarely set purchase and recorder get small partial indexes.
    """

    holder = models.ForeignKey(
        Customer,
        verbose_name=_("holder"),
        on_delete=models.PROTECT,
        related_name="redemptions",
        help_text=_("Whose allowance the use spent."),
        db_index=False,
    )
    beneficiary = models.ForeignKey(
        Customer,
        verbose_name=_("beneficiary"),
        on_delete=models.PROTECT,
        related_name="redemptions_received",
        help_text=_("Who used it: the holder or a family member."),
        db_index=False,
    )
    benefit = models.ForeignKey(
        Benefit,
        verbose_name=_("benefit"),
        on_delete=models.PROTECT,
        related_name="redemptions",
        db_index=False,
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    purchase = models.ForeignKey(
        Purchase,
        verbose_name=_("purchase"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="redemptions",
        db_index=False,
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
        db_index=False,
    )
    # Time is indexed by the partitions themselves and, on PostgreSQL, a BRIN index.
    created_at = models.DateTimeField(_("used at"), default=timezone.now)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        indexes = [
            models.Index(fields=["holder", "-created_at"], name="redemption_holder_time"),
            models.Index(fields=["beneficiary", "-created_at"], name="redemption_benef_time"),
            models.Index(fields=["benefit", "created_at"], name="redemption_benefit_time"),
            models.Index(
                fields=["purchase"],
                condition=Q(purchase__isnull=False),
                name="redemption_purchase",
            ),
            models.Index(
                fields=["recorded_by"],
                condition=Q(recorded_by__isnull=False),
                name="redemption_recorded_by",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.benefit_code} for {self.beneficiary_id}"


class UsageMonth(models.Model):
    """Completed uses of one benefit by one customer (the beneficiary) in one calendar month.

    A rollup of the redemptions, kept in step in the redemption's own transaction (+1 on a
    use, -1 on its cancellation; `bookshelf.usage`). The recommendations read "used 3 times in
    the last year" from a dozen of these rows instead of counting a year of redemptions
    across twelve monthly partitions on every call. Months past the window are pruned.
    """

    # No single-column indexes: the unique constraint leads with the customer, and a benefit
    # with uses cannot be deleted (redemptions protect it).
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    benefit = models.ForeignKey(
        Benefit,
        verbose_name=_("benefit"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    uses = models.PositiveIntegerField(_("uses"), default=0)

    class Meta:
        verbose_name = _("monthly use")
        verbose_name_plural = _("monthly uses")
        constraints = [
            # Also the index of the hot read: one customer's rows, months in a range.
            models.UniqueConstraint(
                fields=["customer", "month", "benefit"], name="usage_month_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.benefit_id} {self.month:%Y-%m}: {self.uses}"


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
    text_key = models.CharField(
        _("grouping key"),
        max_length=200,
        blank=True,
        editable=False,
        help_text=_("The request's words, normalised: requests with the same key are grouped."),
    )
    created_at = models.DateTimeField(_("asked at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("demand signal")
        verbose_name_plural = _("demand signals")
        indexes = [
            models.Index(fields=["created_at", "category", "text_key"], name="demand_review"),
        ]

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


class ApiScope(models.TextChoices):
    READ = "read", _("Read the shelf and history")
    REDEEM = "redeem", _("Record and cancel redemptions")
    PURCHASE = "purchase", _("Buy paid add-ons")
    SIGNAL = "signal", _("Send demand signals, events and feedback")
    WEBHOOKS = "webhooks", _("Manage webhook subscriptions")


class ApiClient(TimeStamped):
    """A calling system (the customer app's backend...) with its own bearer token.

    Only a SHA-256 digest of the token is stored: the token is random (256 bits), so a fast
    digest is as safe as a password hash here and keeps each request's lookup cheap.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    token_prefix = models.CharField(_("token prefix"), max_length=12, editable=False)
    token_hash = models.CharField(_("token digest"), max_length=64, unique=True, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
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
    PURCHASE_COMPLETED = "purchase.completed", _("Purchase completed")


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
        return f"{self.event_id} → {self.subscription_id}: {self.status}"


# -- Satisfaction and the living shelf ----------------------------------------------------------


class RedemptionFeedback(models.Model):
    """The customer's answer to "how likely are you to recommend this benefit to family and
    friends?" (0-10) after one use: one answer per redemption. The benefit and the holder's
    tier are copied from the redemption so the review aggregates this table alone."""

    # No database constraint: the redemption table is partitioned on PostgreSQL, and its key
    # there is (id, created_at). Django still cascades deletes.
    redemption = models.OneToOneField(
        Redemption,
        verbose_name=_("redemption"),
        on_delete=models.CASCADE,
        related_name="feedback",
        db_constraint=False,
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="feedback"
    )
    benefit = models.ForeignKey(
        Benefit, verbose_name=_("benefit"), on_delete=models.CASCADE, related_name="feedback"
    )
    tier_snapshot = models.PositiveSmallIntegerField(_("holder's tier then"), choices=Tier.choices)
    score = models.PositiveSmallIntegerField(
        _("likely to recommend (0-10)"), validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("answered at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("redemption feedback")
        verbose_name_plural = _("redemption feedback")
        indexes = [
            models.Index(fields=["benefit", "created_at"], name="feedback_benefit_time"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=10), name="feedback_score_0_10"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.redemption_id}: {self.score}"


class ReviewSettings(TimeStamped):
    """The thresholds of the shelf review, edited by product staff. The row without a category
    is the default; a row for a top-level category overrides it for that category's benefits."""

    category = models.OneToOneField(
        Category,
        verbose_name=_("top-level category"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        limit_choices_to={"parent__isnull": True},
        related_name="review_settings",
        help_text=_("Leave empty for the default that every other category follows."),
    )
    min_usage_rate = models.DecimalField(
        _("minimum usage rate"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.0100"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text=_(
            "Share of the customers who could use a benefit that did use it in the window; "
            "below it in every tier that holds it, usage is low (0.01 = 1%)."
        ),
    )
    min_eligible = models.PositiveIntegerField(
        _("customers needed to judge a tier"),
        default=30,
        validators=[MinValueValidator(1)],
        help_text=_(
            "A tier with fewer customers who could use the benefit is shown but not judged: "
            "a rate over a handful of customers is noise."
        ),
    )
    consecutive_reviews = models.PositiveSmallIntegerField(
        _("low reviews in a row before proposing"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_(
            "The review looks back itself at the windows of the previous reviews (one every "
            "'review every' days), so a missed run never resets the count."
        ),
    )
    window_days = models.PositiveSmallIntegerField(
        _("usage window (days)"),
        default=90,
        validators=[MinValueValidator(7), MaxValueValidator(730)],
        help_text=_("How far back the scheduled review counts uses; read from the default row."),
    )
    review_every_days = models.PositiveSmallIntegerField(
        _("review every (days)"),
        default=7,
        validators=[MinValueValidator(1)],
        help_text=_("The cadence of the review schedule; read from the default row."),
    )
    grace_days = models.PositiveIntegerField(
        _("grace period for new benefits (days)"),
        default=180,
        help_text=_("A benefit on the shelf for less than this is never proposed."),
    )
    promote_nps = models.SmallIntegerField(
        _("NPS that keeps a rarely used benefit"),
        default=50,
        validators=[MinValueValidator(-100), MaxValueValidator(100)],
        help_text=_("A rarely used benefit rated at least this is flagged to promote, not retire."),
    )
    nps_days = models.PositiveIntegerField(
        _("NPS over the last (days)"),
        default=365,
        validators=[MinValueValidator(1)],
        help_text=_(
            "Answers are few for rarely used benefits, so the NPS looks back further than the "
            "usage window; read from the default row."
        ),
    )
    min_responses = models.PositiveIntegerField(
        _("answers needed for the NPS to count"), default=5, validators=[MinValueValidator(1)]
    )
    response_days = models.PositiveIntegerField(
        _("days to answer a retirement proposal"),
        default=14,
        validators=[MinValueValidator(1)],
        help_text=_("A proposal nobody answers in this time retires the benefit automatically."),
    )
    demand_threshold = models.PositiveIntegerField(
        _("requests that make a pull proposal"),
        default=10,
        validators=[MinValueValidator(1)],
        help_text=_("Requests for the same thing in the window; read from the default row."),
    )
    notify_recent_days = models.PositiveIntegerField(
        _("tell agents of customers who used it in the last (days)"), default=90
    )

    class Meta:
        ordering = ["category__path_code"]
        verbose_name = _("review settings")
        verbose_name_plural = _("review settings")

    def __str__(self) -> str:
        if self.category_id is None:
            return str(_("Default review settings"))
        return str(_("Review settings for %(code)s") % {"code": self.category})

    def clean(self) -> None:
        if self.category_id is None:
            clash = ReviewSettings.objects.filter(category__isnull=True).exclude(pk=self.pk)
            if clash.exists():
                raise ValidationError(
                    {"category": _("There is already a default row: edit it instead.")}
                )
        elif Category.objects.filter(pk=self.category_id, parent__isnull=False).exists():
            raise ValidationError({"category": _("Choose a top-level category.")})

    def thresholds(self) -> dict[str, Any]:
        return {
            "min_usage_rate": float(self.min_usage_rate),
            "min_eligible": self.min_eligible,
            "consecutive_reviews": self.consecutive_reviews,
            "grace_days": self.grace_days,
            "promote_nps": self.promote_nps,
            "min_responses": self.min_responses,
            "nps_days": self.nps_days,
            "review_every_days": self.review_every_days,
            "window_days": self.window_days,
            "response_days": self.response_days,
            "demand_threshold": self.demand_threshold,
            "notify_recent_days": self.notify_recent_days,
        }


class ReviewStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ReviewRun(models.Model):
    """One review of the shelf over one window. (window_end, window_days) is its key: the same
    review run twice, or retried after a worker died, is this one row."""

    window_end = models.DateField(
        _("window end"), help_text=_("The window covers the days before this date.")
    )
    window_days = models.PositiveSmallIntegerField(_("window (days)"))
    status = models.CharField(
        _("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.RUNNING
    )
    thresholds = models.JSONField(
        _("thresholds used"),
        default=dict,
        help_text=_("The review settings as they were when the run started."),
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    benefits_reviewed = models.PositiveIntegerField(_("benefits reviewed"), default=0)
    retire_proposals = models.PositiveIntegerField(_("retirement proposals"), default=0)
    pull_proposals = models.PositiveIntegerField(_("pull proposals"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-window_end", "-window_days"]
        verbose_name = _("shelf review")
        verbose_name_plural = _("shelf reviews")
        constraints = [
            models.UniqueConstraint(fields=["window_end", "window_days"], name="reviewrun_window")
        ]

    def __str__(self) -> str:
        return str(
            _("Review to %(end)s (%(days)s days)")
            % {"end": self.window_end.isoformat(), "days": self.window_days}
        )


class Verdict(models.TextChoices):
    HEALTHY = "healthy", _("Healthy")
    LOW = "low", _("Low usage")
    GRACE = "grace", _("Low usage, new benefit")
    PROMOTE = "promote", _("Keep, promote it")
    RETIRE = "retire", _("Propose retirement")
    PENDING = "pending", _("Proposal open")
    TOO_FEW = "too_few", _("Too few customers to judge")


class ReviewFinding(models.Model):
    """What the review saw of one benefit in one tier (or, with no tier, in all its tiers:
    then `rate` is the best tier's rate and `verdict` is the benefit's)."""

    run = models.ForeignKey(
        ReviewRun, verbose_name=_("review"), on_delete=models.CASCADE, related_name="findings"
    )
    benefit = models.ForeignKey(
        Benefit, verbose_name=_("benefit"), on_delete=models.CASCADE, related_name="findings"
    )
    tier = models.PositiveSmallIntegerField(
        _("tier"), choices=Tier.choices, null=True, blank=True, help_text=_("Empty: all tiers.")
    )
    eligible = models.PositiveIntegerField(_("customers who could use it"), default=0)
    users = models.PositiveIntegerField(_("customers who used it"), default=0)
    uses = models.PositiveIntegerField(_("uses"), default=0)
    rate = models.FloatField(_("usage rate"), null=True, blank=True)
    responses = models.PositiveIntegerField(_("NPS answers"), default=0)
    promoters = models.PositiveIntegerField(_("promoters (9-10)"), default=0)
    detractors = models.PositiveIntegerField(_("detractors (0-6)"), default=0)
    nps = models.SmallIntegerField(_("NPS"), null=True, blank=True)
    low_streak = models.PositiveSmallIntegerField(_("low reviews in a row"), default=0)
    verdict = models.CharField(_("verdict"), max_length=15, choices=Verdict.choices)

    class Meta:
        ordering = ["run", "benefit__code", "tier"]
        verbose_name = _("review finding")
        verbose_name_plural = _("review findings")
        constraints = [
            models.UniqueConstraint(
                fields=["run", "benefit", "tier"],
                condition=Q(tier__isnull=False),
                name="finding_unique_tier",
            ),
            models.UniqueConstraint(
                fields=["run", "benefit"],
                condition=Q(tier__isnull=True),
                name="finding_unique_benefit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.benefit_id}/{self.tier}: {self.verdict}"


class ProposalKind(models.TextChoices):
    RETIRE = "retire", _("Take off the shelf")
    PULL = "pull", _("Pull onto the shelf")


class ProposalStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for product staff")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Kept / dismissed")
    AUTO_RETIRED = "auto_retired", _("Retired automatically (no answer)")


class Proposal(models.Model):
    """What a review proposes: retire a rarely used benefit, or pull a loudly requested one
    onto the shelf. `evidence` keeps the numbers that made the proposal."""

    run = models.ForeignKey(
        ReviewRun, verbose_name=_("review"), on_delete=models.CASCADE, related_name="proposals"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ProposalKind.choices)
    key = models.CharField(
        _("what it is about"),
        max_length=250,
        help_text=_("benefit:<code> for a retirement; the request group for a pull."),
    )
    benefit = models.ForeignKey(
        Benefit,
        verbose_name=_("benefit"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="proposals",
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposals",
    )
    title = models.CharField(_("title"), max_length=500)
    requests = models.PositiveIntegerField(_("requests"), default=0)
    customers = models.PositiveIntegerField(_("customers asking"), default=0)
    tiers = models.JSONField(
        _("requests by tier"), default=dict, blank=True, help_text=_("Tier value → requests.")
    )
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=15, choices=ProposalStatus.choices, default=ProposalStatus.PENDING
    )
    deadline = models.DateTimeField(_("answer by"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("proposed at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("shelf proposal")
        verbose_name_plural = _("shelf proposals")
        indexes = [models.Index(fields=["status", "deadline"], name="proposal_due")]
        constraints = [
            models.UniqueConstraint(fields=["run", "kind", "key"], name="proposal_unique_in_run"),
            models.CheckConstraint(
                condition=~Q(kind="retire") | Q(benefit__isnull=False),
                name="proposal_retire_has_benefit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"


class NotificationKind(models.TextChoices):
    BENEFIT_RETIRED = "benefit_retired", _("A benefit your customers used was retired")


class AgentNotification(models.Model):
    """A message for an agent. `event_key` makes each event reach each agent once, however
    often the job that sends it runs."""

    agent = models.ForeignKey(
        "customers.Agent",
        verbose_name=_("agent"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices)
    event_key = models.CharField(_("event"), max_length=120)
    benefit = models.ForeignKey(
        Benefit,
        verbose_name=_("benefit"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    customers = models.PositiveIntegerField(_("customers concerned"), default=0)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("agent notification")
        verbose_name_plural = _("agent notifications")
        constraints = [
            models.UniqueConstraint(fields=["agent", "event_key"], name="notification_once")
        ]

    def __str__(self) -> str:
        return f"{self.agent_id}: {self.event_key}"

    @property
    def message(self) -> str:
        if self.kind == NotificationKind.BENEFIT_RETIRED and self.benefit is not None:
            return str(
                _(
                    "%(benefit)s has been retired. %(n)s of your customers used it recently; "
                    "their purchased uses stay valid until they expire."
                )
                % {"benefit": self.benefit, "n": self.customers}
            )
        return str(self.get_kind_display())


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
    reason = models.CharField(_("why"), max_length=255)
    reason_zh = models.CharField(_("why (Chinese)"), max_length=255, blank=True)
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
