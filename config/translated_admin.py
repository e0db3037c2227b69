"""Translated fields (django-modeltranslation's `<field>_en`, `<field>_zh_hans`) on admin
pages: both languages side by side, labelled by language ("Name · English", "名称 · 中文")
instead of modeltranslation's "name [zh-hans]"."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.http import HttpRequest
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext_lazy as _
from import_export.forms import SelectableFieldsExportForm

LANGUAGE_LABELS = {"en": _("English"), "zh-hans": _("Chinese")}


def both(field: str) -> tuple[str, str]:
    """A translated field's English and Chinese columns, for one row of a fieldset."""
    return (f"{field}_en", f"{field}_zh_hans")


class LanguageLabels:
    """Each language column of a translated field labelled by its language, and optional
    (one language may wait for its translation)."""

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)  # type: ignore[misc]
        language = getattr(db_field, "language", None)
        if formfield is not None and language in LANGUAGE_LABELS:
            formfield.label = format_lazy(
                "{} · {}",
                capfirst(db_field.translated_field.verbose_name),
                LANGUAGE_LABELS[language],
            )
            formfield.required = False
            if isinstance(formfield.widget, forms.Textarea):
                formfield.widget.attrs.update({"rows": 4, "cols": 48})
        return formfield


def field_label(model: Any, name: str) -> str:
    """A model field's label in the reader's language: "名称 · 中文" for a translated
    column, the verbose name otherwise, the name itself for what is not a model field."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return name
    language = getattr(field, "language", None)
    if language in LANGUAGE_LABELS:
        return str(
            format_lazy(
                "{} · {}", capfirst(field.translated_field.verbose_name), LANGUAGE_LABELS[language]
            )
        )
    return str(capfirst(getattr(field, "verbose_name", name)))


class LabelledExportForm(SelectableFieldsExportForm):
    """django-import-export's export page, its columns named by the model's translated field
    labels instead of "Name Zh Hans" (it title-cases the attribute)."""

    def _get_field_label(self, resource: Any, field_name: str) -> str:
        field = resource.fields.get(field_name)
        attribute = (getattr(field, "attribute", None) or field_name).split("__")[0]
        return field_label(resource._meta.model, attribute)
