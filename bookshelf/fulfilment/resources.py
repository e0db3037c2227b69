"""Bulk import and export of suppliers and of which supplier delivers which benefit (CSV,
XLSX), like the catalog's.

A supplier row is keyed by its code, its name one column per language (`name_en`,
`name_zh_hans`); its time zone must be a real IANA zone (`time_zone_check`, which the admin's
form uses too). A link row names the benefit by its code and the supplier by its code, with
its priority and service level. Every row is validated by the model's `full_clean`; a file
with an invalid row imports nothing. Keys are never exported: their secrets are shown once,
when made.
"""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields

from config.spreadsheets import FormulaSafeResource

from ..money.resources import SupplierCodeWidget
from ..shelf.resources import BenefitCodeWidget
from .models import BenefitSupplier, Supplier


def time_zone_check(value: str) -> str:
    """The IANA time zone named (Asia/Shanghai), or a `ValidationError` for anything else."""
    name = (value or "").strip()
    if name not in zoneinfo.available_timezones():
        raise ValidationError(
            _("%(zone)s is not a time zone: use a name like Asia/Shanghai or Europe/London.")
            % {"zone": name or '""'},
            code="invalid",
        )
    return name


class _ValidatedResource(FormulaSafeResource):  # type: ignore[misc]
    """Rows validated by the model (and the import refused as a whole on any bad row)."""

    def get_or_init_instance(self, instance_loader: Any, row: Any) -> Any:
        # A bad key column is a reason to reject the row, shown with its column.
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


class SupplierResource(_ValidatedResource):
    class Meta:
        model = Supplier
        import_id_fields = ["code"]
        fields = [
            "code",
            "name_en",
            "name_zh_hans",
            "contact_name",
            "contact_email",
            "contact_phone",
            "service_hours",
            "time_zone",
            "active",
        ]
        export_order = fields
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        use_transactions = True

    def get_queryset(self) -> Any:
        return Supplier.objects.order_by("code")

    def validate_instance(
        self,
        instance: Supplier,
        import_validation_errors: dict[str, Any] | None = None,
        validate_unique: bool = True,
    ) -> None:
        errors = dict(import_validation_errors or {})
        if not any(getattr(instance, f"name_{suffix}", None) for suffix in ("en", "zh_hans")):
            errors["name_en"] = [_("Give a name in English or Chinese.")]
        try:
            instance.time_zone = time_zone_check(instance.time_zone)
        except ValidationError as exc:
            errors["time_zone"] = exc.messages
        # `name` is the active language's column: the two columns above are checked.
        exclude = set(errors) | {"name"}
        try:
            instance.full_clean(exclude=exclude, validate_unique=validate_unique)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)


class BenefitSupplierResource(_ValidatedResource):
    benefit = fields.Field(attribute="benefit", column_name="benefit", widget=BenefitCodeWidget())
    supplier = fields.Field(
        attribute="supplier", column_name="supplier", widget=SupplierCodeWidget()
    )

    class Meta:
        model = BenefitSupplier
        import_id_fields = ["benefit", "supplier"]
        fields = ["benefit", "supplier", "priority", "confirm_hours", "deliver_hours", "active"]
        export_order = fields
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        use_transactions = True

    def get_queryset(self) -> Any:
        return BenefitSupplier.objects.select_related("benefit", "supplier").order_by(
            "benefit__code", "priority", "supplier__code"
        )
