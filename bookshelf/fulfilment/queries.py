"""Reads of where uses stand: a customer's open requests (the desk, the benefit centre)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F, OuterRef, Q, Subquery

from ..ledger.models import Redemption
from .models import Fulfilment
from .transitions import OPEN_STATES


def open_fulfilments_for(customer_ids: Iterable[int]) -> list[Fulfilment]:
    """The open (held) fulfilments where any of these customers is the holder or the
    beneficiary, soonest appointment first, with their benefit and supplier, and the
    purchase paying for the use (`purchase_id`, None for a tier use). One query."""
    ids = list(customer_ids)
    # The use's own row, found through its partition key: which purchase pays for it.
    paid_by = Redemption.objects.filter(
        pk=OuterRef("redemption_id"), created_at=OuterRef("redemption_created_at")
    ).values("purchase_id")[:1]
    return list(
        Fulfilment.objects.filter(Q(holder_id__in=ids) | Q(beneficiary_id__in=ids))
        .filter(state__in=OPEN_STATES)
        .select_related("benefit", "supplier")
        .annotate(purchase_id=Subquery(paid_by))
        # Not yet booked (no appointment) after the booked, on every database.
        .order_by(F("appointment_at").asc(nulls_last=True), "created_at", "pk")
    )
