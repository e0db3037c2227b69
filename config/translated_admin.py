"""Both languages of a translated text (django-modeltranslation's `x_en`, `x_zh_hans`) on one
row of an admin form, labelled by language: the catalogue's, the tier rules' and the consent
texts' admins share it, so every bilingual form reads the same ("Name · Chinese", 名称（中文）).
The row is laid out side by side by `bookshelf/static/bookshelf/admin.css`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.http import HttpRequest
from django.utils.text import capfirst, format_lazy
from django.utils.translation import pgettext_lazy
from import_export.forms import SelectableFieldsExportForm

# "English" alone is the language switch's own button (in English on purpose); a label says
# which language a text is written in (英文, 中文).
LANGUAGE_LABELS = {
    "en": pgettext_lazy("the language a text is written in", "English"),
    "zh-hans": pgettext_lazy("the language a text is written in", "Chinese"),
}
LABEL = pgettext_lazy(
    "a translated field's label: the field, then its language", "{field} · {language}"
)


def both(field: str) -> tuple[str, str]:
    """A translated field's English and Chinese columns, for one row of a fieldset."""
    return (f"{field}_en", f"{field}_zh_hans")


class SideBySideTranslations:
    """Label each language's column by its field and language, and make each optional (a form
    that needs one language of a text says so in its `clean`)."""

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)  # type: ignore[misc]
        language = getattr(db_field, "language", None)
        if formfield is not None and language in LANGUAGE_LABELS:
            formfield.label = format_lazy(
                LABEL,
                field=capfirst(db_field.translated_field.verbose_name),
                language=LANGUAGE_LABELS[language],
            )
            formfield.required = False
            if isinstance(formfield.widget, forms.Textarea):
                formfield.widget.attrs.update({"rows": 4})
        return formfield


def field_label(model: Any, name: str) -> str:
    """A model field's label in the reader's language: "名称（中文）" for a language column of
    a translated field, the verbose name otherwise, the name itself for what is not a field."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return name
    language = getattr(field, "language", None)
    if language in LANGUAGE_LABELS:
        return str(
            format_lazy(
                LABEL,
                field=capfirst(field.translated_field.verbose_name),
                language=LANGUAGE_LABELS[language],
            )
        )
    return str(capfirst(getattr(field, "verbose_name", name)))


class LabelledExportForm(SelectableFieldsExportForm):
    """django-import-export's export page, its columns named by the model's field labels
    (名称（中文）) instead of the attribute title-cased ("Name Zh Hans")."""

    def _get_field_label(self, resource: Any, field_name: str) -> str:
        field = resource.fields.get(field_name)
        attribute = (getattr(field, "attribute", None) or field_name).split("__")[0]
        return field_label(resource._meta.model, attribute)
