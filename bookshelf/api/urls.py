from django.urls import path

from . import (
    agents,
    benefit_centre,
    catalog,
    consents,
    demand,
    events,
    feedback,
    purchases,
    recommendations,
    redemptions,
    suppliers,
    surveys,
    webhooks,
    worklist,
)

app_name = "api"

urlpatterns = [
    path("categories", catalog.CategoryTreeView.as_view(), name="categories"),
    path("benefits", catalog.BenefitListView.as_view(), name="benefits"),
    path("benefits/<str:code>", catalog.BenefitDetailView.as_view(), name="benefit-detail"),
    path(
        "customers/<str:customer_no>/bookshelf",
        benefit_centre.BookshelfView.as_view(),
        name="bookshelf",
    ),
    path(
        "customers/<str:customer_no>/redemptions",
        redemptions.RedemptionListCreateView.as_view(),
        name="redemptions",
    ),
    path(
        "customers/<str:customer_no>/redemptions/<int:redemption_id>",
        redemptions.RedemptionDetailView.as_view(),
        name="redemption-detail",
    ),
    path(
        "customers/<str:customer_no>/redemptions/<int:redemption_id>/cancel",
        redemptions.RedemptionCancelView.as_view(),
        name="redemption-cancel",
    ),
    path(
        "customers/<str:customer_no>/redemptions/<int:redemption_id>/feedback",
        feedback.RedemptionFeedbackView.as_view(),
        name="redemption-feedback",
    ),
    path(
        "customers/<str:customer_no>/purchases",
        purchases.PurchaseListCreateView.as_view(),
        name="purchases",
    ),
    path(
        "customers/<str:customer_no>/recommendations",
        recommendations.RecommendationsView.as_view(),
        name="recommendations",
    ),
    path(
        "customers/<str:customer_no>/consents",
        consents.ConsentListCreateView.as_view(),
        name="consents",
    ),
    path("customers/<str:customer_no>/events", events.CustomerEventView.as_view(), name="events"),
    path("demand-signals", demand.DemandSignalCreateView.as_view(), name="demand-signals"),
    path(
        "suppliers/<str:supplier_code>/fulfilments",
        suppliers.SupplierFulfilmentListView.as_view(),
        name="supplier-fulfilments",
    ),
    path(
        "suppliers/<str:supplier_code>/fulfilments/<int:fulfilment_id>",
        suppliers.SupplierFulfilmentDetailView.as_view(),
        name="supplier-fulfilment",
    ),
    path(
        "suppliers/<str:supplier_code>/fulfilments/<int:fulfilment_id>/events",
        suppliers.SupplierFulfilmentEventView.as_view(),
        name="supplier-fulfilment-events",
    ),
    path("webhooks", webhooks.WebhookListCreateView.as_view(), name="webhooks"),
    path("webhooks/<int:pk>", webhooks.WebhookDetailView.as_view(), name="webhook-detail"),
    path(
        "webhooks/<int:pk>/rotate-secret",
        webhooks.WebhookRotateView.as_view(),
        name="webhook-rotate",
    ),
    # The agents' mobile app (an agent's own token, or a staff session of an agent).
    path("agents/me/worklist", worklist.WorklistView.as_view(), name="agent-worklist"),
    path(
        "agents/me/worklist/push",
        worklist.WorklistPushView.as_view(),
        name="agent-worklist-push",
    ),
    path(
        "agents/me/worklist/dismiss",
        worklist.WorklistDismissView.as_view(),
        name="agent-worklist-dismiss",
    ),
    path(
        "agents/me/followups/<int:followup_id>",
        agents.FollowUpDetailView.as_view(),
        name="agent-followup",
    ),
    path(
        "agents/me/followups/<int:followup_id>/calls",
        agents.FollowUpCallView.as_view(),
        name="agent-followup-calls",
    ),
    path("surveys/<str:token>", surveys.SurveyView.as_view(), name="survey"),
]
