"""What benefits cost the insurer: contract prices per supplier and benefit (effective-dated,
in yuan), budgets per benefit or top category and period, and the payable lines behind each
supplier's monthly statement.

Amounts are `Decimal` yuan with two decimals, never floats. The supplier is referred to by
its model label (`bookshelf.Supplier`), not imported: money sits below fulfilment, which
calls it when a use is requested, settled or given back.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from benefits.models import Benefit, Category
from config.models import TimeStamped
from customers.models import Tier

ZERO = Decimal("0.00")


class ContractPrice(models.Model):
    """What the insurer pays a supplier for one fulfilled use of a benefit, from a date on.

    A new price is a new row from a future (or today's) date; a price in force is never
    edited, so a statement of the past always prices the same. The price in force on a day is
    the row with the latest `valid_from` on or before it."""

    supplier = models.ForeignKey(
        "bookshelf.Supplier",
        verbose_name=_("supplier"),
        on_delete=models.PROTECT,
        related_name="prices",
    )
    benefit = models.ForeignKey(
        Benefit, verbose_name=_("benefit"), on_delete=models.PROTECT, related_name="prices"
    )
    unit_cost = models.DecimalField(
        _("unit cost (yuan)"),
        validators=[MinValueValidator(ZERO)],
        help_text=_("Paid to the supplier for each fulfilled use."),
        max_digits=12,
        decimal_places=2,
    )
    valid_from = models.DateField(_("valid from"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("set by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("set at"), default=timezone.now)

    class Meta:
        ordering = ["supplier", "benefit", "-valid_from"]
        verbose_name = _("contract price")
        verbose_name_plural = _("contract prices")
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "benefit", "valid_from"], name="contract_price_one_per_day"
            ),
            models.CheckConstraint(
                condition=Q(unit_cost__gte=0), name="contract_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        # No words, so it reads the same in both languages (the admin shows it in inlines).
        return f"¥{self.unit_cost} · {self.valid_from.isoformat()}"


class BudgetPeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")


class WhenExhausted(models.TextChoices):
    MARK = "mark", _("Mark it as unavailable")
    HIDE = "hide", _("Hide it from the benefit centre")


class Budget(TimeStamped):
    """A cap on what one benefit (or a whole top category) may spend each period: in uses,
    in yuan or both. The counters live in `BudgetPeriod`, one row per period."""

    benefit = models.ForeignKey(
        Benefit,
        verbose_name=_("benefit"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="budgets",
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("top category"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="budgets",
        limit_choices_to={"parent__isnull": True},
    )
    period = models.CharField(
        _("period"), max_length=10, choices=BudgetPeriodKind.choices, default=BudgetPeriodKind.MONTH
    )
    cap_uses = models.PositiveIntegerField(_("cap in uses"), null=True, blank=True)
    cap_amount = models.DecimalField(
        _("cap in yuan"),
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO)],
        max_digits=12,
        decimal_places=2,
    )
    warn_percent = models.PositiveSmallIntegerField(
        _("warning level (%)"),
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Product staff are told once per period when spending reaches this share."),
    )
    when_exhausted = models.CharField(
        _("when it is used up"),
        max_length=10,
        choices=WhenExhausted.choices,
        default=WhenExhausted.MARK,
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["category__code", "benefit__code"]
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        constraints = [
            models.CheckConstraint(
                condition=(Q(benefit__isnull=False) & Q(category__isnull=True))
                | (Q(benefit__isnull=True) & Q(category__isnull=False)),
                name="budget_one_scope",
            ),
            models.CheckConstraint(
                condition=Q(cap_uses__isnull=False) | Q(cap_amount__isnull=False),
                name="budget_has_a_cap",
            ),
            models.UniqueConstraint(
                fields=["benefit"],
                condition=Q(benefit__isnull=False),
                name="budget_one_per_benefit",
            ),
            models.UniqueConstraint(
                fields=["category"],
                condition=Q(category__isnull=False),
                name="budget_one_per_category",
            ),
        ]

    def __str__(self) -> str:
        scope = self.benefit or self.category
        return f"{scope.code if scope is not None else '-'} / {self.get_period_display()}"


class BudgetPeriod(models.Model):
    """One period of a budget: its caps (copied from the budget when the period opens, and
    when staff change them) and what was spent. Spending is one conditional UPDATE on this
    row (`used_uses < cap_uses` and `used_amount + cost <= cap_amount`), so concurrent
    requests can never pass the cap."""

    budget = models.ForeignKey(
        Budget, verbose_name=_("budget"), on_delete=models.CASCADE, related_name="periods"
    )
    start = models.DateField(_("period start"))
    end = models.DateField(_("period end"))
    cap_uses = models.PositiveIntegerField(_("cap in uses"), null=True, blank=True)
    cap_amount = models.DecimalField(
        _("cap in yuan"), null=True, blank=True, max_digits=12, decimal_places=2
    )
    warn_percent = models.PositiveSmallIntegerField(_("warning level (%)"), default=80)
    used_uses = models.PositiveIntegerField(_("uses spent"), default=0)
    used_amount = models.DecimalField(
        _("yuan spent"), default=ZERO, max_digits=12, decimal_places=2
    )
    warned_at = models.DateTimeField(_("warning sent at"), null=True, blank=True)
    exhausted_at = models.DateTimeField(_("used up at"), null=True, blank=True)

    class Meta:
        ordering = ["budget", "-start"]
        verbose_name = _("budget period")
        verbose_name_plural = _("budget periods")
        constraints = [
            models.UniqueConstraint(fields=["budget", "start"], name="budget_period_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.budget} {self.start}"


class CostKind(models.TextChoices):
    USE = "use", _("Fulfilled use")
    REVERSAL = "reversal", _("Cancelled use")
    ADJUSTMENT = "adjustment", _("Adjustment")


class StatementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")


class Statement(models.Model):
    """What the insurer owes one supplier for one month: the cost lines of the month (and the
    corrections of earlier, approved months), frozen once approved."""

    supplier = models.ForeignKey(
        "bookshelf.Supplier",
        verbose_name=_("supplier"),
        on_delete=models.PROTECT,
        related_name="statements",
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    status = models.CharField(
        _("status"), max_length=10, choices=StatementStatus.choices, default=StatementStatus.DRAFT
    )
    uses = models.IntegerField(_("uses"), default=0)
    total = models.DecimalField(_("total (yuan)"), default=ZERO, max_digits=12, decimal_places=2)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-month", "supplier"]
        verbose_name = _("supplier statement")
        verbose_name_plural = _("supplier statements")
        constraints = [
            models.UniqueConstraint(fields=["supplier", "month"], name="statement_one_per_month"),
        ]

    def __str__(self) -> str:
        return f"{self.supplier_id} {self.month:%Y-%m}"


class CostEntry(models.Model):
    """One payable line: a fulfilled use at the unit cost in force on the day it was
    fulfilled, the reversal of one that was cancelled afterwards, or an adjustment decided
    in reconciliation. `month` is the month it was fulfilled (or decided); `statement` is
    set when the statement that pays it is approved, and never changes after."""

    supplier = models.ForeignKey(
        "bookshelf.Supplier",
        verbose_name=_("supplier"),
        on_delete=models.PROTECT,
        related_name="cost_entries",
    )
    benefit = models.ForeignKey(
        Benefit,
        verbose_name=_("benefit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cost_entries",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=CostKind.choices)
    # The use (Redemption is partitioned: no foreign key, its id and time instead).
    redemption_id = models.BigIntegerField(_("use"), null=True, blank=True)
    redemption_created_at = models.DateTimeField(_("requested at"), null=True, blank=True)
    tier_snapshot = models.PositiveSmallIntegerField(
        _("holder's tier then"), choices=Tier.choices, null=True, blank=True
    )
    reference = models.CharField(
        _("reference"),
        max_length=80,
        blank=True,
        help_text=_("The supplier's own reference, else the use's number: what a bill matches."),
    )
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    priced_unit_cost = models.DecimalField(
        _("unit cost (yuan)"), null=True, blank=True, max_digits=12, decimal_places=2
    )
    fulfilled_at = models.DateTimeField(_("fulfilled at"))
    month = models.DateField(_("month"))
    statement = models.ForeignKey(
        Statement,
        verbose_name=_("statement"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lines",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["fulfilled_at", "id"]
        verbose_name = _("cost line")
        verbose_name_plural = _("cost lines")
        indexes = [
            models.Index(fields=["supplier", "month"], name="cost_supplier_month"),
            models.Index(fields=["benefit", "month"], name="cost_benefit_month"),
            models.Index(
                fields=["supplier", "statement"],
                condition=Q(statement__isnull=True),
                name="cost_unstated",
            ),
        ]
        constraints = [
            # A use is paid once and reversed at most once.
            models.UniqueConstraint(
                fields=["redemption_id", "kind"],
                condition=Q(kind__in=["use", "reversal"]),
                name="cost_use_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


class BillMapping(TimeStamped):
    """Which columns of a supplier's own bill say what, remembered for its next bill. Each
    value names a column header as it appears in the supplier's file."""

    supplier = models.OneToOneField(
        "bookshelf.Supplier",
        verbose_name=_("supplier"),
        on_delete=models.CASCADE,
        related_name="bill_mapping",
    )
    reference_column = models.CharField(_("reference column"), max_length=80)
    amount_column = models.CharField(_("amount column"), max_length=80)
    date_column = models.CharField(_("date column"), max_length=80, blank=True)
    benefit_column = models.CharField(_("benefit column"), max_length=80, blank=True)

    class Meta:
        verbose_name = _("bill column mapping")
        verbose_name_plural = _("bill column mappings")

    def __str__(self) -> str:
        return f"{self.supplier_id}: {self.reference_column} / {self.amount_column}"


class SupplierBill(models.Model):
    """A supplier's own bill for a month, imported to reconcile its statement against."""

    statement = models.ForeignKey(
        Statement, verbose_name=_("statement"), on_delete=models.CASCADE, related_name="bills"
    )
    file_name = models.CharField(_("file"), max_length=200)
    lines = models.PositiveIntegerField(_("lines"), default=0)
    total = models.DecimalField(_("total (yuan)"), default=ZERO, max_digits=12, decimal_places=2)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    imported_at = models.DateTimeField(_("imported at"), default=timezone.now)

    class Meta:
        ordering = ["-imported_at"]
        verbose_name = _("supplier bill")
        verbose_name_plural = _("supplier bills")

    def __str__(self) -> str:
        return self.file_name


class BillLine(models.Model):
    """One line of a supplier's bill, as read with the mapping."""

    bill = models.ForeignKey(
        SupplierBill, verbose_name=_("bill"), on_delete=models.CASCADE, related_name="bill_lines"
    )
    row = models.PositiveIntegerField(_("row"))
    reference = models.CharField(_("reference"), max_length=80)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    on = models.DateField(_("date"), null=True, blank=True)
    benefit_text = models.CharField(_("benefit"), max_length=120, blank=True)

    class Meta:
        ordering = ["bill", "row"]
        verbose_name = _("bill line")
        verbose_name_plural = _("bill lines")
        indexes = [models.Index(fields=["bill", "reference"], name="bill_line_reference")]

    def __str__(self) -> str:
        return f"{self.reference} {self.amount}"


class ItemKind(models.TextChoices):
    MISSING = "missing", _("Missing from the supplier's bill")
    EXTRA = "extra", _("Not in our records")
    MISMATCH = "mismatch", _("Amounts differ")


class ItemStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted")
    DISPUTED = "disputed", _("Disputed")
    ADJUSTED = "adjusted", _("Adjusted")


class ReconciliationItem(models.Model):
    """A difference between a statement and the supplier's bill, until someone decides it:
    accept (the supplier's figure stands), dispute (ours stands; raised with the supplier)
    or adjust (an agreed amount), with a note and who decided."""

    statement = models.ForeignKey(
        Statement, verbose_name=_("statement"), on_delete=models.CASCADE, related_name="items"
    )
    bill = models.ForeignKey(
        SupplierBill, verbose_name=_("bill"), on_delete=models.CASCADE, related_name="items"
    )
    kind = models.CharField(_("difference"), max_length=10, choices=ItemKind.choices)
    reference = models.CharField(_("reference"), max_length=80)
    ours = models.DecimalField(
        _("our amount (yuan)"), null=True, blank=True, max_digits=12, decimal_places=2
    )
    theirs = models.DecimalField(
        _("supplier's amount (yuan)"), null=True, blank=True, max_digits=12, decimal_places=2
    )
    cost_entry = models.ForeignKey(
        CostEntry,
        verbose_name=_("cost line"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    bill_line = models.ForeignKey(
        BillLine,
        verbose_name=_("bill line"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ItemStatus.choices, default=ItemStatus.OPEN
    )
    agreed = models.DecimalField(
        _("agreed amount (yuan)"), null=True, blank=True, max_digits=12, decimal_places=2
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["statement", "kind", "reference"]
        verbose_name = _("reconciliation item")
        verbose_name_plural = _("reconciliation items")
        indexes = [
            models.Index(fields=["statement"], condition=Q(status="open"), name="recon_item_open"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reference}"


class BudgetCharge(models.Model):
    """What one use took from one budget period: given back (and repriced) from exactly these
    rows, whatever budgets exist or cover the benefit by then."""

    period = models.ForeignKey(
        BudgetPeriod, verbose_name=_("budget period"), on_delete=models.CASCADE, related_name="+"
    )
    # The use (Redemption is partitioned: its id, no foreign key).
    redemption_id = models.BigIntegerField(_("use"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("budget charge")
        verbose_name_plural = _("budget charges")
        constraints = [
            models.UniqueConstraint(fields=["redemption_id", "period"], name="budget_charge_once"),
        ]

    def __str__(self) -> str:
        return f"{self.redemption_id} {self.amount}"
