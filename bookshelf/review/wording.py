"""Punctuation that follows the reader's language: on Chinese pages a full-width colon and
the enumeration comma, never an ASCII ", " or ": " between Chinese words."""

from __future__ import annotations

from benefits.text import reads_chinese


def list_sep() -> str:
    """Between items of a list: the enumeration comma on Chinese pages."""
    return "、" if reads_chinese() else ", "


def colon(label: object, value: object) -> str:
    """ "label: value", with the full-width colon on Chinese pages."""
    return f"{label}：{value}" if reads_chinese() else f"{label}: {value}"
