"""Reads of reach: what suits a customer now (ranked and explained), the agent's desk, open
suggestions, push conversion, and the recommender's offline evaluation."""

from __future__ import annotations

from .conversion import CONVERSION_DAYS, ConversionRow, push_conversion
from .desk import CategoryGroup, CustomerDesk, customer_desk
from .evaluation import EvalReport, recommendations_evaluate
from .followups import followups_visible_to
from .nps import (
    NPS_DEFAULT_DAYS,
    NPS_PERIODS,
    NPS_REPORT_QUERIES,
    FollowUpStats,
    MonthNps,
    NpsReport,
    NpsRow,
    ResponseRow,
    nps_of,
    nps_report,
)
from .recommendations import (
    PushAction,
    Recommendation,
    RecommendationSet,
    peer_shares,
    recent_events,
    recent_uses,
    recommendations_by_number,
    recommendations_for_customer,
    weights_get,
)
from .suggestions import open_suggestions_by_customer
from .surveys import SurveyPage, survey_invitation_for_token, survey_page, survey_page_of
from .value import value_reason, values_for
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
    "NPS_DEFAULT_DAYS",
    "NPS_PERIODS",
    "NPS_REPORT_QUERIES",
    "AgentCounts",
    "CategoryGroup",
    "ConversionRow",
    "CustomerDesk",
    "EvalReport",
    "FollowUpStats",
    "ItemKind",
    "MonthNps",
    "NpsReport",
    "NpsRow",
    "PushAction",
    "Recommendation",
    "RecommendationSet",
    "ResponseRow",
    "SurveyPage",
    "WorklistCounts",
    "WorklistCustomer",
    "WorklistFilters",
    "WorklistItem",
    "WorklistPage",
    "customer_desk",
    "followups_visible_to",
    "nps_of",
    "nps_report",
    "open_suggestions_by_customer",
    "peer_shares",
    "push_conversion",
    "recent_events",
    "recent_uses",
    "recommendations_by_number",
    "recommendations_evaluate",
    "recommendations_for_customer",
    "survey_invitation_for_token",
    "survey_page",
    "survey_page_of",
    "value_reason",
    "values_for",
    "weights_get",
    "worklist",
    "worklist_counts",
    "worklist_labels",
]
