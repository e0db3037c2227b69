"""Customer-facing texts kept in both languages (django-modeltranslation: `text_en`,
`text_zh_hans` on the same row)."""

from __future__ import annotations

from modeltranslation.translator import TranslationOptions, register

from .models import ConsentText, TierRule


@register(ConsentText)
class ConsentTextTranslation(TranslationOptions):
    fields = ("text",)


@register(TierRule)
class TierRuleTranslation(TranslationOptions):
    fields = ("description",)
