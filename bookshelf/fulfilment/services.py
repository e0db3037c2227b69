"""Writes of the fulfilment: uses requested and handed to suppliers, their transitions and
cancellation, supplier keys, code pools, the sweeps for overdue and expired fulfilments."""

from __future__ import annotations

from .lifecycle import (
    REASON_MAX_LENGTH,
    SYSTEM,
    Actor,
    Change,
    TransitionResult,
    UseResult,
    fulfilment_transition,
    use_cancel,
    use_request,
)
from .pools import ClaimedCode, code_claim, code_void

__all__ = [
    "REASON_MAX_LENGTH",
    "SYSTEM",
    "Actor",
    "Change",
    "ClaimedCode",
    "TransitionResult",
    "UseResult",
    "code_claim",
    "code_void",
    "fulfilment_transition",
    "use_cancel",
    "use_request",
]
