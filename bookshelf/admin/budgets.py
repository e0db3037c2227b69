"""Product staff's budgets: a cap per benefit (or top category) and period, in uses and/or
yuan, with a warning level and what the benefit centre does when it is used up.

The list shows each budget's current period as progress bars (uses and yuan against their
caps, the warning and used-up badges), read in one query for the page. The form saves
through `money.services.budget_save`, so new caps reach the current period at once; a rule
the service refuses is shown on its field. A budget's periods are read-only: only uses
change them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from benefits.text import translated
from config.exceptions import DomainError

from ..money.models import Budget, BudgetPeriod
from ..money.selectors import BudgetSpend, budget_spends
from ..money.services import BudgetInput, budget_check, budget_save

FIELDS = [
    "benefit",
    "category",
    "period",
    "cap_uses",
    "cap_amount",
    "warn_percent",
    "when_exhausted",
    "active",
]


def _input(data: dict[str, Any]) -> BudgetInput:
    benefit, category = data.get("benefit"), data.get("category")
    return BudgetInput(
        benefit_id=benefit.pk if benefit else None,
        category_id=category.pk if category else None,
        period=data.get("period") or "month",
        cap_uses=data.get("cap_uses"),
        cap_amount=data.get("cap_amount"),
        warn_percent=data.get("warn_percent") or 0,
        when_exhausted=data.get("when_exhausted") or "mark",
        active=bool(data.get("active")),
    )


class BudgetForm(forms.ModelForm):  # type: ignore[type-arg]
    """The service's rules, shown on the field they are about."""

    class Meta:
        model = Budget
        fields = FIELDS
        help_texts = {
            "benefit": _("Either one benefit…"),
            "category": _("…or a whole top category (all its benefits together)."),
            "cap_uses": _("Uses per period; leave empty for no cap in uses."),
            "cap_amount": _(
                "Yuan per period at the contract prices; leave empty for no cap in yuan."
            ),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            budget_check(_input(data), self.instance if self.instance.pk else None)
        except DomainError as exc:
            field = exc.field if exc.field in self.fields else None
            self.add_error(field, exc.message)
        return data

    def validate_constraints(self, exclude: Any = None) -> None:
        """The service said it in words already (one benefit or category, a cap, one
        budget each)."""


class BudgetPeriodInline(admin.TabularInline):  # type: ignore[type-arg]
    model = BudgetPeriod
    fields = ("start", "end", "cap_uses", "cap_amount", "used_uses", "used_amount")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    ordering = ["-start"]
    verbose_name_plural = _("periods (read-only: uses change them)")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _bar(used: str, cap: str | None, percent: int | None, *, alert: bool) -> SafeString:
    if cap is None or percent is None:
        return format_html(
            '<span class="budget-nocap">{} <span class="muted">{}</span></span>',
            used,
            gettext("no cap"),
        )
    colour = "#d9534f" if alert else "#79aec8"
    return format_html(
        '<span class="budget-meter"><svg class="budget-bar" width="56" height="8" '
        'viewBox="0 0 100 8" preserveAspectRatio="none" aria-hidden="true">'
        '<rect width="100" height="8" fill="#eee"></rect>'
        '<rect width="{}" height="8" fill="{}"></rect></svg>'
        '<span class="num">{} / {} · {}%</span></span>',
        min(percent, 100),
        colour,
        used,
        cap,
        percent,
    )


@admin.register(Budget)
class BudgetAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = BudgetForm
    fields = tuple(FIELDS)
    list_display = [
        "scope",
        "period",
        "uses_bar",
        "amount_bar",
        "state",
    ]  # active and when-used-up are filters: the list fits 1440 px with the sidebar open
    list_display_links = ["scope"]
    list_filter = ["period", "when_exhausted", "active"]
    search_fields = ["benefit__code", "benefit__name", "category__code", "category__name"]
    autocomplete_fields = ["benefit"]
    inlines = [BudgetPeriodInline]
    change_list_template = "admin/bookshelf/budget/change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Budget]:
        return super().get_queryset(request).select_related("benefit", "category")

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        """The page's budgets get their current period's spend (one query)."""
        cl = super().get_changelist_instance(request)
        budgets = list(cl.result_list)
        spends = budget_spends(budgets, timezone.localdate())
        for budget in budgets:
            budget.spend = spends[budget.pk]  # type: ignore[attr-defined]
        return cl

    @admin.display(description=_("budget for"), ordering="benefit__code")
    def scope(self, obj: Budget) -> str:
        if obj.benefit is not None:
            return f"{obj.benefit.code} · {translated(obj.benefit, 'name')}"
        assert obj.category is not None
        return f"{obj.category.code} · {translated(obj.category, 'name')} " + gettext("(category)")

    @staticmethod
    def _spend(obj: Budget) -> BudgetSpend | None:
        return getattr(obj, "spend", None)

    @admin.display(description=_("uses this period"))
    def uses_bar(self, obj: Budget) -> SafeString:
        spend = self._spend(obj)
        if spend is None:
            return SafeString("-")
        cap = None if spend.cap_uses is None else str(spend.cap_uses)
        return _bar(str(spend.used_uses), cap, spend.uses_percent, alert=spend.used_up)

    @admin.display(description=_("yuan this period"))
    def amount_bar(self, obj: Budget) -> SafeString:
        spend = self._spend(obj)
        if spend is None:
            return SafeString("-")
        cap = None if spend.cap_amount is None else f"{spend.cap_amount:,.2f}"
        used = f"{Decimal(spend.used_amount):,.2f}"
        return _bar(used, cap, spend.amount_percent, alert=spend.used_up)

    @admin.display(description=_("state"))
    def state(self, obj: Budget) -> SafeString:
        spend = self._spend(obj)
        if spend is None:
            return SafeString("")
        if spend.used_up:
            return format_html('<span class="chip budget-used-up">{}</span>', gettext("Used up"))
        if spend.warned:
            return format_html('<span class="chip budget-warned">{}</span>', gettext("Warned"))
        return SafeString("")

    def save_model(self, request: HttpRequest, obj: Budget, form: Any, change: bool) -> None:
        saved = budget_save(budget=obj if change else None, data=_input(form.cleaned_data))
        form.instance = saved
        obj.pk = saved.pk
