"""Reads of the fulfilment: open requests, suppliers of a benefit, the operations queue."""

from __future__ import annotations

from .cases import SupplierCases, open_cases, open_cases_by_supplier, open_cases_count_for
from .lifecycle import suppliers_for
from .queries import open_fulfilments_for
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
    "SupplierCases",
    "allowed",
    "open_cases",
    "open_cases_by_supplier",
    "open_cases_count_for",
    "open_fulfilments_for",
    "suppliers_for",
    "targets_from",
]
