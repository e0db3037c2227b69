"""Agent-facing texts kept in both languages (django-modeltranslation: `reason_en`,
`reason_zh_hans` on the same row)."""

from __future__ import annotations

from modeltranslation.translator import TranslationOptions, register

from .fulfilment.models import Supplier
from .reach.models import AgentSuggestion


@register(AgentSuggestion)
class AgentSuggestionTranslation(TranslationOptions):
    fields = ("reason",)


@register(Supplier)
class SupplierTranslation(TranslationOptions):
    fields = ("name",)
