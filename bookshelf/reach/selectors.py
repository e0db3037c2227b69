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
from .value import value_reason, values_for

__all__ = [
    "CONVERSION_DAYS",
    "CategoryGroup",
    "ConversionRow",
    "CustomerDesk",
    "EvalReport",
    "PushAction",
    "Recommendation",
    "RecommendationSet",
    "customer_desk",
    "open_suggestions_by_customer",
    "peer_shares",
    "push_conversion",
    "recent_events",
    "recent_uses",
    "recommendations_evaluate",
    "recommendations_for_customer",
    "value_reason",
    "values_for",
    "weights_get",
]
