"""Jobs of the tier ladder. Thin: they call the services, take ids or nothing, and are safe to
run twice (the recalculation only records a change when the tier really moves)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from celery import shared_task
from django.db import OperationalError

from .services import customer_tiers_recalculate


@shared_task(
    name="customers.tiers_recalculate",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
)
def tiers_recalculate(batch_size: int = 1000) -> dict[str, Any]:
    """Nightly: every customer's tier from their in-force policies and the tier rules."""
    return asdict(customer_tiers_recalculate(batch_size=batch_size))
