"""Writes of money: contract prices, the cost and budget of each use (called by fulfilment
in the use's transaction), budgets, statements and reconciliation."""

from __future__ import annotations

from .budgets import budget_charge, budget_period_open, budget_release, budget_reprice
from .costs import Charged, use_cancel_done, use_charge, use_give_back, use_settle
from .prices import money, price_set
from .statements import statement_approve, statement_draft, statements_draft_month

__all__ = [
    "Charged",
    "budget_charge",
    "budget_period_open",
    "budget_release",
    "budget_reprice",
    "money",
    "price_set",
    "statement_approve",
    "statement_draft",
    "statements_draft_month",
    "use_cancel_done",
    "use_charge",
    "use_give_back",
    "use_settle",
]
