"""Jobs of the living shelf. Thin and idempotent: they take ids and plain values, call the
review services, and retry with backoff on database hiccups. acks_late and
reject_on_worker_lost (settings) redeliver a task whose worker died; every step can run twice.
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from celery import chord, shared_task
from django.conf import settings
from django.db import OperationalError

from .. import jobs
from .models import ReviewStatus
from .services import (
    proposals_auto_retire,
    review_chunk_compute,
    review_chunks,
    review_run_fail,
    review_run_finish,
    review_run_open,
)


@shared_task(name=jobs.SHELF_REVIEW, **jobs.RETRY)
def shelf_review_task(window_days: int | None = None, window_end: str | None = None) -> int:
    """Weekly: open the run for the window and fan its benefits out in chunks (a chord), so
    several workers share a big shelf; the chord's callback makes the proposals."""
    end = date.fromisoformat(window_end) if window_end else None
    run, _created = review_run_open(window_end=end, window_days=window_days)
    if run.status == ReviewStatus.DONE:
        return run.pk
    header = [shelf_review_chunk_task.si(run.pk, ids) for ids in review_chunks(run=run)]
    finish = shelf_review_finish_task.si(run.pk)
    if header:
        chord(header)(finish)
    else:
        finish.delay()
    return run.pk


@shared_task(bind=True, name=jobs.SHELF_REVIEW_CHUNK, max_retries=5, acks_late=True)
def shelf_review_chunk_task(self: Any, run_id: int, benefit_ids: list[int]) -> int:
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


@shared_task(name=jobs.SHELF_REVIEW_FINISH, **jobs.RETRY)
def shelf_review_finish_task(run_id: int) -> dict[str, int]:
    run = review_run_finish(run_id=run_id)
    return {
        "run": run.pk,
        "benefits": run.benefits_reviewed,
        "retire": run.retire_proposals,
        "pull": run.pull_proposals,
    }


@shared_task(name=jobs.PROPOSALS_AUTO_RETIRE, **jobs.RETRY)
def proposals_auto_retire_task() -> int:
    """Daily: retire the benefits of retirement proposals nobody answered in time."""
    return proposals_auto_retire()
