"""Reads of reach: what suits a customer now (ranked and explained), the agent's desk, open
suggestions, push conversion, and the recommender's offline evaluation."""

from __future__ import annotations

from .conversion import CONVERSION_DAYS, ConversionRow, push_conversion
from .desk import CategoryGroup, CustomerDesk, customer_desk
from .evaluation import EvalReport, recommendations_evaluate
from .recommendations import (
    PushAction,
    Recommendation,
    RecommendationSet,
    peer_shares,
    recent_events,
    recent_uses,
    recommendations_for_customer,
    weights_get,
)
from .suggestions import open_suggestions_by_customer
from .worklist import (
    KIND_LABELS,
    AgentCounts,
    ItemKind,
    WorklistCounts,
    WorklistCustomer,
    WorklistFilters,
    WorklistItem,
    WorklistPage,
    worklist,
    worklist_counts,
)
from .worklist_actions import worklist_labels

__all__ = [
    "CONVERSION_DAYS",
    "KIND_LABELS",
    "AgentCounts",
    "CategoryGroup",
    "ConversionRow",
    "CustomerDesk",
    "EvalReport",
    "ItemKind",
    "PushAction",
    "Recommendation",
    "RecommendationSet",
    "WorklistCounts",
    "WorklistCustomer",
    "WorklistFilters",
    "WorklistItem",
    "WorklistPage",
    "customer_desk",
    "open_suggestions_by_customer",
    "peer_shares",
    "push_conversion",
    "recent_events",
    "recent_uses",
    "recommendations_evaluate",
    "recommendations_for_customer",
    "weights_get",
    "worklist",
    "worklist_counts",
    "worklist_labels",
]
