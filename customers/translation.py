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


# django-simple-history built the rule's history model before these columns existed: it
# carries them too, so a change to either language is in the history.
@register(TierRule.history.model)
class HistoricalTierRuleTranslation(TranslationOptions):
    fields = ("description",)
