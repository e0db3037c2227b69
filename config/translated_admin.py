"""Translated fields (django-modeltranslation's `<field>_en`, `<field>_zh_hans`) on admin
pages: both languages side by side, labelled by language ("Name · English", "名称 · 中文")
instead of modeltranslation's "name [zh-hans]"."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext_lazy as _

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
