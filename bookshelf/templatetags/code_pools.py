"""The admin home's notice of code pools running low."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from ..fulfilment.selectors import pools_low_stock

register = template.Library()


@register.simple_tag
def low_stock_pools() -> list[Any]:
    """The pools with fewer claimable codes than their threshold: one query."""
    return pools_low_stock(timezone.localdate())
