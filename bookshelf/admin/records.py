"""What customers did, as records: uses with where each stands (a supervisor cancels one
recorded in error, or a request not yet delivered, saying why on an intermediate page),
purchases and quota balances. Each list shows only the
customers the user may see."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from config.display import money
from config.exceptions import DomainError
from customers.admin import (
    CustomerScopedAdmin,
    ReadOnlyAdminMixin,
    tier_badge,
)

from ..fulfilment.models import Fulfilment, FulfilmentState
from ..fulfilment.services import REASON_MAX_LENGTH, use_cancel
from ..ledger.models import Purchase, QuotaBalance, Redemption, RedemptionStatus

CANCEL_TEMPLATE = "admin/bookshelf/redemption/cancel_reason.html"
# The intermediate page lists this many of the selected uses, and counts the rest.
CANCEL_SHOWN = 20


@admin.register(Redemption)
class RedemptionAdmin(CustomerScopedAdmin):
    customer_fields = ("holder", "beneficiary")
    list_display = [
        "created_at",
        "benefit_code",
        "holder",
        "beneficiary",
        "source",
        "channel",
        "status",
        "state_col",
        "tier_col",
        "remaining_after",
        "recorded_by",
    ]
    list_filter = ["status", "source", "channel", "tier_snapshot", "category_code", "created_at"]
    # The fulfilment is a reverse one-to-one: joined, so the state column reads no row.
    list_select_related = ["holder", "beneficiary", "recorded_by", "fulfilment"]
    search_fields = ["=holder__customer_no", "=beneficiary__customer_no", "^benefit_code"]
    search_help_text = _("Exact customer number, or the start of a benefit code.")
    show_full_result_count = False
    actions = ["cancel"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # recorded from the customer's page or the API

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [f.name for f in self.model._meta.fields]

    @admin.display(description=_("holder's tier then"), ordering="tier_snapshot")
    def tier_col(self, obj: Redemption) -> SafeString:
        return tier_badge(obj.tier_snapshot)

    @admin.display(description=_("fulfilment"))
    def state_col(self, obj: Redemption) -> str:
        """Where the use stands: its fulfilment's state, or done at once (an instant use)."""
        try:
            fulfilment: Fulfilment | None = obj.fulfilment
        except Fulfilment.DoesNotExist:
            fulfilment = None
        if fulfilment is not None:
            return str(FulfilmentState(fulfilment.state).label)
        if obj.status == RedemptionStatus.CANCELLED:
            return str(FulfilmentState.CANCELLED.label)
        return str(FulfilmentState.FULFILLED.label)

    @admin.action(description=_("Cancel and give the use back"), permissions=["change"])
    def cancel(
        self, request: HttpRequest, queryset: QuerySet[Redemption]
    ) -> TemplateResponse | None:
        """Ask for the reason first (an intermediate page), then cancel each selected use
        through the one cancel service, which keeps who cancelled and why: a held use is
        cancelled through its fulfilment (the table says whether it still may be)."""
        reason = (request.POST.get("reason") or "").strip()
        if "confirm" not in request.POST or not reason:
            if "confirm" in request.POST:
                self.message_user(
                    request, gettext("Say why the uses are cancelled."), messages.ERROR
                )
            return self._cancel_reason_page(request, queryset)
        done = 0
        for redemption in queryset:
            try:
                use_cancel(redemption=redemption, by=request.user, reason=reason)
            except DomainError as exc:
                self.message_user(request, f"#{redemption.pk}: {exc.message}", messages.WARNING)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext("%(n)d use cancelled.", "%(n)d uses cancelled.", done) % {"n": done},
                messages.SUCCESS,
            )
        return None

    def _cancel_reason_page(
        self, request: HttpRequest, queryset: QuerySet[Redemption]
    ) -> TemplateResponse:
        shown = list(queryset.select_related("holder", "beneficiary", "benefit")[:CANCEL_SHOWN])
        total = len(shown) if len(shown) < CANCEL_SHOWN else queryset.count()
        return TemplateResponse(
            request,
            CANCEL_TEMPLATE,
            {
                **self.admin_site.each_context(request),
                "title": gettext("Cancel uses and give them back"),
                "opts": self.opts,
                "uses": shown,
                "more": total - len(shown),
                "total": total,
                "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
                "select_across": request.POST.get("select_across", "0"),
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
                "reason_max": REASON_MAX_LENGTH,
            },
        )


@admin.register(Purchase)
class PurchaseAdmin(ReadOnlyAdminMixin, CustomerScopedAdmin):
    list_display = [
        "created_at",
        "customer",
        "benefit_code",
        "quantity",
        "total_price_col",
        "uses_used",
        "uses_granted",
        "valid_until",
        "payment_reference",
    ]
    list_filter = ["created_at", "valid_until"]
    list_select_related = ["customer"]
    search_fields = ["=customer__customer_no", "^benefit_code", "=payment_reference"]
    show_full_result_count = False

    @admin.display(
        description=Purchase._meta.get_field("total_price").verbose_name, ordering="total_price"
    )
    def total_price_col(self, obj: Purchase) -> str:
        return money(obj.total_price)


@admin.register(QuotaBalance)
class QuotaBalanceAdmin(ReadOnlyAdminMixin, CustomerScopedAdmin):
    customer_fields = ("holder",)
    list_display = ["holder", "benefit", "period_start", "period_end", "used", "family_used"]
    list_filter = ["period_start"]
    list_select_related = ["holder", "benefit"]
    search_fields = ["=holder__customer_no", "^benefit__code"]
    show_full_result_count = False
