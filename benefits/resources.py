"""Bulk import and export of the benefit catalog (CSV, XLSX) with django-import-export.

Every row is validated by the model's `full_clean` (code format, category, prices...). A new
benefit is a row with an empty code: `benefit_create` gives it the next call number in its
category, as in the admin. A code the catalog does not know is refused rather than invented,
so codes stay sequential and are never reused. Status moves only through the lifecycle
actions, so it is exported but never imported.

Texts are one column per language (`name_en`, `name_zh_hans`, `description_en`, ...). A file
with only some of them (English only, or a sheet from before the translated columns, headed
`name`, `name_zh`, `description`...) still imports: the columns it lacks are left as they are.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields, widgets

from config.spreadsheets import FormulaSafeResource

from .models import Benefit, Category
from .services import benefit_create
from .text import SUFFIXES
from .translation import BENEFIT_TEXTS

# Each translated text as one column per language: name_en, name_zh_hans, description_en...
TEXT_COLUMNS = [f"{text}_{suffix}" for text in BENEFIT_TEXTS for suffix in SUFFIXES.values()]
# The headers of sheets exported before the texts were translated, and what they now are.
LEGACY_COLUMNS = {
    **{text: f"{text}_en" for text in BENEFIT_TEXTS},
    "name_zh": "name_zh_hans",
}


def adopt(obj: Any, created: Any) -> None:
    """Make an unsaved instance the row a service created (the importer carries on with it)."""
    for field in obj._meta.concrete_fields:
        setattr(obj, field.attname, getattr(created, field.attname))
    obj._state.adding = False
    obj._state.db = created._state.db


def benefit_texts_of(benefit: Benefit) -> dict[str, str]:
    """An unsaved benefit's texts as `benefit_create` takes them (`name` English,
    `name_zh_hans` Chinese...), for the admin and the importer, which create through it."""
    return {
        (text if suffix == "en" else f"{text}_{suffix}"): getattr(benefit, f"{text}_{suffix}") or ""
        for text in BENEFIT_TEXTS
        for suffix in SUFFIXES.values()
    }


class CategoryCodeWidget(widgets.ForeignKeyWidget):  # type: ignore[misc]
    """A category by its full code (MED.02)."""

    def __init__(self) -> None:
        super().__init__(Category, field="path_code")

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Category:
        code = str(value or "").strip().upper()
        if not code:
            raise ValueError(_("Give the category code, e.g. MED.02."))
        try:
            return Category.objects.get(path_code=code)
        except Category.DoesNotExist:
            raise ValueError(_("No category with code %(code)s.") % {"code": code}) from None


class TagsWidget(widgets.Widget):  # type: ignore[misc]
    """Profile tags as one cell: `senior, chronic_condition`."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> list[str]:
        text = str(value or "").replace(";", ",")
        return [t.strip() for t in text.split(",") if t.strip()]

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return ", ".join(value or [])


class BenefitResource(FormulaSafeResource):  # type: ignore[misc]
    code = fields.Field(attribute="code", column_name="code")
    category = fields.Field(
        attribute="category", column_name="category", widget=CategoryCodeWidget()
    )
    tags = fields.Field(attribute="tags", column_name="tags", widget=TagsWidget())
    status = fields.Field(attribute="status", column_name="status", readonly=True)

    class Meta:
        model = Benefit
        import_id_fields = ["code"]
        fields = [
            "code",
            "category",
            *TEXT_COLUMNS,
            "kind",
            "price",
            "uses_per_purchase",
            "purchase_valid_days",
            "shareable",
            "tags",
            "status",
        ]
        export_order = fields
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        use_transactions = True

    def get_queryset(self) -> Any:
        return Benefit.objects.select_related("category")

    def before_import_row(self, row: Any, **kwargs: Any) -> None:
        for old, new in LEGACY_COLUMNS.items():
            if old in row and new not in row:
                row[new] = row[old]
        super().before_import_row(row, **kwargs)

    def import_instance(self, instance: Benefit, row: Any, **kwargs: Any) -> None:
        errors: dict[str, Any] = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if instance._state.adding and not (instance.unit_en or instance.unit_zh_hans):
            instance.unit_en, instance.unit_zh_hans = "use", "次"  # benefit_create's defaults
        if instance._state.adding and instance.code:
            errors["code"] = _(
                "Unknown benefit code %(code)s: leave the code empty to create a new benefit "
                "(it gets the next code of its category)."
            ) % {"code": instance.code}
        if errors:
            raise ValidationError(errors)

    def validate_instance(
        self,
        instance: Benefit,
        import_validation_errors: dict[str, Any] | None = None,
        validate_unique: bool = True,
    ) -> None:
        errors = dict(import_validation_errors or {})
        exclude = set(errors)
        if instance._state.adding:
            exclude |= {"code", "sequence"}  # assigned by benefit_create
        try:
            instance.full_clean(exclude=exclude, validate_unique=validate_unique)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def do_instance_save(self, instance: Benefit, is_create: bool) -> None:
        if not is_create:
            instance.save()
            return
        created = benefit_create(
            category=instance.category,
            **benefit_texts_of(instance),
            kind=instance.kind,
            price=instance.price,
            uses_per_purchase=instance.uses_per_purchase,
            purchase_valid_days=instance.purchase_valid_days,
            shareable=instance.shareable,
            tags=instance.tags,
        )
        adopt(instance, created)
