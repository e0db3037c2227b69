"""Celery tasks of the shelf. Thin: they take ids and call the functions that hold the rules."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from .pushes import TransientSendError, outbox_requeue_pending, push_deliver


@shared_task(
    bind=True,
    autoretry_for=(TransientSendError,),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
    acks_late=True,
)
def deliver_push(self: Any, outbox_id: int) -> str:
    """Deliver one pushed benefit. Idempotent: a second run finds the message claimed."""
    return push_deliver(outbox_id=outbox_id, final_attempt=self.request.retries >= self.max_retries)


@shared_task
def requeue_pending_pushes() -> int:
    return outbox_requeue_pending()
