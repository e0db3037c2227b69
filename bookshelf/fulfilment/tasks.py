"""Jobs of the fulfilment. Thin: one service call each."""

from __future__ import annotations

from celery import shared_task

from .. import jobs
from .services import cases_open_overdue, fulfilments_expire


@shared_task(name=jobs.FULFILMENT_OVERDUE_SWEEP, ignore_result=True, **jobs.RETRY)
def fulfilment_overdue_sweep_task() -> int:
    """Every ten minutes: fulfilments past their service level open an operations case."""
    return cases_open_overdue()


@shared_task(name=jobs.FULFILMENT_EXPIRE_SWEEP, ignore_result=True, **jobs.RETRY)
def fulfilment_expire_sweep_task() -> int:
    """Nightly: issued codes past their validity expire and their uses are given back."""
    return fulfilments_expire()
