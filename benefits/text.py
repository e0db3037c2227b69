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
