"""Catalogue text in the reader's language: the one rule for every English/Chinese pair.

Benefit and category texts, consent texts and suggestion reasons are stored in English and
Simplified Chinese by django-modeltranslation (`name_en`, `name_zh_hans` on the same row; the
`translation.py` of each app says which). A model instance's `name` already reads the active
language with the fallback of `MODELTRANSLATION_FALLBACK_LANGUAGES`; plain data that carries
both columns (raw SQL rows, cached shelf views) chooses with `chooser` or `translated`, the same
rule: the reader's language, else the other one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.utils import translation

# The field suffixes of the two languages (django-modeltranslation's `name_en`, `name_zh_hans`).
SUFFIXES = {"en": "en", "zh-hans": "zh_hans"}


def reads_chinese(language: str | None = None) -> bool:
    """Is the reader's language (the active one unless given) Chinese?"""
    return (language or translation.get_language() or "").startswith("zh")


def _chinese_first(english: str | None, chinese: str | None) -> str:
    return chinese or english or ""


def _english_first(english: str | None, chinese: str | None) -> str:
    return english or chinese or ""


def chooser(language: str | None = None) -> Callable[[str | None, str | None], str]:
    """The one rule for "which language": the reader's text, else the other language's.

    It is django-modeltranslation's fallback (`MODELTRANSLATION_FALLBACK_LANGUAGES`) for
    readers of plain data: raw SQL rows and cached views that carry both columns
    (`name_en`, `name_zh_hans`). The language is decided once (the active one unless
    given), for pages and answers that show many texts."""
    return _chinese_first if reads_chinese(language) else _english_first


def translated(obj: object, field: str, language: str | None = None) -> str:
    """`obj`'s `field` in the reader's language, from its `<field>_en` and
    `<field>_zh_hans` (a model instance or a plain view carrying both)."""
    return chooser(language)(
        getattr(obj, f"{field}_en", None), getattr(obj, f"{field}_zh_hans", None)
    )


def translations(obj: object, fields: Iterable[str]) -> dict[str, dict[str, str]]:
    """Every language's text of `fields`, as stored (empty where one is missing):
    {"en": {"name": ...}, "zh-hans": {"name": ...}}."""
    names = list(fields)
    return {
        language: {f: getattr(obj, f"{f}_{suffix}", None) or "" for f in names}
        for language, suffix in SUFFIXES.items()
    }


SHORT_FORM_LENGTH = 160


def short_form(text: str, limit: int = SHORT_FORM_LENGTH) -> str:
    """A catalogue text's short form, for lists that show many (the benefit centre): its
    first sentence, or its first `limit` characters cut at a word and ended with "…"."""
    text = " ".join(text.split())
    end = next(
        (
            i + 1
            for i, char in enumerate(text[:limit])
            if char in "。！？" or (char in ".!?" and text[i + 1 : i + 2] == " ")
        ),
        None,
    )
    if end is not None:
        text = text[:end]
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    space = head.rfind(" ")
    return (head[:space] if space > limit // 2 else head).rstrip(" ,;:") + "…"
