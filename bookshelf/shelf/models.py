"""The shelf itself: what each tier gets of each benefit (cells) and the rules beyond tier
(eligibility)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from benefits.models import Benefit
from config.models import TimeStamped
from customers.models import ProductLine, Tier


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
        # The tier and the benefit's code and name, as staff say it (no internal ids).
        benefit = self.benefit if self.benefit_id else "-"
        return f"{Tier(self.tier).label} · {benefit}"

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
        return _("Eligibility rule of %(benefit)s") % {"benefit": self.benefit}

    def clean(self) -> None:
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            raise ValidationError({"max_age": _("The maximum age is below the minimum age.")})
