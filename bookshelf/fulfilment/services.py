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
from .rebooking import ChangeWindow, change_window, cutoff_hours, fulfilment_rebook
from .sweeps import cases_open_overdue, fulfilments_expire

__all__ = [
    "REASON_MAX_LENGTH",
    "SYSTEM",
    "Actor",
    "Change",
    "ChangeWindow",
    "ClaimedCode",
    "TransitionResult",
    "UseResult",
    "cases_open_overdue",
    "change_window",
    "code_claim",
    "code_void",
    "cutoff_hours",
    "fulfilment_rebook",
    "fulfilment_transition",
    "fulfilments_expire",
    "use_cancel",
    "use_request",
]
