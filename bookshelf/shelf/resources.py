"""Bulk import and export of shelf cells (which tier gets which benefit, how often).

A row names the tier (`gold`, or its number 20) and the benefit code; quotas are validated by
the model's `full_clean` (no negative or zero quota, family share within the quota and only
for shareable benefits) and written through `shelf_cell_set`.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields, widgets

from benefits.models import Benefit
from benefits.resources import adopt
from config.spreadsheets import FormulaSafeResource
from customers.models import TIER_SLUGS, Tier

from .models import ShelfCell
from .services import shelf_cell_set


class TierWidget(widgets.Widget):  # type: ignore[misc]
    """A tier by its short name (`gold`), its number (20) or its English label."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> int:
        text = str(value if value is not None else "").strip()
        if not text:
            raise ValueError(_("Give the tier, e.g. gold."))
        if text.lower() in TIER_SLUGS:
            return TIER_SLUGS[text.lower()].value
        for tier in Tier:
            if text in (str(tier.value), str(tier.label)) or text.lower() == tier.name.lower():
                return tier.value
        raise ValueError(
            _("Unknown tier %(tier)s: use one of %(tiers)s.")
            % {"tier": text, "tiers": ", ".join(TIER_SLUGS)}
        )

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return "" if value is None else Tier(value).slug


class BenefitCodeWidget(widgets.ForeignKeyWidget):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__(Benefit, field="code")

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Benefit:
        code = str(value or "").strip().upper()
        if not code:
            raise ValueError(_("Give the benefit code, e.g. MED.02.015."))
        try:
            return Benefit.objects.get(code=code)
        except Benefit.DoesNotExist:
            raise ValueError(_("No benefit with code %(code)s.") % {"code": code}) from None


class ShelfCellResource(FormulaSafeResource):  # type: ignore[misc]
    tier = fields.Field(attribute="tier", column_name="tier", widget=TierWidget())
    benefit = fields.Field(attribute="benefit", column_name="benefit", widget=BenefitCodeWidget())

    class Meta:
        model = ShelfCell
        import_id_fields = ["tier", "benefit"]
        fields = ["tier", "benefit", "period", "quota", "family_quota"]
        export_order = fields
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        use_transactions = True

    def get_queryset(self) -> Any:
        return ShelfCell.objects.select_related("benefit").order_by("tier", "benefit__code")

    def get_or_init_instance(self, instance_loader: Any, row: Any) -> Any:
        # A bad tier or benefit is a reason to reject the row, shown with its column.
        errors: dict[str, list[str]] = {}
        for name in self.get_import_id_fields():
            field = self.fields[name]
            try:
                field.clean(row)
            except ValueError as exc:
                errors[field.attribute] = [str(exc)]
        if errors:
            raise ValidationError(errors)
        return super().get_or_init_instance(instance_loader, row)

    def do_instance_save(self, instance: ShelfCell, is_create: bool) -> None:
        saved = shelf_cell_set(
            tier=instance.tier,
            benefit=instance.benefit,
            period=instance.period,
            quota=instance.quota,
            family_quota=instance.family_quota,
        )
        adopt(instance, saved)
