"""Bulk import and export of contract prices (CSV, XLSX), like the catalog's.

A row names the supplier by its code and the benefit by its code, with the unit cost in yuan,
the day it is valid from and a note. Every row goes through `price_set`'s own checks
(`price_check`): a new or changed row dated before today is an error row, shown with its
column (a price in force is never rewritten), as is a benefit the supplier does not deliver
or an amount with more than two decimals; a file with an error row imports nothing. A row
identical to a stored price is skipped as unchanged, so a file re-imported the same day (or
an export imported back, history included) changes nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import fields, widgets

from config.exceptions import DomainError
from config.spreadsheets import FormulaSafeResource

from ..shelf.resources import BenefitCodeWidget
from .models import ContractPrice
from .prices import money, price_check, price_set

# The supplier model, reached through the price's foreign key: money sits below fulfilment.
Supplier: Any = ContractPrice._meta.get_field("supplier").related_model


class SupplierCodeWidget(widgets.ForeignKeyWidget):  # type: ignore[misc]
    """A supplier by its code (kangyi-doctors)."""

    def __init__(self) -> None:
        super().__init__(Supplier, field="code")

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        code = str(value or "").strip().lower()
        if not code:
            raise ValueError(_("Give the supplier code, e.g. doc-platform."))
        try:
            return Supplier.objects.get(code=code)
        except Supplier.DoesNotExist:
            raise ValueError(_("No supplier with code %(code)s.") % {"code": code}) from None


class YuanWidget(widgets.Widget):  # type: ignore[misc]
    """An amount in yuan kept as the text it was written in (checked by `price_check`, so
    1.005 is refused rather than rounded); exported as a number with two decimals."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        return value

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        return value


class ContractPriceResource(FormulaSafeResource):
    supplier = fields.Field(
        attribute="supplier", column_name="supplier", widget=SupplierCodeWidget()
    )
    benefit = fields.Field(attribute="benefit", column_name="benefit", widget=BenefitCodeWidget())
    unit_cost = fields.Field(attribute="unit_cost", column_name="unit_cost", widget=YuanWidget())
    valid_from = fields.Field(
        attribute="valid_from", column_name="valid_from", widget=widgets.DateWidget("%Y-%m-%d")
    )

    class Meta:
        model = ContractPrice
        import_id_fields = ["supplier", "benefit", "valid_from"]
        fields = ["supplier", "benefit", "unit_cost", "valid_from", "note"]
        export_order = fields
        skip_unchanged = True
        report_skipped = True
        use_transactions = True

    def __init__(self, *, today: date | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.today = today

    def import_data(self, dataset: Any, *args: Any, **kwargs: Any) -> Any:
        # A file with an error row imports nothing, whoever imports it.
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, *args, **kwargs)

    def get_queryset(self) -> Any:
        return ContractPrice.objects.select_related("supplier", "benefit").order_by(
            "supplier__code", "benefit__code", "valid_from"
        )

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

    def skip_row(
        self, instance: Any, original: Any, row: Any, import_validation_errors: Any = None
    ) -> bool:
        # Unchanged means the same amount: "120" and "120.00" are one price.
        if original is not None and original.pk is not None and not import_validation_errors:
            try:
                same = money(instance.unit_cost) == original.unit_cost
            except DomainError:
                same = False
            if same and (instance.note or "") == (original.note or ""):
                return True
        return False

    def validate_instance(
        self,
        instance: ContractPrice,
        import_validation_errors: dict[str, Any] | None = None,
        validate_unique: bool = True,
    ) -> None:
        errors = dict(import_validation_errors or {})
        if not errors:
            try:
                instance.unit_cost = price_check(
                    supplier_id=instance.supplier_id,
                    benefit_id=instance.benefit_id,
                    unit_cost=instance.unit_cost,
                    valid_from=instance.valid_from,
                    today=self.today or timezone.localdate(),
                )
            except DomainError as exc:
                errors[exc.field or "unit_cost"] = [str(exc.message)]
        if errors:
            raise ValidationError(errors)

    def save_instance(
        self, instance: ContractPrice, is_create: bool, row: Any, **kwargs: Any
    ) -> None:
        saved = price_set(
            supplier_id=instance.supplier_id,
            benefit_id=instance.benefit_id,
            unit_cost=instance.unit_cost,
            valid_from=instance.valid_from,
            note=instance.note or "",
            by=kwargs.get("user"),
            today=self.today,
        )
        instance.pk, instance.created_by_id = saved.pk, saved.created_by_id
