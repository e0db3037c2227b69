"""Yuan on the cost page: ¥ with thousands separators and two decimals, whatever the
language (the page is read in English and Chinese alike)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

register = template.Library()


@register.filter
def yuan(value: Any) -> str:
    """¥1,234.50; a negative amount (a reversal, a credit) as -¥30.00; nothing as –."""
    if value is None or value == "":
        return "–"
    amount = Decimal(value).quantize(Decimal("0.01"))
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,.2f}"


@register.filter
def yuan_short(value: Any) -> str:
    """An axis label: ¥1,200 (no decimals)."""
    return f"¥{int(value):,}"


@register.filter
def percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"
