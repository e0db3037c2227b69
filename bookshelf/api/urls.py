from django.urls import path

from benefits.api.views import BenefitDetailView, BenefitListView, CategoryTreeView

from . import views

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
        "customers/<str:customer_no>/purchases",
        views.PurchaseListCreateView.as_view(),
        name="purchases",
    ),
    path("demand-signals", views.DemandSignalCreateView.as_view(), name="demand-signals"),
]
