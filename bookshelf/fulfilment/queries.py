"""Reads of where uses stand: a customer's open requests (the desk, the benefit centre)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from .models import Fulfilment
from .transitions import OPEN_STATES


def open_fulfilments_for(customer_ids: Iterable[int]) -> list[Fulfilment]:
    """The open (held) fulfilments where any of these customers is the holder or the
    beneficiary, soonest appointment first, with their benefit and supplier. One query."""
    ids = list(customer_ids)
    return list(
        Fulfilment.objects.filter(Q(holder_id__in=ids) | Q(beneficiary_id__in=ids))
        .filter(state__in=OPEN_STATES)
        .select_related("benefit", "supplier")
        .order_by("appointment_at", "created_at", "pk")
    )
