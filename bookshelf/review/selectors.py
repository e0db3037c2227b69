"""Reads of the living shelf: the review's settings and thresholds, how the shelf is used
(the shelf matrix, a benefit's uses by month), demand grouping keys, what a retirement
touches, when the next review runs."""

from __future__ import annotations

from .demand_groups import benefit_names, demand_asked_held, demand_synonyms
from .demand_keys import demand_text_key
from .impact import RetirementImpact, retirement_impact
from .proposals import pull_request_words
from .runs import run_verdict_counts
from .schedule import ScheduledReview, review_in_progress, review_next_scheduled
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
from .wording import colon, list_sep

__all__ = [
    "USAGE_WINDOW_DAYS",
    "RetirementImpact",
    "ScheduledReview",
    "ShelfMatrix",
    "UsageByMonth",
    "Window",
    "benefit_names",
    "benefit_usage_by_month",
    "colon",
    "demand_asked_held",
    "demand_synonyms",
    "demand_text_key",
    "list_sep",
    "pull_request_words",
    "retirement_impact",
    "review_benefit_ids",
    "review_in_progress",
    "review_next_scheduled",
    "review_settings_default",
    "review_thresholds_for",
    "run_verdict_counts",
    "run_window",
    "shelf_matrix",
    "tier_counts",
    "tier_label",
]
