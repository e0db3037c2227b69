"""Reads of the living shelf: the review's settings and thresholds, how the shelf is used
(the shelf matrix, a benefit's uses by month), demand grouping keys."""

from __future__ import annotations

from .demand_keys import demand_text_key
from .shelf_usage import (
    USAGE_WINDOW_DAYS,
    ShelfMatrix,
    UsageByMonth,
    benefit_usage_by_month,
    shelf_matrix,
    tier_counts,
)
from .thresholds import (
    Window,
    review_benefit_ids,
    review_settings_default,
    review_thresholds_for,
    run_window,
    tier_label,
)

__all__ = [
    "USAGE_WINDOW_DAYS",
    "ShelfMatrix",
    "UsageByMonth",
    "Window",
    "benefit_usage_by_month",
    "demand_text_key",
    "review_benefit_ids",
    "review_settings_default",
    "review_thresholds_for",
    "run_window",
    "shelf_matrix",
    "tier_counts",
    "tier_label",
]
