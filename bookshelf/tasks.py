"""Jobs of the living shelf. Thin and idempotent: they take ids and plain values, call the
review service, and retry with backoff on database hiccups. acks_late and
reject_on_worker_lost (settings) redeliver a task whose worker died; every step can run twice.
"""

from __future__ import annotations

import logging
import time
from datetime import date
from typing import Any

from celery import chord, shared_task
from django.conf import settings
from django.db import OperationalError

from . import webhooks
from .partitions import redemption_partitions_ensure
from .pushes import TransientSendError, outbox_requeue_pending, push_deliver
from .review import (
    proposals_auto_retire,
    review_chunk_compute,
    review_chunks,
    review_run_fail,
    review_run_finish,
    review_run_open,
)

log = logging.getLogger(__name__)

RETRY: dict[str, Any] = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(name="bookshelf.shelf_review", **RETRY)
def shelf_review(window_days: int | None = None, window_end: str | None = None) -> int:
    """Weekly: open the run for the window and fan its benefits out in chunks (a chord), so
    several workers share a big shelf; the chord's callback makes the proposals."""
    end = date.fromisoformat(window_end) if window_end else None
    run, _created = review_run_open(window_end=end, window_days=window_days)
    if run.status == "done":
        return run.pk
    header = [shelf_review_chunk.si(run.pk, ids) for ids in review_chunks(run=run)]
    finish = shelf_review_finish.si(run.pk)
    if header:
        chord(header)(finish)
    else:
        finish.delay()
    return run.pk


@shared_task(bind=True, name="bookshelf.shelf_review_chunk", max_retries=5, acks_late=True)
def shelf_review_chunk(self: Any, run_id: int, benefit_ids: list[int]) -> int:
    try:
        done = review_chunk_compute(run_id=run_id, benefit_ids=benefit_ids)
        if settings.BOOKSHELF_REVIEW_CHUNK_PAUSE:
            time.sleep(settings.BOOKSHELF_REVIEW_CHUNK_PAUSE)
        return done
    except OperationalError as exc:
        if self.request.retries < self.max_retries:
            raise self.retry(exc=exc, countdown=min(600, 5 * 2**self.request.retries)) from exc
        review_run_fail(run_id=run_id, error=repr(exc))
        raise
    except Exception as exc:
        review_run_fail(run_id=run_id, error=repr(exc))
        raise


@shared_task(name="bookshelf.shelf_review_finish", **RETRY)
def shelf_review_finish(run_id: int) -> dict[str, int]:
    run = review_run_finish(run_id=run_id)
    return {
        "run": run.pk,
        "benefits": run.benefits_reviewed,
        "retire": run.retire_proposals,
        "pull": run.pull_proposals,
    }


@shared_task(name="bookshelf.proposals_auto_retire", **RETRY)
def auto_retire_proposals() -> int:
    """Daily: retire the benefits of retirement proposals nobody answered in time."""
    return proposals_auto_retire()


@shared_task(name="bookshelf.redemption_partitions_ensure", **RETRY)
def redemption_partitions(months_ahead: int = 3) -> list[str]:
    """Monthly: the redemption table's partitions for the next months (PostgreSQL), and the
    usage rollup's months that have left the recommendations' window dropped."""
    from .usage import usage_prune

    created = redemption_partitions_ensure(months_ahead=months_ahead)
    usage_prune()
    return created


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


@shared_task(acks_late=True, ignore_result=True, **RETRY)
def suggestions_for_event(event_id: int) -> int:
    from .moments import event_suggestions_create

    return event_suggestions_create(event_id=event_id)


@shared_task(acks_late=True, ignore_result=True, **RETRY)
def suggestions_sweep() -> int:
    """Events the broker missed, then benefits whose period ends soon with uses left."""
    from .moments import event_suggestions_create, events_pending, quota_expiring_sweep

    made = sum(event_suggestions_create(event_id=pk) for pk in events_pending())
    return made + quota_expiring_sweep().suggestions


@shared_task(acks_late=True, ignore_result=True, **RETRY)
def peer_usage_refresh_task() -> int:
    from .recommendations import peer_usage_refresh

    return peer_usage_refresh()


@shared_task(
    bind=True,
    autoretry_for=(TransientSendError,),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
    acks_late=True,
    # The outbox row is the record; a stored result would make every enqueue subscribe to
    # the result backend, which blocks for 20 s of reconnects when Redis is down.
    ignore_result=True,
)
def deliver_push(self: Any, outbox_id: int) -> str:
    """Deliver one pushed benefit. Idempotent: a second run finds the message claimed."""
    return push_deliver(outbox_id=outbox_id, final_attempt=self.request.retries >= self.max_retries)


@shared_task
def requeue_pending_pushes() -> int:
    """Pushes whose delivery the broker missed (or that wait for a retry)."""
    return outbox_requeue_pending()


@shared_task(acks_late=True, ignore_result=True, **RETRY)
def idempotency_prune_task() -> int:
    from .idempotency import idempotency_prune

    return idempotency_prune()
