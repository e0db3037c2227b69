"""Reads of money: prices in force, budgets' state, statements, costs for the review and the
cost page."""

from __future__ import annotations

from .budgets import (
    BudgetSpend,
    BudgetState,
    budget_period_bounds,
    budget_spends,
    budget_states_from_rows,
    budgets_alerting,
    budgets_covering,
    budgets_exhausted,
    budgets_used_up_statement,
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
    "COST_BANDS",
    "BenefitTotal",
    "BudgetSpend",
    "BudgetState",
    "BudgetUse",
    "CostReport",
    "CostScope",
    "Margin",
    "PriceSchedule",
    "ReconciliationView",
    "Spend",
    "StatementTotals",
    "UseCosts",
    "bill_headers",
    "bill_read",
    "budget_period_bounds",
    "budget_spends",
    "budget_states_from_rows",
    "budgets_alerting",
    "budgets_covering",
    "budgets_exhausted",
    "budgets_used_up_statement",
    "cost_band",
    "cost_per_user",
    "cost_report",
    "export_file_name",
    "last_month",
    "month_of",
    "price_in_force",
    "price_schedules",
    "price_supplier_delivers",
    "prices_in_force",
    "reconciliation_of",
    "run_rate_forecast",
    "statement_csv",
    "statement_lines",
    "statement_open_items",
    "statement_totals",
    "statement_xlsx",
    "statements_with_figures",
    "use_costs_by_tier",
]
