"""Jobs of money. Thin: one service call each."""

from __future__ import annotations

from datetime import date

from celery import shared_task

from .. import jobs
from .statements import last_month, statements_draft_month


@shared_task(name=jobs.STATEMENTS_DRAFT_MONTH, ignore_result=True, **jobs.RETRY)
def statements_draft_month_task(month: str | None = None) -> int:
    """On the 1st: last month's draft statement for every supplier with lines to pay
    (`month` as YYYY-MM-DD to draft another; idempotent)."""
    chosen = date.fromisoformat(month) if month else last_month()
    return len(statements_draft_month(month=chosen))
