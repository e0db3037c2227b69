"""Reads of the fulfilment: open requests, suppliers of a benefit, the operations queue."""

from __future__ import annotations

from .lifecycle import suppliers_for
from .pools import pools_low_stock, pools_with_stock
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
    "allowed",
    "open_fulfilments_for",
    "pools_low_stock",
    "pools_with_stock",
    "suppliers_for",
    "targets_from",
]
