"""Writes of reach: life events and the suggestions they make, the quota-expiring sweep,
acting on suggestions, pushes and their delivery, the peers' usage refresh."""

from __future__ import annotations

from .expiring import SweepReport, quota_expiring_sweep
from .followups import (
    DETRACTOR_MAX,
    FeedbackResult,
    feedback_record,
    followup_call_record,
    followup_open,
    followups_escalate,
    survey_settings_get,
)
from .moments import customer_event_record, event_suggestions_create, events_pending
from .pushes import (
    PUSH_CONSENT,
    PUSH_OUTBOX,
    DatabaseLogSender,
    PushSender,
    TransientSendError,
    outbox_message_retry,
    outbox_requeue_pending,
    push_create,
    push_deliver,
    push_idempotency_key,
)
from .recommendations import peer_usage_refresh
from .suggestions import suggestion_accept, suggestion_dismiss
from .value import ValueRefreshReport, customer_values_refresh, value_weights_get

__all__ = [
    "DETRACTOR_MAX",
    "PUSH_CONSENT",
    "PUSH_OUTBOX",
    "DatabaseLogSender",
    "FeedbackResult",
    "PushSender",
    "SweepReport",
    "TransientSendError",
    "ValueRefreshReport",
    "customer_event_record",
    "customer_values_refresh",
    "event_suggestions_create",
    "events_pending",
    "feedback_record",
    "followup_call_record",
    "followup_open",
    "followups_escalate",
    "outbox_message_retry",
    "outbox_requeue_pending",
    "peer_usage_refresh",
    "push_create",
    "push_deliver",
    "push_idempotency_key",
    "quota_expiring_sweep",
    "suggestion_accept",
    "suggestion_dismiss",
    "survey_settings_get",
    "value_weights_get",
]
