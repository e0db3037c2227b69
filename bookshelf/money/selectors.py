"""Reads of money: prices in force, budgets' state, statements, costs for the review and the
cost page."""

from __future__ import annotations

from .budgets import BudgetState, budget_period_bounds, budgets_covering, budgets_exhausted
from .costs import month_of
from .prices import price_in_force, prices_in_force
from .reconciliation import (
    ReconciliationView,
    bill_headers,
    bill_read,
    reconciliation_of,
    statement_open_items,
)
from .statements import statement_lines

__all__ = [
    "BudgetState",
    "ReconciliationView",
    "bill_headers",
    "bill_read",
    "budget_period_bounds",
    "budgets_covering",
    "budgets_exhausted",
    "month_of",
    "price_in_force",
    "prices_in_force",
    "reconciliation_of",
    "statement_lines",
    "statement_open_items",
]
