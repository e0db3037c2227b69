"""Demand: a customer or agent asks for a benefit that is not on the shelf. Requests are
grouped by `demand_keys.demand_text_key`, and loud groups become pull proposals."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from benefits.models import Benefit, Category
from config.exceptions import DomainError
from customers.models import Customer

from .demand_keys import demand_text_key
from .error_codes import ReviewErrorCode
from .models import DemandSignal, DemandSource


def demand_signal_create(
    *,
    text: str,
    category: Category | None = None,
    benefit: Benefit | None = None,
    customer: Customer | None = None,
    source: str = DemandSource.CUSTOMER,
    created_at: Any = None,
) -> DemandSignal:
    """A customer or agent asks for a benefit that is not on the shelf (or more of one)."""
    text = (text or "").strip()
    if not text:
        raise DomainError(ReviewErrorCode.INVALID, _("Say what benefit is wanted."), field="text")
    signal = DemandSignal(
        text=text[:500],
        category=category,
        benefit=benefit,
        customer=customer,
        source=source,
        tier_snapshot=customer.tier if customer else None,
        text_key=demand_text_key(text),
        created_at=created_at or timezone.now(),
    )
    signal.full_clean()
    signal.save()
    return signal
