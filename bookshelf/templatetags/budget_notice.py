"""The admin home's notice of budgets at their warning level or used up."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from ..money.selectors import budgets_alerting

register = template.Library()


@register.simple_tag
def budgets_alerting_now() -> list[Any]:
    """The active budgets whose current period warned or is used up: one query."""
    return budgets_alerting(timezone.localdate())
