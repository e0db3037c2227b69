"""Reads of money: prices in force, budgets' state, statements, costs for the review and the
cost page."""

from __future__ import annotations

from .budgets import (
    BudgetSpend,
    BudgetState,
    budget_period_bounds,
    budget_spends,
    budgets_alerting,
    budgets_covering,
    budgets_exhausted,
)
from .costs import month_of
from .prices import price_in_force, prices_in_force
from .statements import statement_lines

__all__ = [
    "BudgetSpend",
    "BudgetState",
    "budget_period_bounds",
    "budget_spends",
    "budgets_alerting",
    "budgets_covering",
    "budgets_exhausted",
    "month_of",
    "price_in_force",
    "prices_in_force",
    "statement_lines",
]
