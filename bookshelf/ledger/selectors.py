"""Reads of the ledger: the benefit centre (`bookshelf_for_customer`), the household, what is
left of an allowance, histories, the usage rollup, the quota audit and the partitions."""

from __future__ import annotations

from .allowance import Allowance, Draw, draw_allowance, household_draws
from .audit import QuotaAudit, quota_audit
from .cancellation import CancellableUse, redemptions_self_cancellable
from .centre import (
    Balances,
    Bookshelf,
    LeanOwn,
    OwnPlan,
    PlanCategory,
    ShelfEntry,
    bookshelf_assemble,
    bookshelf_for_customer,
    bookshelf_from_rows,
    centre_statements,
    purchase_entry,
)
from .channels import STAFF_CHANNELS, channel_default, channels_claimable
from .history import purchase_history, redemption_for_customer, redemption_history
from .household import Household, household_load, policy_facts
from .partitions import Partition, is_partitioned, partitions_list
from .usage import WINDOW_MONTHS, usage_recent, window_start

__all__ = [
    "STAFF_CHANNELS",
    "WINDOW_MONTHS",
    "Allowance",
    "Balances",
    "Bookshelf",
    "CancellableUse",
    "Draw",
    "Household",
    "LeanOwn",
    "OwnPlan",
    "Partition",
    "PlanCategory",
    "QuotaAudit",
    "ShelfEntry",
    "bookshelf_assemble",
    "bookshelf_for_customer",
    "bookshelf_from_rows",
    "centre_statements",
    "channel_default",
    "channels_claimable",
    "draw_allowance",
    "household_draws",
    "household_load",
    "is_partitioned",
    "partitions_list",
    "policy_facts",
    "purchase_entry",
    "purchase_history",
    "quota_audit",
    "redemption_for_customer",
    "redemption_history",
    "redemptions_self_cancellable",
    "usage_recent",
    "window_start",
]
