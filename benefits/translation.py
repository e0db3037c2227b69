"""Which catalogue texts exist in both languages (django-modeltranslation: `name_en`,
`name_zh_hans`... columns on the same row, so raw SQL reads one table with no join).

The benefit's history model is registered too: django-simple-history builds it when the
benefit class is defined, before these columns exist, so without it a change to a Chinese
text would not be in the history."""

from __future__ import annotations

from modeltranslation.translator import TranslationOptions, register

from .models import Benefit, Category

BENEFIT_TEXTS = ("name", "description", "how_to_use", "unit", "provider", "provider_notes")
CATEGORY_TEXTS = ("name",)


@register(Category)
class CategoryTranslation(TranslationOptions):
    fields = CATEGORY_TEXTS


@register(Benefit)
class BenefitTranslation(TranslationOptions):
    fields = BENEFIT_TEXTS


@register(Benefit.history.model)
class HistoricalBenefitTranslation(TranslationOptions):
    fields = BENEFIT_TEXTS
