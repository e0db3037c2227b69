"""Jobs of the ledger. Thin: ids and plain values in, one service call."""

from __future__ import annotations

from celery import shared_task

from .. import jobs
from .services import redemption_partitions_ensure, usage_prune


@shared_task(name=jobs.REDEMPTION_PARTITIONS_ENSURE, **jobs.RETRY)
def redemption_partitions_ensure_task(months_ahead: int = 3) -> list[str]:
    """Monthly: the redemption table's partitions for the next months (PostgreSQL), and the
    usage rollup's months that have left the recommendations' window dropped."""
    created = redemption_partitions_ensure(months_ahead=months_ahead)
    usage_prune()
    return created
