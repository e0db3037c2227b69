"""Jobs of the integrations: webhook deliveries and their sweep, the idempotency records'
retention. Thin: ids in, one service call."""

from __future__ import annotations

from celery import shared_task

from .. import jobs
from .services import deliveries_due, delivery_attempt, idempotency_prune


@shared_task(name=jobs.WEBHOOK_DELIVER, acks_late=True, ignore_result=True)
def webhook_deliver_task(delivery_id: int) -> str:
    """One attempt; failures are rescheduled in the database and picked up by the sweep."""
    return delivery_attempt(delivery_id=delivery_id)


@shared_task(name=jobs.WEBHOOKS_SWEEP, acks_late=True, ignore_result=True)
def webhooks_sweep_task() -> int:
    """Send what is due: retries whose backoff ran out, and what the broker missed."""
    due = deliveries_due()
    for delivery_id in due:
        jobs.enqueue(jobs.WEBHOOK_DELIVER, delivery_id)
    return len(due)


@shared_task(name=jobs.IDEMPOTENCY_PRUNE, acks_late=True, ignore_result=True, **jobs.RETRY)
def idempotency_prune_task() -> int:
    return idempotency_prune()
