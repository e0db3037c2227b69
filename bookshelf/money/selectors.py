"""Reads of money: prices in force, budgets' state, statements, costs for the review and the
cost page."""

from __future__ import annotations

from .budgets import BudgetState, budget_period_bounds, budgets_covering, budgets_exhausted
from .costs import month_of
from .prices import (
    PriceSchedule,
    price_in_force,
    price_schedules,
    price_supplier_delivers,
    prices_in_force,
)
from .statements import statement_lines

__all__ = [
    "BudgetState",
    "PriceSchedule",
    "budget_period_bounds",
    "budgets_covering",
    "budgets_exhausted",
    "month_of",
    "price_in_force",
    "price_schedules",
    "price_supplier_delivers",
    "prices_in_force",
    "statement_lines",
]
