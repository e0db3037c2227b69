"""Celery tasks of the shelf. Tasks take ids, are idempotent, and retry with backoff."""

from __future__ import annotations

from celery import shared_task

from . import webhooks


@shared_task(acks_late=True, ignore_result=True)
def webhook_deliver(delivery_id: int) -> str:
    """One attempt; failures are rescheduled in the database and picked up by the sweep."""
    return webhooks.delivery_attempt(delivery_id=delivery_id)


@shared_task(acks_late=True, ignore_result=True)
def webhooks_sweep() -> int:
    """Send what is due: retries whose backoff ran out, and what the broker missed."""
    due = webhooks.deliveries_due()
    for delivery_id in due:
        webhook_deliver.delay(delivery_id)
    return len(due)
