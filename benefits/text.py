"""Catalogue text in the reader's language: the one rule for every English/Chinese pair.

Benefit and category names, suggestion reasons and the like are stored in English and
Simplified Chinese. Whoever shows one (the admin, the API, a push, a recommendation's reason)
asks `localised`, so "Chinese when the page is Chinese and a Chinese text exists" is written
once.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils import translation


def reads_chinese(language: str | None = None) -> bool:
    """Is the reader's language (the active one unless given) Chinese?"""
    return (language or translation.get_language() or "").startswith("zh")


def _chinese_first(english: str, chinese: str) -> str:
    return chinese or english


def _english(english: str, chinese: str) -> str:
    return english


def localiser(language: str | None = None) -> Callable[[str, str], str]:
    """`localised` with the reader's language decided once, for pages and answers that show
    many texts (the benefit centre lists a hundred benefits)."""
    return _chinese_first if reads_chinese(language) else _english


def localised(english: str, chinese: str, *, language: str | None = None) -> str:
    """The Chinese text when the reader reads Chinese and there is one, else the English."""
    return localiser(language)(english, chinese)


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
