"""Survey invitations, for product staff: the survey settings (one row: how often uses are
asked about, how often a customer may be asked, how long an invitation stays open), the
benefits asked about more or less often than that, and the invitations made (look only:
the sweep writes them)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from customers.admin import CustomerScopedAdmin, ReadOnlyAdminMixin

from ..reach.models import BenefitSurveyRate, SurveyInvitation, SurveySettings
from ..reach.services import survey_settings_get
from .single_row import SingleRowAdminMixin


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


@admin.register(SurveySettings)
class SurveySettingsAdmin(SingleRowAdminMixin, admin.ModelAdmin):
    """One row: the list opens it."""

    fieldsets = (
        (_("Who is asked"), {"fields": ("sample_rate", "throttle_days", "valid_days")}),
        (_("Detractors"), {"fields": ("followup_hours",)}),
        (_("The sweep"), {"fields": ("invitations_swept_to",)}),
    )
    readonly_fields = ("invitations_swept_to",)

    single_row = staticmethod(survey_settings_get)


@admin.register(BenefitSurveyRate)
class BenefitSurveyRateAdmin(admin.ModelAdmin):
    list_display = ("benefit", "rate")
    list_select_related = ("benefit",)
    search_fields = ("benefit__code", "benefit__name_en", "benefit__name_zh_hans")
    autocomplete_fields = ("benefit",)
    ordering = ("benefit__code",)

    @admin.display(description=_("share of fulfilled uses invited"), ordering="sample_rate")
    def rate(self, row: BenefitSurveyRate) -> str:
        return _pct(row.sample_rate)


@admin.register(SurveyInvitation)
class SurveyInvitationAdmin(ReadOnlyAdminMixin, CustomerScopedAdmin):
    list_display = ("created_at", "customer", "benefit_code", "status", "used_at", "score")
    list_filter = ("status", "created_at")
    list_select_related = ("customer", "benefit", "feedback")
    search_fields = ("=customer__customer_no", "=redemption_id", "^benefit__code")
    show_full_result_count = False
    # Never the nonce: with the id it is the customer's answer link.
    fields = (
        "redemption_id",
        "customer",
        "benefit",
        "status",
        "used_at",
        "created_at",
        "expires_at",
        "answered_at",
        "outbox",
        "feedback",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[SurveyInvitation]:
        return super().get_queryset(request).select_related("customer", "benefit", "feedback")

    @admin.display(description=_("benefit"), ordering="benefit__code")
    def benefit_code(self, row: SurveyInvitation) -> str:
        return row.benefit.code

    @admin.display(description=_("score"), ordering="feedback__score")
    def score(self, row: SurveyInvitation) -> str:
        return "-" if row.feedback is None else str(row.feedback.score)
