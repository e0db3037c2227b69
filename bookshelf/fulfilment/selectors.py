"""Reads of the fulfilment: open requests, suppliers of a benefit, the operations queue."""

from __future__ import annotations

from .callbacks import (
    fulfilment_history,
    fulfilments_by_redemption,
    redemption_state,
    supplier_fulfilment_get,
    supplier_fulfilments,
)
from .cases import SupplierCases, open_cases, open_cases_by_supplier, open_cases_count_for
from .lifecycle import suppliers_for
from .pools import pools_low_stock, pools_with_stock
from .queries import (
    HeldRequest,
    held_requests_from_rows,
    held_requests_statement,
    open_fulfilments_for,
)
from .transitions import (
    OPEN_STATES,
    RELEASING_STATES,
    SETTLING_STATES,
    TRANSITIONS,
    allowed,
    targets_from,
)

__all__ = [
    "OPEN_STATES",
    "RELEASING_STATES",
    "SETTLING_STATES",
    "TRANSITIONS",
    "HeldRequest",
    "SupplierCases",
    "allowed",
    "fulfilment_history",
    "fulfilments_by_redemption",
    "held_requests_from_rows",
    "held_requests_statement",
    "open_cases",
    "open_cases_by_supplier",
    "open_cases_count_for",
    "open_fulfilments_for",
    "pools_low_stock",
    "pools_with_stock",
    "redemption_state",
    "supplier_fulfilment_get",
    "supplier_fulfilments",
    "suppliers_for",
    "targets_from",
]
