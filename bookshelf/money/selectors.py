"""Reads of money: prices in force, budgets' state, statements, costs for the review and the
cost page."""

from __future__ import annotations

from .budgets import BudgetState, budget_period_bounds, budgets_covering, budgets_exhausted
from .costs import month_of
from .prices import price_in_force, prices_in_force
from .statement_export import export_file_name, statement_csv, statement_xlsx
from .statements import (
    BenefitTotal,
    StatementTotals,
    last_month,
    statement_lines,
    statement_totals,
    statements_with_figures,
)

__all__ = [
    "BenefitTotal",
    "BudgetState",
    "StatementTotals",
    "budget_period_bounds",
    "budgets_covering",
    "budgets_exhausted",
    "export_file_name",
    "last_month",
    "month_of",
    "price_in_force",
    "prices_in_force",
    "statement_csv",
    "statement_lines",
    "statement_totals",
    "statement_xlsx",
    "statements_with_figures",
]
