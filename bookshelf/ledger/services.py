"""Writes of the ledger: uses and their cancellation, purchases, ratings, and the upkeep of
the usage rollup and the redemption table's partitions. Callers (API, admin, tasks,
commands, other capabilities) come through here."""

from __future__ import annotations

from .cancellation import REASON_MAX_LENGTH, hold_settle, redemption_cancel
from .channels import channel_claim_check
from .feedback import redemption_feedback_create
from .partitions import redemption_partitions_ensure
from .purchases import purchase_create
from .redemptions import RedemptionResult, redemption_create, redemption_event, redemption_record
from .usage import usage_prune, usage_rebuild

__all__ = [
    "REASON_MAX_LENGTH",
    "RedemptionResult",
    "channel_claim_check",
    "hold_settle",
    "purchase_create",
    "redemption_cancel",
    "redemption_create",
    "redemption_event",
    "redemption_feedback_create",
    "redemption_partitions_ensure",
    "redemption_record",
    "usage_prune",
    "usage_rebuild",
]
