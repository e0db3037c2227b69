"""Who delivers a benefit and where a use stands: suppliers, which benefits they deliver and
at what service level, their callback keys, each held use's fulfilment and its events, the
cases a missed service level opens, and the code pools of issued benefits.

A use of an *instant* benefit is born fulfilled and has no row here. A use of a *booked* or
*issued* benefit is held on the quota when requested (`Redemption.status` "held") and has a
`Fulfilment` that walks the transition table (`bookshelf.fulfilment.transitions`); the
ledger settles or gives back the hold when the fulfilment ends.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from benefits.models import Benefit, FulfilmentKind
from config.models import TimeStamped
from customers.models import Customer

from ..ledger.models import Purchase, Redemption


class Supplier(TimeStamped):
    """A partner that delivers benefits: a doctors' platform, a medical-services company, a
    check-up centre, a rescue company, a merchant."""

    code = models.SlugField(
        _("code"),
        max_length=40,
        unique=True,
        help_text=_("Short and stable: it is in the supplier's callback address."),
    )
    name = models.CharField(_("name"), max_length=120)
    contact_name = models.CharField(_("contact person"), max_length=80, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    service_hours = models.CharField(
        _("service hours"),
        max_length=80,
        blank=True,
        help_text=_("When the supplier answers, in its time zone, e.g. 08:00-22:00."),
    )
    time_zone = models.CharField(_("time zone"), max_length=40, default="Asia/Shanghai")
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class BenefitSupplier(models.Model):
    """A supplier that delivers a benefit, its rank among the benefit's suppliers, and the
    service level agreed for it."""

    benefit = models.ForeignKey(
        Benefit, verbose_name=_("benefit"), on_delete=models.CASCADE, related_name="suppliers"
    )
    supplier = models.ForeignKey(
        Supplier, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="benefits"
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=1, help_text=_("1 is asked first.")
    )
    confirm_hours = models.PositiveIntegerField(
        _("hours to confirm"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
        help_text=_("A booking must be confirmed (or a code issued) within this. Empty: no limit."),
    )
    deliver_hours = models.PositiveIntegerField(
        _("hours to deliver"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 365)],
        help_text=_("The service must be delivered within this of the request. Empty: no limit."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["benefit", "priority", "supplier"]
        verbose_name = _("benefit supplier")
        verbose_name_plural = _("benefit suppliers")
        constraints = [
            models.UniqueConstraint(fields=["benefit", "supplier"], name="benefit_supplier_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.benefit.code} ← {self.supplier.code} ({self.priority})"


class SupplierKey(models.Model):
    """A key a supplier signs its callbacks with: a public key id and a secret (encrypted at
    rest). Rotating makes a new key and lets the old one work until `expires_at`."""

    supplier = models.ForeignKey(
        Supplier, verbose_name=_("supplier"), on_delete=models.CASCADE, related_name="keys"
    )
    key_id = models.CharField(_("key id"), max_length=40, unique=True, editable=False)
    secret_encrypted = models.TextField(_("secret (encrypted)"), editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(
        _("valid until"), null=True, blank=True, help_text=_("Empty: until rotated.")
    )

    class Meta:
        ordering = ["supplier", "-created_at"]
        verbose_name = _("supplier key")
        verbose_name_plural = _("supplier keys")

    def __str__(self) -> str:
        return self.key_id


class FulfilmentState(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    BOOKED = "booked", _("Booked")
    ISSUED = "issued", _("Issued")
    FULFILLED = "fulfilled", _("Fulfilled")
    NO_SHOW = "no_show", _("No-show")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")
    REDEEMED = "redeemed", _("Redeemed")
    EXPIRED = "expired", _("Expired")


class Fulfilment(models.Model):
    """Where one held use of a booked or issued benefit stands, and who delivers it."""

    # No database constraint: the redemption table is partitioned on PostgreSQL.
    redemption = models.OneToOneField(
        Redemption,
        verbose_name=_("redemption"),
        on_delete=models.CASCADE,
        related_name="fulfilment",
        db_constraint=False,
    )
    # The redemption's partition key, so its updates touch one partition.
    redemption_created_at = models.DateTimeField(_("requested at"))
    # The purchase paying for the use (null: a tier use), copied from the redemption when the
    # request is made: the benefit centre reads it with the open requests without reaching
    # into the partitioned redemption table, whose planning alone cost more than the read.
    purchase = models.ForeignKey(
        Purchase,
        verbose_name=_("purchase"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    holder = models.ForeignKey(
        Customer, verbose_name=_("holder"), on_delete=models.PROTECT, related_name="+"
    )
    beneficiary = models.ForeignKey(
        Customer, verbose_name=_("beneficiary"), on_delete=models.PROTECT, related_name="+"
    )
    benefit = models.ForeignKey(
        Benefit, verbose_name=_("benefit"), on_delete=models.PROTECT, related_name="+"
    )
    supplier = models.ForeignKey(
        Supplier,
        verbose_name=_("supplier"),
        on_delete=models.PROTECT,
        related_name="fulfilments",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=FulfilmentKind.choices)
    state = models.CharField(
        _("state"),
        max_length=12,
        choices=FulfilmentState.choices,
        default=FulfilmentState.REQUESTED,
    )
    appointment_at = models.DateTimeField(_("appointment"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    supplier_reference = models.CharField(_("supplier's reference"), max_length=80, blank=True)
    confirm_due_at = models.DateTimeField(_("confirm by"), null=True, blank=True)
    deliver_due_at = models.DateTimeField(_("deliver by"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("fulfilment")
        verbose_name_plural = _("fulfilments")
        indexes = [
            models.Index(
                fields=["holder", "state"],
                condition=Q(state__in=["requested", "booked", "issued"]),
                name="fulfilment_open_holder",
            ),
            models.Index(
                fields=["beneficiary", "state"],
                condition=Q(state__in=["requested", "booked", "issued"]),
                name="fulfilment_open_benef",
            ),
            models.Index(fields=["supplier", "state", "created_at"], name="fulfilment_supplier"),
        ]

    def __str__(self) -> str:
        return f"#{self.redemption_id} {self.get_state_display()}"


class ActorKind(models.TextChoices):
    SUPPLIER = "supplier", _("Supplier")
    STAFF = "staff", _("Staff")
    CLIENT = "client", _("API client")
    SYSTEM = "system", _("System")


class FulfilmentEvent(models.Model):
    """One transition of a fulfilment: who, when, from, to, why."""

    fulfilment = models.ForeignKey(
        Fulfilment, verbose_name=_("fulfilment"), on_delete=models.CASCADE, related_name="events"
    )
    supplier = models.ForeignKey(
        Supplier,
        verbose_name=_("supplier"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The supplier's own id of the event: a retry with the same id changes nothing.
    event_id = models.CharField(_("event id"), max_length=80, blank=True)
    actor_kind = models.CharField(_("by"), max_length=10, choices=ActorKind.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Empty on the event that opened the fulfilment.
    from_state = models.CharField(
        _("from"), max_length=12, choices=FulfilmentState.choices, blank=True
    )
    to_state = models.CharField(_("to"), max_length=12, choices=FulfilmentState.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    appointment_at = models.DateTimeField(_("appointment"), null=True, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["fulfilment", "at", "id"]
        verbose_name = _("fulfilment event")
        verbose_name_plural = _("fulfilment events")
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "event_id"],
                condition=~Q(event_id=""),
                name="fulfilment_event_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_from_state_display()} → {self.get_to_state_display()}"


class CaseKind(models.TextChoices):
    CONFIRM_OVERDUE = "confirm_overdue", _("Not confirmed in time")
    DELIVER_OVERDUE = "deliver_overdue", _("Not delivered in time")
    FAILED = "failed", _("Failed")


class OperationsCase(models.Model):
    """A fulfilment someone must look at: its supplier missed a service level, or it failed.
    One case per fulfilment and kind."""

    fulfilment = models.ForeignKey(
        Fulfilment, verbose_name=_("fulfilment"), on_delete=models.CASCADE, related_name="cases"
    )
    supplier = models.ForeignKey(
        Supplier, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="cases"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=CaseKind.choices)
    due_at = models.DateTimeField(_("was due"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("operations case")
        verbose_name_plural = _("operations cases")
        constraints = [
            models.UniqueConstraint(fields=["fulfilment", "kind"], name="operations_case_once"),
        ]
        indexes = [
            models.Index(
                fields=["supplier", "opened_at"],
                condition=Q(closed_at__isnull=True),
                name="operations_case_open",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.fulfilment.redemption_id} {self.get_kind_display()}"


class CodePool(TimeStamped):
    """The codes a supplier gave for an issued benefit (coupons, vouchers, e-cards)."""

    benefit = models.ForeignKey(
        Benefit, verbose_name=_("benefit"), on_delete=models.PROTECT, related_name="code_pools"
    )
    supplier = models.ForeignKey(
        Supplier, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="code_pools"
    )
    low_stock_threshold = models.PositiveIntegerField(
        _("low-stock threshold"),
        default=20,
        help_text=_("Product staff are told once when fewer codes than this are left."),
    )
    # Set when the alert for the current threshold went out; cleared by a restock above it.
    low_stock_alerted_at = models.DateTimeField(
        _("low-stock alert sent"), null=True, blank=True, editable=False
    )

    class Meta:
        ordering = ["benefit", "supplier"]
        verbose_name = _("code pool")
        verbose_name_plural = _("code pools")
        constraints = [
            models.UniqueConstraint(fields=["benefit", "supplier"], name="code_pool_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.benefit.code} / {self.supplier.code}"


class CodeState(models.TextChoices):
    AVAILABLE = "available", _("Available")
    CLAIMED = "claimed", _("Claimed")
    VOID = "void", _("Void")


class PoolCode(models.Model):
    """One code of a pool, encrypted at rest; claimed by exactly one use."""

    pool = models.ForeignKey(
        CodePool, verbose_name=_("code pool"), on_delete=models.CASCADE, related_name="codes"
    )
    code_encrypted = models.TextField(_("code (encrypted)"), editable=False)
    # A keyed hash of the code: a re-imported file adds no duplicates.
    code_hash = models.CharField(_("code fingerprint"), max_length=64, editable=False)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=CodeState.choices, default=CodeState.AVAILABLE
    )
    redemption_id_claimed = models.BigIntegerField(_("claimed by use"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    # The customer sees the code once, in the answer to the use that claimed it.
    shown_at = models.DateTimeField(_("shown at"), null=True, blank=True)
    imported_at = models.DateTimeField(_("imported at"), default=timezone.now)

    class Meta:
        ordering = ["pool", "id"]
        verbose_name = _("pool code")
        verbose_name_plural = _("pool codes")
        constraints = [
            models.UniqueConstraint(fields=["pool", "code_hash"], name="pool_code_unique"),
        ]
        indexes = [
            models.Index(
                fields=["pool", "valid_until", "id"],
                condition=Q(state="available"),
                name="pool_code_available",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pool} #{self.pk}"
