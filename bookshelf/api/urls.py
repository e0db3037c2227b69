from django.urls import path

from benefits.api.views import BenefitDetailView, BenefitListView, CategoryTreeView

from . import reco_views, views, webhook_views

app_name = "api"

urlpatterns = [
    path("categories", CategoryTreeView.as_view(), name="categories"),
    path("benefits", BenefitListView.as_view(), name="benefits"),
    path("benefits/<str:code>", BenefitDetailView.as_view(), name="benefit-detail"),
    path("customers/<str:customer_no>/bookshelf", views.BookshelfView.as_view(), name="bookshelf"),
    path(
        "customers/<str:customer_no>/redemptions",
        views.RedemptionListCreateView.as_view(),
        name="redemptions",
    ),
    path(
        "customers/<str:customer_no>/redemptions/<int:redemption_id>/cancel",
        views.RedemptionCancelView.as_view(),
        name="redemption-cancel",
    ),
    path(
        "customers/<str:customer_no>/redemptions/<int:redemption_id>/feedback",
        views.RedemptionFeedbackView.as_view(),
        name="redemption-feedback",
    ),
    path(
        "customers/<str:customer_no>/purchases",
        views.PurchaseListCreateView.as_view(),
        name="purchases",
    ),
    path(
        "customers/<str:customer_no>/recommendations",
        reco_views.RecommendationsView.as_view(),
        name="recommendations",
    ),
    path(
        "customers/<str:customer_no>/events",
        reco_views.CustomerEventView.as_view(),
        name="events",
    ),
    path("demand-signals", views.DemandSignalCreateView.as_view(), name="demand-signals"),
    path("webhooks", webhook_views.WebhookListCreateView.as_view(), name="webhooks"),
    path("webhooks/<int:pk>", webhook_views.WebhookDetailView.as_view(), name="webhook-detail"),
    path(
        "webhooks/<int:pk>/rotate-secret",
        webhook_views.WebhookRotateView.as_view(),
        name="webhook-rotate",
    ),
]
