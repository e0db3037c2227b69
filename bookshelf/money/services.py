"""Writes of money: contract prices, the cost and budget of each use (called by fulfilment
in the use's transaction), budgets, statements and reconciliation."""

from __future__ import annotations

from .budgets import (
    BudgetInput,
    budget_charge,
    budget_check,
    budget_period_open,
    budget_release,
    budget_reprice,
    budget_save,
)
from .costs import (
    Charged,
    UsePricing,
    use_cancel_done,
    use_charge,
    use_give_back,
    use_pricing_from_rows,
    use_pricing_statements,
    use_settle,
)
from .prices import money, price_check, price_set, price_withdraw
from .reconciliation import Decision, Mapping, bill_import, item_decide, statement_reconcile
from .statements import statement_approve, statement_draft, statements_draft_month

__all__ = [
    "BudgetInput",
    "Charged",
    "Decision",
    "Mapping",
    "UsePricing",
    "bill_import",
    "budget_charge",
    "budget_check",
    "budget_period_open",
    "budget_release",
    "budget_reprice",
    "budget_save",
    "item_decide",
    "money",
    "price_check",
    "price_set",
    "price_withdraw",
    "statement_approve",
    "statement_draft",
    "statement_reconcile",
    "statements_draft_month",
    "use_cancel_done",
    "use_charge",
    "use_give_back",
    "use_pricing_from_rows",
    "use_pricing_statements",
    "use_settle",
]
