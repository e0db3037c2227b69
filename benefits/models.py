"""What exists: the category tree with its codes, and the benefit catalog with its lifecycle."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config.models import TimeStamped

if TYPE_CHECKING:
    # django-modeltranslation patches its manager into every translated model: django-stubs
    # resolves the models' managers only if mypy reads it.
    import modeltranslation.manager  # noqa: F401

TOP_CODE_RE = re.compile(r"^[A-Z]{2,4}$")
SUB_CODE_RE = re.compile(r"^\d{2}$")
BENEFIT_CODE_RE = re.compile(r"^[A-Z]{2,4}(\.\d{2})+\.\d{3}$")


class Category(TimeStamped):
    """A node of the horizontal axis. Top level codes are letters (`MED`), sub-levels two digits.
    Its name is in English and Chinese (`name_en`, `name_zh_hans`: `benefits/translation.py`)."""

    name = models.CharField(_("name"), max_length=120)
    if TYPE_CHECKING:  # the columns django-modeltranslation adds (benefits/translation.py)
        name_en: str | None
        name_zh_hans: str | None

    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    code = models.CharField(
        _("code"), max_length=4, help_text=_("Top level: 2-4 capitals (MED); below: 2 digits (02).")
    )
    path_code = models.CharField(_("full code"), max_length=40, unique=True, editable=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    last_benefit_seq = models.PositiveIntegerField(
        _("last benefit sequence"),
        default=0,
        editable=False,
        help_text=_("Codes are never reused: the next benefit takes the next number."),
    )

    class Meta:
        ordering = ["path_code"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "code"], name="category_code_unique_in_parent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.path_code} {self.display_name}"

    @property
    def display_name(self) -> str:
        """The name in the active language (the other one when it is missing)."""
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        self.path_code = self.compute_path_code()
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def top_code(self) -> str:
        return self.path_code.split(".")[0]

    def compute_path_code(self) -> str:
        return f"{self.parent.path_code}.{self.code}" if self.parent else self.code

    def clean(self) -> None:
        pattern = SUB_CODE_RE if self.parent_id else TOP_CODE_RE
        if not pattern.match(self.code or ""):
            message = (
                _("A sub-category code is two digits, e.g. 02.")
                if self.parent_id
                else _("A top-level category code is 2-4 capital letters, e.g. MED.")
            )
            raise ValidationError({"code": message}, code="invalid_category_code")
        self.path_code = self.compute_path_code()
        clash = Category.objects.filter(path_code=self.path_code).exclude(pk=self.pk)
        if clash.exists():
            raise ValidationError(
                {"code": _("Category code %(code)s already exists.") % {"code": self.path_code}},
                code="duplicate_category_code",
            )


class BenefitKind(models.TextChoices):
    INCLUDED = "included", _("Included in tier")
    PAID = "paid", _("Paid add-on")


class BenefitStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ON_SHELF = "on_shelf", _("On shelf")
    UNDER_REVIEW = "under_review", _("Under review")
    RETIRED = "retired", _("Retired")


# Statuses whose benefits customers can use from a tier shelf.
USABLE_STATUSES = (BenefitStatus.ON_SHELF, BenefitStatus.UNDER_REVIEW)


class FulfilmentKind(models.TextChoices):
    """How a use is delivered: at once, by appointment, or by a code or shipment."""

    INSTANT = "instant", _("Instant")
    BOOKED = "booked", _("Booked")
    ISSUED = "issued", _("Issued")


class Benefit(TimeStamped):
    """A service benefit (服务权益). Its code is its call number: category path + sequence.
    Its texts are in English and Chinese (`name_en`, `name_zh_hans`...: `benefits/translation.py`);
    `name` and the others read the active language, falling back to the other one."""

    name = models.CharField(_("name"), max_length=120)
    if TYPE_CHECKING:  # the columns django-modeltranslation adds (benefits/translation.py)
        name_en: str | None
        name_zh_hans: str | None
        description_en: str | None
        description_zh_hans: str | None
        how_to_use_en: str | None
        how_to_use_zh_hans: str | None
        unit_en: str | None
        unit_zh_hans: str | None
        provider_en: str | None
        provider_zh_hans: str | None
        provider_notes_en: str | None
        provider_notes_zh_hans: str | None

    code = models.CharField(
        _("code"),
        max_length=40,
        unique=True,
        help_text=_("Call number, e.g. MED.02.015. Stable and never reused."),
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="benefits"
    )
    sequence = models.PositiveIntegerField(_("sequence"), editable=False)
    description = models.TextField(_("description"), blank=True)
    how_to_use = models.TextField(_("how to use"), blank=True)
    provider = models.CharField(_("provider"), max_length=120, blank=True)
    provider_notes = models.TextField(
        _("notes for the provider"),
        blank=True,
        help_text=_("What the delivering partner needs to know (booking, checks, hand-over)."),
    )
    # No default: a default would be copied to both languages ("use" as the Chinese unit);
    # `benefit_create` gives each language its own.
    unit = models.CharField(
        _("unit"), max_length=40, help_text=_("What one use is: a consultation...")
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=BenefitKind.choices, default=BenefitKind.INCLUDED
    )
    price = models.DecimalField(
        _("price (yuan)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Set to let customers whose tier lacks it buy it. Required for paid add-ons."),
    )
    uses_per_purchase = models.PositiveIntegerField(
        _("uses per purchase"), default=1, validators=[MinValueValidator(1)]
    )
    purchase_valid_days = models.PositiveIntegerField(
        _("purchase valid for (days)"),
        default=365,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
    )
    # A database default too: the bulk loaders (COPY) name their columns.
    fulfilment_kind = models.CharField(
        _("fulfilment"),
        max_length=10,
        choices=FulfilmentKind.choices,
        default=FulfilmentKind.INSTANT,
        db_default=FulfilmentKind.INSTANT,
        help_text=_(
            "Instant: done when asked (an online consultation). Booked: a supplier books an "
            "appointment. Issued: a code or a shipment is issued."
        ),
    )
    shareable = models.BooleanField(_("shareable with family"), default=False)
    tags = models.JSONField(_("suits profile tags"), default=list, blank=True)
    status = models.CharField(
        _("status"),
        max_length=15,
        choices=BenefitStatus.choices,
        default=BenefitStatus.DRAFT,
        db_index=True,
    )
    on_shelf_since = models.DateTimeField(_("on shelf since"), null=True, blank=True)
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)
    retired_reason = models.CharField(_("retirement reason"), max_length=255, blank=True)

    # Who changed what and when, shown in the admin's history page.
    history = HistoricalRecords(verbose_name=_("historical benefit"))

    class Meta:
        ordering = ["code"]
        verbose_name = _("benefit")
        verbose_name_plural = _("benefits")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "sequence"], name="benefit_sequence_unique_in_category"
            ),
            models.CheckConstraint(
                condition=Q(price__isnull=True) | Q(price__gte=0), name="benefit_price_not_negative"
            ),
            models.CheckConstraint(
                condition=~Q(kind="paid") | Q(price__isnull=False), name="benefit_paid_has_price"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.display_name}"

    @property
    def display_name(self) -> str:
        """The name in the active language (the other one when it is missing)."""
        return self.name

    @property
    def is_usable(self) -> bool:
        return self.status in USABLE_STATUSES

    @property
    def purchasable(self) -> bool:
        return self.price is not None and self.status == BenefitStatus.ON_SHELF

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.kind == BenefitKind.PAID and self.price is None:
            errors["price"] = _("A paid add-on needs a price.")
        if self.price is not None and self.price < 0:
            errors["price"] = _("A price cannot be negative.")
        if self.code:
            if not BENEFIT_CODE_RE.match(self.code):
                errors["code"] = _(
                    "A benefit code is the category path plus a 3-digit sequence, e.g. MED.02.015."
                )
            elif self.category_id is not None:
                prefix = (
                    Category.objects.filter(pk=self.category_id)
                    .values_list("path_code", flat=True)
                    .first()
                )
                if prefix and not self.code.startswith(prefix + "."):
                    errors["code"] = _("The code must start with its category's code %(c)s.") % {
                        "c": prefix
                    }
            if (
                "code" not in errors
                and Benefit.objects.filter(code=self.code).exclude(pk=self.pk).exists()
            ):
                errors["code"] = _("Benefit code %(code)s is already taken.") % {"code": self.code}
        if errors:
            raise ValidationError(errors)


class BenefitStatusChange(models.Model):
    """Every lifecycle move of a benefit, with who and why: the benefit's own audit trail."""

    benefit = models.ForeignKey(
        Benefit, verbose_name=_("benefit"), on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(_("from"), max_length=15, choices=BenefitStatus.choices)
    to_status = models.CharField(_("to"), max_length=15, choices=BenefitStatus.choices)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    changed_by = models.ForeignKey(
        "auth.User",
        verbose_name=_("changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("benefit status change")
        verbose_name_plural = _("benefit status changes")

    def __str__(self) -> str:
        # Labels, not the stored statuses: this is the page's title and the history's line.
        benefit = self.benefit.code if self.benefit_id else "-"
        return f"{benefit}: {self.get_from_status_display()} → {self.get_to_status_display()}"
