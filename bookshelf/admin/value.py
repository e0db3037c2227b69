"""Customer value in the admin: the one row of weights product staff tune (the formula is in
the README, "Customer value"), and the profiles the nightly job computed, read only; an agent
sees only their customers' (a supervisor their team's)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy

from config.display import money
from customers.admin import CustomerScopedAdmin, ReadOnlyAdminMixin

from ..models import CustomerValue, ValueWeights
from ..reach.selectors import value_reason
from ..reach.services import value_weights_get
from .single_row import SingleRowAdminMixin


@admin.register(ValueWeights)
class ValueWeightsAdmin(SingleRowAdminMixin, admin.ModelAdmin):
    """One row: the list opens it; it is never added twice nor deleted."""

    fieldsets = (
        (
            gettext_lazy("Weights of the value score"),
            {"fields": ("premium", "recency", "frequency", "tenure", "policies")},
        ),
        (
            gettext_lazy("What scores 5"),
            {"fields": ("premium_top", "uses_top", "tenure_top_years", "policies_top")},
        ),
        (gettext_lazy("Lifetime value"), {"fields": ("margin", "horizon_years")}),
        (gettext_lazy("Segments"), {"fields": ("new_days", "at_risk_days", "dormant_days")}),
    )

    single_row = staticmethod(value_weights_get)


@admin.register(CustomerValue)
class CustomerValueAdmin(ReadOnlyAdminMixin, CustomerScopedAdmin):
    """Read only: the nightly job writes the profiles. Scoped to the user's customers."""

    list_display = (
        "customer_no",
        "segment",
        "score_shown",
        "lifetime_value_shown",
        "premium_shown",
        "uses_year",
        "last_use_at",
        "reason",
        "computed_at",
    )
    list_filter = ("segment",)
    search_fields = ("customer__customer_no",)
    ordering = ("-score", "customer_id")
    list_select_related = ("customer",)
    show_full_result_count = False
    readonly_fields = (
        "customer",
        "premium",
        "policies",
        "first_policy_on",
        "last_use_at",
        "uses_year",
        "cost_year",
        "recency_score",
        "frequency_score",
        "premium_score",
        "score",
        "lifetime_value",
        "segment",
        "computed_at",
    )

    @admin.display(description=gettext_lazy("customer number"), ordering="customer__customer_no")
    def customer_no(self, row: CustomerValue) -> str:
        return row.customer.customer_no

    @admin.display(description=gettext_lazy("value score (0-100)"), ordering="score")
    def score_shown(self, row: CustomerValue) -> str:
        return f"{row.score:.0f}"

    @admin.display(description=gettext_lazy("lifetime value estimate"), ordering="lifetime_value")
    def lifetime_value_shown(self, row: CustomerValue) -> str:
        return money(row.lifetime_value)

    @admin.display(description=gettext_lazy("yearly premium in force"), ordering="premium")
    def premium_shown(self, row: CustomerValue) -> str:
        return money(row.premium)

    @admin.display(description=gettext_lazy("why"))
    def reason(self, row: CustomerValue) -> str:
        return value_reason(row)
