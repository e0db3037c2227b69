"""Every model of the bookshelf app, re-exported from the capability that owns it.

The models live in their capabilities' own modules (`bookshelf/<capability>/models.py`);
Django loads them through this module, so the app label (`bookshelf`) and the migrations
stay as they were. Code inside `bookshelf` imports a model from its capability, never from
here (the import contracts in `.importlinter` check it); this module is for Django and for
code outside the app.
"""

from .integrations.models import (
    ApiClient,
    ApiScope,
    DeliveryStatus,
    IdempotencyRecord,
    WebhookDelivery,
    WebhookEvent,
    WebhookEventType,
    WebhookSubscription,
)
from .ledger.models import (
    Channel,
    Purchase,
    QuotaBalance,
    Redemption,
    RedemptionFeedback,
    RedemptionStatus,
    Source,
    UsageMonth,
)
from .privacy.models import PrivacyRequest, PrivacyRequestKind
from .reach.models import (
    AgentSuggestion,
    CustomerEvent,
    EventKind,
    OutboxMessage,
    OutboxStatus,
    PeerUsage,
    Push,
    PushChannel,
    RecommendationWeights,
    SuggestionStatus,
)
from .review.models import (
    AgentNotification,
    DemandGroup,
    DemandGroupTerm,
    DemandSignal,
    DemandSource,
    DemandSynonym,
    DiscoverabilityFinding,
    NotificationKind,
    Proposal,
    ProposalKind,
    ProposalStatus,
    ReviewFinding,
    ReviewRun,
    ReviewSettings,
    ReviewStatus,
    Verdict,
)
from .shelf.models import (
    Eligibility,
    QuotaPeriod,
    ShelfCell,
)

__all__ = [
    "AgentNotification",
    "AgentSuggestion",
    "ApiClient",
    "ApiScope",
    "Channel",
    "CustomerEvent",
    "DeliveryStatus",
    "DemandGroup",
    "DemandGroupTerm",
    "DemandSignal",
    "DemandSource",
    "DemandSynonym",
    "DiscoverabilityFinding",
    "Eligibility",
    "EventKind",
    "IdempotencyRecord",
    "NotificationKind",
    "OutboxMessage",
    "OutboxStatus",
    "PeerUsage",
    "PrivacyRequest",
    "PrivacyRequestKind",
    "Proposal",
    "ProposalKind",
    "ProposalStatus",
    "Purchase",
    "Push",
    "PushChannel",
    "QuotaBalance",
    "QuotaPeriod",
    "RecommendationWeights",
    "Redemption",
    "RedemptionFeedback",
    "RedemptionStatus",
    "ReviewFinding",
    "ReviewRun",
    "ReviewSettings",
    "ReviewStatus",
    "ShelfCell",
    "Source",
    "SuggestionStatus",
    "UsageMonth",
    "Verdict",
    "WebhookDelivery",
    "WebhookEvent",
    "WebhookEventType",
    "WebhookSubscription",
]
