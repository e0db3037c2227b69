"""Background jobs by name: the one place that knows them.

Domain code never imports a task to wake a worker (that made import circles such as
`moments -> pushes -> tasks -> webhooks -> tasks`). It names the job and calls
`enqueue_on_commit`; the task is looked up in Celery's registry, so eager mode (the
embedded default) runs it in-process like any task. Each capability defines its own tasks
in its `tasks.py`, registered under these names.

The names are pinned to the strings beat's schedule rows in the database already store
(django-celery-beat keeps the task name, not the function): renaming one would silently
stop a scheduled job. `tests/bookshelf/test_architecture.py` pins them.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from django.db import OperationalError, transaction

from config.celery import app

log = logging.getLogger(__name__)

# The living shelf (bookshelf.review)
SHELF_REVIEW = "bookshelf.shelf_review"
SHELF_REVIEW_CHUNK = "bookshelf.shelf_review_chunk"
SHELF_REVIEW_FINISH = "bookshelf.shelf_review_finish"
PROPOSALS_AUTO_RETIRE = "bookshelf.proposals_auto_retire"
# The ledger
REDEMPTION_PARTITIONS_ENSURE = "bookshelf.redemption_partitions_ensure"
# Benefits find the customer (bookshelf.reach)
SUGGESTIONS_FOR_EVENT = "bookshelf.tasks.suggestions_for_event"
SUGGESTIONS_SWEEP = "bookshelf.tasks.suggestions_sweep"
PEER_USAGE_REFRESH = "bookshelf.tasks.peer_usage_refresh_task"
PUSH_DELIVER = "bookshelf.tasks.deliver_push"
PUSHES_REQUEUE = "bookshelf.tasks.requeue_pending_pushes"
# The agent's day (bookshelf.reach): customer value, survey invitations, detractor follow-ups
CUSTOMER_VALUES_REFRESH = "bookshelf.customer_values_refresh"
SURVEY_INVITATIONS_SWEEP = "bookshelf.survey_invitations_sweep"
FOLLOWUPS_ESCALATE = "bookshelf.followups_escalate"
# Suppliers and fulfilment (bookshelf.fulfilment)
FULFILMENT_OVERDUE_SWEEP = "bookshelf.fulfilment_overdue_sweep"
FULFILMENT_EXPIRE_SWEEP = "bookshelf.fulfilment_expire_sweep"
# Money (bookshelf.money)
STATEMENTS_DRAFT_MONTH = "bookshelf.statements_draft_month"
# Integrations
WEBHOOK_DELIVER = "bookshelf.tasks.webhook_deliver"
WEBHOOKS_SWEEP = "bookshelf.tasks.webhooks_sweep"
IDEMPOTENCY_PRUNE = "bookshelf.tasks.idempotency_prune_task"

ALL = (
    SHELF_REVIEW,
    SHELF_REVIEW_CHUNK,
    SHELF_REVIEW_FINISH,
    PROPOSALS_AUTO_RETIRE,
    REDEMPTION_PARTITIONS_ENSURE,
    SUGGESTIONS_FOR_EVENT,
    SUGGESTIONS_SWEEP,
    PEER_USAGE_REFRESH,
    PUSH_DELIVER,
    PUSHES_REQUEUE,
    CUSTOMER_VALUES_REFRESH,
    SURVEY_INVITATIONS_SWEEP,
    FOLLOWUPS_ESCALATE,
    FULFILMENT_OVERDUE_SWEEP,
    FULFILMENT_EXPIRE_SWEEP,
    STATEMENTS_DRAFT_MONTH,
    WEBHOOK_DELIVER,
    WEBHOOKS_SWEEP,
    IDEMPOTENCY_PRUNE,
)

# The retry policy of jobs that only touch the database: a hiccup (connection lost, a
# failover) is retried with exponential backoff and jitter.
RETRY: dict[str, Any] = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
}


def task(name: str) -> Any:
    """The registered task of that name (KeyError if no capability defines it)."""
    return app.tasks[name]


def enqueue(name: str, *args: Any) -> bool:
    """Send the job now. A broker outage is logged, not raised: the work is in the database
    (an outbox row, a pending delivery, an unsuggested event) and its sweep sends it once the
    broker is back. Errors of the task itself (eager mode) still raise."""
    job = task(name)
    if app.conf.task_always_eager:
        job.delay(*args)
        return True
    try:
        job.delay(*args)
    except Exception as exc:  # publishing runs none of the task's code: this is the broker's
        log.warning(
            "broker unavailable (%s): %s%r waits for the sweep", type(exc).__name__, name, args
        )
        return False
    return True


def enqueue_on_commit(name: str, *args: Any) -> None:
    """Send the job once the current transaction commits (at once outside one); a rolled
    back change sends nothing."""
    transaction.on_commit(partial(enqueue, name, *args))
