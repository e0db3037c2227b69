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
from .prices import (
    PriceSchedule,
    price_in_force,
    price_schedules,
    price_supplier_delivers,
    prices_in_force,
)
from .reconciliation import (
    ReconciliationView,
    bill_headers,
    bill_read,
    reconciliation_of,
    statement_open_items,
)
from .reports import (
    COST_BANDS,
    BudgetUse,
    CostReport,
    CostScope,
    Margin,
    Spend,
    UseCosts,
    cost_band,
    cost_per_user,
    cost_report,
    run_rate_forecast,
    use_costs_by_tier,
)
from .statements import statement_lines

__all__ = [
    "COST_BANDS",
    "BudgetSpend",
    "BudgetState",
    "BudgetUse",
    "CostReport",
    "CostScope",
    "Margin",
    "PriceSchedule",
    "ReconciliationView",
    "Spend",
    "UseCosts",
    "bill_headers",
    "bill_read",
    "budget_period_bounds",
    "budget_spends",
    "budgets_alerting",
    "budgets_covering",
    "budgets_exhausted",
    "cost_band",
    "cost_per_user",
    "cost_report",
    "month_of",
    "price_in_force",
    "price_schedules",
    "price_supplier_delivers",
    "prices_in_force",
    "reconciliation_of",
    "run_rate_forecast",
    "statement_lines",
    "statement_open_items",
    "use_costs_by_tier",
]
