"""What customers hold and spend: quota balances, purchases, redemptions (uses), the monthly
usage rollup and the customer's rating of a use."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from benefits.models import Benefit
from config.models import TimeStamped
from customers.models import Customer, Tier


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
    # Of `used`, the uses still held for a supplier (not yet fulfilled). `used` counts them,
    # so the conditional UPDATE that keeps quotas exact keeps holds exact too.
    held = models.PositiveIntegerField(_("held"), default=0, db_default=0)

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
            models.CheckConstraint(
                condition=Q(held__lte=F("used")), name="balance_held_within_used"
            ),
        ]

    def __str__(self) -> str:
        return _("%(benefit)s, %(holder)s, from %(start)s: %(used)s used") % {
            "benefit": self.benefit.code,
            "holder": self.holder.customer_no,
            "start": formats.date_format(self.period_start),
            "used": self.used,
        }


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
    # Of `uses_used`, those still held for a supplier.
    uses_held = models.PositiveIntegerField(_("uses held"), default=0, db_default=0)
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
                condition=Q(uses_held__lte=F("uses_used")), name="purchase_held_within_used"
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0) & Q(total_price__gte=0),
                name="purchase_price_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return _("%(customer)s: %(code)s × %(quantity)s") % {
            "customer": self.customer.customer_no,
            "code": self.benefit_code,
            "quantity": self.quantity,
        }

    @property
    def remaining(self) -> int:
        return self.uses_granted - self.uses_used


class RedemptionStatus(models.TextChoices):
    # Counted against the quota, waiting for its supplier: settled (completed) when
    # fulfilled, given back (cancelled) when it fails or is cancelled before the service.
    HELD = "held", _("Held")
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
    # Who cancelled (a supervisor, or the agent who recorded it within the self-cancel window;
    # empty for the app's API client) and why (bookshelf.ledger.cancellation).
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cancelled by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    # What the use cost the insurer (bookshelf.money): the supplier that delivered it and its
    # contract price in force on the day it was fulfilled; while it is held, the price the
    # budget was charged at the request. Empty when no supplier or no price is known.
    supplier = models.ForeignKey(
        "bookshelf.Supplier",
        verbose_name=_("supplier"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    unit_cost = models.DecimalField(
        _("unit cost (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    # A database default too: the bulk loaders (COPY, raw INSERTs) name their columns.
    cancel_reason = models.CharField(
        _("reason for cancelling"), max_length=300, blank=True, default="", db_default=""
    )

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
        return f"#{self.pk} {self.benefit_code}"  # no customer's internal id on a page


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
    # Snapshots for reading NPS by channel, supplier and agent from this table alone. Database
    # defaults: the bulk loaders name their columns.
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, blank=True, default="", db_default=""
    )
    supplier = models.ForeignKey(
        "bookshelf.Supplier",
        verbose_name=_("supplier"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    agent = models.ForeignKey(
        "customers.Agent",
        verbose_name=_("customer's agent then"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
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
