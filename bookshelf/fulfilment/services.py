"""Writes of the fulfilment: uses requested and handed to suppliers, their transitions and
cancellation, supplier keys, code pools, the sweeps for overdue and expired fulfilments."""

from __future__ import annotations

from .callbacks import SUPPLIER_EVENTS, supplier_event_record
from .cases import case_close
from .keys import (
    supplier_key_create,
    supplier_key_rotate,
    supplier_sign,
    supplier_signature_verify,
    supplier_signed_in,
)
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
from .pool_import import ImportReport, code_pool_ensure, codes_import
from .pools import ClaimedCode, code_claim, code_void
from .rebooking import ChangeWindow, change_window, cutoff_hours, fulfilment_rebook
from .sweeps import cases_open_overdue, fulfilments_expire

__all__ = [
    "REASON_MAX_LENGTH",
    "SUPPLIER_EVENTS",
    "SYSTEM",
    "Actor",
    "Change",
    "ChangeWindow",
    "ClaimedCode",
    "ImportReport",
    "TransitionResult",
    "UseResult",
    "case_close",
    "cases_open_overdue",
    "change_window",
    "code_claim",
    "code_pool_ensure",
    "code_void",
    "codes_import",
    "cutoff_hours",
    "fulfilment_rebook",
    "fulfilment_transition",
    "fulfilments_expire",
    "supplier_event_record",
    "supplier_key_create",
    "supplier_key_rotate",
    "supplier_sign",
    "supplier_signature_verify",
    "supplier_signed_in",
    "use_cancel",
    "use_request",
]
