"""Jobs of reach: suggestions from events and expiring quotas, the peers' usage, pushes and
their requeue. Thin: ids in, one service call."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from celery import shared_task

from .. import jobs
from .services import (
    TransientSendError,
    event_suggestions_create,
    events_pending,
    followups_escalate,
    outbox_requeue_pending,
    peer_usage_refresh,
    push_deliver,
    quota_expiring_sweep,
    survey_invitations_sweep,
)
from .value import customer_values_refresh


@shared_task(name=jobs.SUGGESTIONS_FOR_EVENT, acks_late=True, ignore_result=True, **jobs.RETRY)
def suggestions_for_event_task(event_id: int) -> int:
    return event_suggestions_create(event_id=event_id)


@shared_task(name=jobs.SUGGESTIONS_SWEEP, acks_late=True, ignore_result=True, **jobs.RETRY)
def suggestions_sweep_task() -> int:
    """Events the broker missed, then benefits whose period ends soon with uses left."""
    made = sum(event_suggestions_create(event_id=pk) for pk in events_pending())
    return made + quota_expiring_sweep().suggestions


@shared_task(name=jobs.PEER_USAGE_REFRESH, acks_late=True, ignore_result=True, **jobs.RETRY)
def peer_usage_refresh_task() -> int:
    return peer_usage_refresh()


@shared_task(
    bind=True,
    name=jobs.PUSH_DELIVER,
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
def push_deliver_task(self: Any, outbox_id: int) -> str:
    """Deliver one pushed benefit. A second run finds the message claimed (or sent) and
    skips it; once a dead worker's lease ran out, it sends it again with the same key."""
    return push_deliver(outbox_id=outbox_id, final_attempt=self.request.retries >= self.max_retries)


@shared_task(name=jobs.PUSHES_REQUEUE)
def pushes_requeue_task() -> int:
    """Pushes whose delivery the broker missed (or that wait for a retry), and claims whose
    lease expired because their worker died mid-send."""
    return outbox_requeue_pending()


@shared_task(name=jobs.FOLLOWUPS_ESCALATE, acks_late=True, ignore_result=True, **jobs.RETRY)
def followups_escalate_task() -> int:
    """Detractors not called back in time go to the agent's supervisor, once each."""
    return followups_escalate()


@shared_task(name=jobs.SURVEY_INVITATIONS_SWEEP, acks_late=True, ignore_result=True, **jobs.RETRY)
def survey_invitations_sweep_task() -> int:
    """Invite customers to rate uses fulfilled since the last sweep (each use decided once,
    so a retried or duplicated run invites nobody twice)."""
    return survey_invitations_sweep().sent


@shared_task(name=jobs.CUSTOMER_VALUES_REFRESH, acks_late=True, ignore_result=True, **jobs.RETRY)
def customer_values_refresh_task() -> dict[str, Any]:
    """Nightly: every customer's value profile, in SQL (safe to run twice: it recomputes)."""
    return asdict(customer_values_refresh())
