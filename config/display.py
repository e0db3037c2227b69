"""How amounts and lists read on every page, in the reader's language: written once.

- `money`: an amount in yuan, digits grouped by thousands, decimals only when there are
  fen (¥1,566,516 / ¥199.50), with the active locale's decimal separator. Every admin page
  shows money through it (the `money` template filter of `bookshelf_admin` wraps it).
- `join_list` / `join_reasons`: items and reasons joined with a translatable separator, so
  Chinese reads "A、B" and "原因一；原因二" (no ASCII comma and no space between CJK text).

`customers`, `benefits` and `bookshelf` all show money, so this lives beside the other
shared helpers in `config`, which every app may import.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.formats import get_format
from django.utils.numberformat import format as number_format
from django.utils.translation import pgettext

YUAN = "¥"


def money(amount: Any, *, decimals: int | None = None) -> str:
    """`¥1,566,516`, `¥199.50`, `-¥20`; an empty value is `-`. Grouped by thousands in every
    language (Django's Chinese format groups nothing, Chinese finance groups by three)."""
    if amount is None or amount == "":
        return "-"
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return str(amount)
    if decimals is None:
        decimals = 0 if value == value.to_integral_value() else 2
    sign = "-" if value < 0 else ""
    digits = number_format(
        abs(value),
        decimal_sep=str(get_format("DECIMAL_SEPARATOR")),
        decimal_pos=decimals,
        grouping=3,
        thousand_sep=str(get_format("THOUSAND_SEPARATOR")) or ",",
        force_grouping=True,
    )
    return f"{sign}{YUAN}{digits}"


def list_separator() -> str:
    """Between the items of a list: ", " in English, "、" in Chinese."""
    return pgettext("separator between the items of a list", ", ")


def reasons_separator() -> str:
    """Between whole reasons or clauses: "; " in English, "；" in Chinese."""
    return pgettext("separator between reasons", "; ")


def join_list(items: Iterable[Any]) -> str:
    return list_separator().join(str(item) for item in items)


def join_reasons(reasons: Iterable[Any]) -> str:
    return reasons_separator().join(str(reason) for reason in reasons)
