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
from .invitations import InviteReport, survey_invitations_sweep, survey_throttle_claim
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
from .surveys import SurveyAnswer, survey_answer
from .value import ValueRefreshReport, customer_values_refresh, value_weights_get
from .worklist_actions import (
    BulkResult,
    Outcome,
    worklist_dismiss,
    worklist_item_ids_parse,
    worklist_push,
)

__all__ = [
    "DETRACTOR_MAX",
    "PUSH_CONSENT",
    "PUSH_OUTBOX",
    "BulkResult",
    "DatabaseLogSender",
    "FeedbackResult",
    "InviteReport",
    "Outcome",
    "PushSender",
    "SurveyAnswer",
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
    "survey_answer",
    "survey_invitations_sweep",
    "survey_settings_get",
    "survey_throttle_claim",
    "value_weights_get",
    "worklist_dismiss",
    "worklist_item_ids_parse",
    "worklist_push",
]
