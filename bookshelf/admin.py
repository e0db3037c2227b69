"""The two workspaces of the admin, and the admin of the shelf's own models.

- The agent's desk: the customer page shows the customer's bookshelf at a glance and lets the
  agent record a use or push a benefit (`CustomerDeskAdmin`, which extends the customers
  app's admin: only this app knows both customers and their shelf).
- The product staff's shelf: the shelf matrix (tiers x top categories, coloured by usage),
  shelf cells with import/export and history, and the benefit page with its usage chart
  (`BenefitShelfAdmin`, extending the catalog's admin).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin
from import_export.formats.base_formats import CSV, XLSX
from simple_history.admin import SimpleHistoryAdmin

from benefits.admin import BenefitAdmin, TopCategoryFilter, status_badge
from benefits.models import Benefit
from config.exceptions import DomainError
from config.login_throttle import ThrottledAdminAuthenticationForm
from customers.admin import (
    PII_STAND_INS,
    CustomerAdmin,
    CustomerScopedAdmin,
    ReadOnlyAdminMixin,
    pii_access_record_for_request,
    profile_tags_formfield,
    tier_badge,
)
from customers.models import Customer
from customers.pii import can_view_pii, mask_name

from . import admin_clients, admin_review  # noqa: F401  (register their pages)
from .admin_forms import PushForm, PushInput, RedeemForm, RedeemInput
from .charts import stacked_usage_chart
from .models import (
    Channel,
    DemandSignal,
    DemandSource,
    Eligibility,
    IdempotencyRecord,
    OutboxMessage,
    Purchase,
    Push,
    PushChannel,
    QuotaBalance,
    Redemption,
    ShelfCell,
)
from .moments import open_suggestions_by_customer, suggestion_accept, suggestion_dismiss
from .pushes import outbox_message_retry, push_create
from .recommendations import recommendations_for_customer
from .resources import ShelfCellResource
from .selectors import (
    CONVERSION_DAYS,
    benefit_usage_by_month,
    customer_desk,
    push_conversion,
    shelf_matrix,
)
from .services import demand_signal_create, redemption_cancel, redemption_create

admin.site.site_header = _("Benefits Bookshelf")
admin.site.site_title = _("Benefits Bookshelf")
admin.site.index_title = _("Workspaces and records")
admin.site.site_url = None  # the admin is the site: no "view site" link
admin.site.login_form = ThrottledAdminAuthenticationForm  # 5 failures: locked 15 minutes


def _first_submission(token: str, user: Any) -> bool:
    """True the first time a desk form's token comes back. Kept in the database (the same
    table as API Idempotency-Keys, pruned with them), so it holds with Redis down too."""
    if not token:
        return False
    try:
        with transaction.atomic():
            IdempotencyRecord.objects.create(
                client_ref=f"desk:{getattr(user, 'pk', '-')}", key=token[:128], fingerprint="desk"
            )
    except IntegrityError:
        return False
    return True


def _is_zh() -> bool:
    return (translation.get_language() or "").startswith("zh")


# --- The agent's desk ---------------------------------------------------------------------

admin.site.unregister(Customer)


@admin.register(Customer)
class CustomerDeskAdmin(CustomerAdmin):
    """The customer page is the desk; the record's own form moves to `<id>/edit/`."""

    desk_template = "admin/customers/customer/desk.html"

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        return [
            path("<path:object_id>/edit/", wrap(self.edit_view), name="customers_customer_edit"),
            path(
                "<path:object_id>/redeem/",
                wrap(self.redeem_view),
                name="customers_customer_redeem",
            ),
            path("<path:object_id>/push/", wrap(self.push_view), name="customers_customer_push"),
            path(
                "<path:object_id>/suggestion/<int:suggestion_id>/<str:action>/",
                wrap(self.suggestion_view),
                name="customers_customer_suggestion",
            ),
            *super().get_urls(),
        ]

    def _desk_url(self, customer: Customer, anchor: str = "") -> str:
        url = reverse("admin:customers_customer_change", args=[customer.pk])
        return f"{url}#{anchor}" if anchor else url

    def edit_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The stock change form (the customer's record), for whoever may see it."""
        self.get_object(request, unquote(object_id))  # 404 outside the user's customers
        return super().change_view(request, object_id)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        customer = self.get_object(request, unquote(object_id))
        if not self.has_view_or_change_permission(request, customer):
            raise PermissionDenied
        if request.method == "POST":
            return super().change_view(request, object_id, form_url, extra_context)
        user = request.user
        pii = can_view_pii(user)
        desk = customer_desk(customer=customer)
        token = uuid.uuid4().hex
        zh = _is_zh()
        can_redeem = user.has_perm("bookshelf.add_redemption")
        can_push = user.has_perm("bookshelf.add_push")
        name = customer.name if pii else mask_name(customer.name)
        if pii:
            pii_access_record_for_request(request, customer=customer, fields=list(PII_STAND_INS))
        context = {
            **self.admin_site.each_context(request),
            "title": f"{customer.customer_no} {name}",
            "subtitle": None,
            "opts": self.opts,
            "original": customer,
            "customer": customer,
            "desk": desk,
            "pii": pii,
            "token": token,
            "can_redeem": can_redeem and bool(desk.usable_entries),
            "can_redeem_perm": can_redeem,
            "can_push": can_push and bool(desk.usable_entries),
            "can_edit": self.has_change_permission(request, customer),
            "redeem_form": RedeemForm(desk=desk, pii=pii, zh=zh, initial={"token": token}),
            "push_form": PushForm(desk=desk, zh=zh, initial={"token": token}),
            "has_view_permission": True,
            "recommendations": recommendations_for_customer(customer=customer, limit=5),
            "suggestions": open_suggestions_by_customer(customer_ids=[customer.pk]).get(
                customer.pk, []
            ),
        }
        return TemplateResponse(request, self.desk_template, context)

    def suggestion_view(
        self, request: HttpRequest, object_id: str, suggestion_id: int, action: str
    ) -> HttpResponse:
        """Act on a suggestion: push its benefit (app message) or dismiss it."""
        customer = self.get_object(request, unquote(object_id))
        if request.method != "POST" or action not in {"accept", "dismiss"}:
            return HttpResponseRedirect(self._desk_url(customer))
        if not request.user.has_perm("bookshelf.add_push"):
            raise PermissionDenied
        suggestion = customer.suggestions.filter(pk=suggestion_id).select_related("benefit").first()
        if suggestion is None:
            messages.error(request, gettext("This suggestion is not for this customer."))
            return HttpResponseRedirect(self._desk_url(customer))
        try:
            if action == "accept":
                suggestion_accept(
                    suggestion=suggestion,
                    channel=request.POST.get("channel") or PushChannel.APP_MESSAGE,
                    by=request.user,
                )
                messages.success(
                    request,
                    gettext("Pushed %(benefit)s.") % {"benefit": suggestion.benefit.display_name},
                )
            else:
                suggestion_dismiss(suggestion=suggestion)
                messages.info(request, gettext("Suggestion dismissed."))
        except DomainError as exc:
            messages.error(request, exc.message)
        return HttpResponseRedirect(self._desk_url(customer, "suggested"))

    def _desk_form(
        self,
        request: HttpRequest,
        object_id: str,
        *,
        perm: str,
        form_class: Any,
        anchor: str,
        invalid: str,
        repeated: str,
    ) -> tuple[Customer, Any, HttpResponse | None]:
        """The shared steps of a desk form: the customer in the user's scope, a POST, the
        permission, a valid form, sent once. Returns (customer, form, early response)."""
        customer = self.get_object(request, unquote(object_id))
        if customer is None:
            raise Http404
        if request.method != "POST":
            return customer, None, HttpResponseRedirect(self._desk_url(customer))
        if not request.user.has_perm(perm):
            raise PermissionDenied
        form = form_class(request.POST)
        if not form.is_valid():
            messages.error(request, invalid)
            return customer, None, HttpResponseRedirect(self._desk_url(customer, anchor))
        if not _first_submission(form.cleaned_data["token"], request.user):
            messages.warning(request, repeated)
            return customer, None, HttpResponseRedirect(self._desk_url(customer, anchor))
        return customer, form, None

    def redeem_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Record one use on the customer's behalf (channel: agent), through the service."""
        customer, data, done = self._desk_form(
            request,
            object_id,
            perm="bookshelf.add_redemption",
            form_class=RedeemInput,
            anchor="shelf",
            invalid=gettext("Choose a benefit to record a use of."),
            repeated=gettext("This form was already sent: nothing was recorded."),
        )
        if done is not None:
            return done
        form = data
        try:
            result = redemption_create(
                customer=customer,
                benefit_code=form.cleaned_data["benefit"],
                channel=Channel.AGENT,
                beneficiary_no=form.cleaned_data["beneficiary"] or None,
                recorded_by=request.user,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            redemption = result.redemption
            name = redemption.benefit.display_name
            if result.remaining is None:
                text = gettext("Recorded a use of %(benefit)s (%(code)s). Unlimited uses.")
            else:
                text = gettext("Recorded a use of %(benefit)s (%(code)s). %(n)s left this period.")
            messages.success(
                request,
                text % {"benefit": name, "code": redemption.benefit_code, "n": result.remaining},
            )
        return HttpResponseRedirect(self._desk_url(customer, "shelf"))

    def push_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Push a benefit the customer can use; it is delivered after the commit."""
        customer, data, done = self._desk_form(
            request,
            object_id,
            perm="bookshelf.add_push",
            form_class=PushInput,
            anchor="push",
            invalid=gettext("Choose a benefit and a channel to push."),
            repeated=gettext("This form was already sent: nothing was pushed."),
        )
        if done is not None:
            return done
        form = data
        try:
            push = push_create(
                customer=customer,
                benefit_code=form.cleaned_data["benefit"],
                channel=form.cleaned_data["channel"],
                note=form.cleaned_data["note"],
                pushed_by=request.user,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                gettext("Pushed %(benefit)s (%(code)s) by %(channel)s.")
                % {
                    "benefit": push.benefit.display_name,
                    "code": push.benefit_code,
                    "channel": push.get_channel_display(),
                },
            )
        return HttpResponseRedirect(self._desk_url(customer, "push"))


# --- The catalog, seen from the shelf -----------------------------------------------------


class ShelfCellInline(admin.TabularInline):  # type: ignore[type-arg]
    model = ShelfCell
    fields = ["tier", "period", "quota", "family_quota"]
    extra = 0
    verbose_name_plural = _("on the shelf for tiers")


class EligibilityInline(admin.StackedInline):  # type: ignore[type-arg]
    model = Eligibility
    fields = ["requires_product_line", "min_age", "max_age"]
    extra = 0
    max_num = 1


admin.site.unregister(Benefit)


@admin.register(Benefit)
class BenefitShelfAdmin(BenefitAdmin):
    """The benefit page: its record, its place on the shelf, and its usage over time."""

    inlines = [ShelfCellInline, EligibilityInline, *BenefitAdmin.inlines]

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "tags":
            return profile_tags_formfield(db_field)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        extra = dict(extra_context or {})
        if request.method == "GET":
            benefit = self.get_object(request, unquote(object_id))
            if benefit is not None:
                usage = benefit_usage_by_month(benefit_id=benefit.pk)
                extra["usage"] = usage
                extra["usage_chart"] = stacked_usage_chart(usage)
        return super().change_view(request, object_id, form_url, extra)


# --- Shelf cells and the shelf matrix -------------------------------------------------------


class BenefitTopCategoryFilter(TopCategoryFilter):
    code_field = "benefit__code"


@admin.register(ShelfCell)
class ShelfCellAdmin(ImportExportModelAdmin, SimpleHistoryAdmin):  # type: ignore[misc]
    resource_classes = [ShelfCellResource]
    formats = [CSV, XLSX]
    list_display = [
        "tier_col",
        "benefit_code",
        "benefit_name",
        "period",
        "quota",
        "family_quota",
        "benefit_status",
    ]
    list_display_links = ["benefit_code"]
    list_filter = ["tier", BenefitTopCategoryFilter, "period", "benefit__status"]
    list_select_related = ["benefit"]
    search_fields = ["benefit__code", "benefit__name", "benefit__name_zh"]
    autocomplete_fields = ["benefit"]
    ordering = ["-tier", "benefit__code"]
    list_per_page = 100

    def get_urls(self) -> list[Any]:
        return [
            path(
                "matrix/",
                self.admin_site.admin_view(self.matrix_view),
                name="bookshelf_shelf_matrix",
            ),
            *super().get_urls(),
        ]

    def matrix_view(self, request: HttpRequest) -> HttpResponse:
        """The shelf at a glance: tiers x top categories, each benefit coloured by usage."""
        if not request.user.has_perm("bookshelf.view_shelf_matrix"):
            raise PermissionDenied
        matrix = shelf_matrix()
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("The benefits bookshelf"),
            "subtitle": None,
            "opts": self.opts,
            "matrix": matrix,
            "has_view_permission": True,
        }
        return TemplateResponse(request, "admin/bookshelf/shelf_matrix.html", context)

    def get_import_data_kwargs(self, **kwargs: Any) -> Any:
        return {
            **super().get_import_data_kwargs(**kwargs),
            "rollback_on_validation_errors": True,
        }

    @admin.display(description=_("tier"), ordering="tier")
    def tier_col(self, obj: ShelfCell) -> SafeString:
        return tier_badge(obj.tier)

    @admin.display(description=_("benefit code"), ordering="benefit__code")
    def benefit_code(self, obj: ShelfCell) -> str:
        return obj.benefit.code

    @admin.display(description=_("benefit"))
    def benefit_name(self, obj: ShelfCell) -> str:
        return obj.benefit.display_name

    @admin.display(description=_("benefit status"), ordering="benefit__status")
    def benefit_status(self, obj: ShelfCell) -> SafeString:
        return status_badge(obj.benefit.status)


@admin.register(Eligibility)
class EligibilityAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["benefit", "requires_product_line", "min_age", "max_age"]
    list_filter = ["requires_product_line"]
    list_select_related = ["benefit"]
    search_fields = ["benefit__code", "benefit__name"]
    autocomplete_fields = ["benefit"]


# --- What customers did: uses, purchases, balances, requests, pushes ---------------------


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
        "tier_col",
        "remaining_after",
        "recorded_by",
    ]
    list_filter = ["status", "source", "channel", "tier_snapshot", "category_code", "created_at"]
    list_select_related = ["holder", "beneficiary", "recorded_by"]
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

    @admin.action(description=_("Cancel and give the use back"), permissions=["change"])
    def cancel(self, request: HttpRequest, queryset: QuerySet[Redemption]) -> None:
        done = 0
        for redemption in queryset:
            try:
                redemption_cancel(redemption=redemption, by=request.user)
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


@admin.register(Purchase)
class PurchaseAdmin(ReadOnlyAdminMixin, CustomerScopedAdmin):
    list_display = [
        "created_at",
        "customer",
        "benefit_code",
        "quantity",
        "total_price",
        "uses_used",
        "uses_granted",
        "valid_until",
        "payment_reference",
    ]
    list_filter = ["created_at", "valid_until"]
    list_select_related = ["customer"]
    search_fields = ["=customer__customer_no", "^benefit_code", "=payment_reference"]
    show_full_result_count = False


@admin.register(QuotaBalance)
class QuotaBalanceAdmin(ReadOnlyAdminMixin, CustomerScopedAdmin):
    customer_fields = ("holder",)
    list_display = ["holder", "benefit", "period_start", "period_end", "used", "family_used"]
    list_filter = ["period_start"]
    list_select_related = ["holder", "benefit"]
    search_fields = ["=holder__customer_no", "^benefit__code"]
    show_full_result_count = False


@admin.register(DemandSignal)
class DemandSignalAdmin(CustomerScopedAdmin):
    list_display = ["created_at", "text", "category", "benefit", "customer", "source", "tier_col"]
    list_filter = ["source", "tier_snapshot", "category", "created_at"]
    list_select_related = ["category", "benefit", "customer"]
    search_fields = ["text", "=customer__customer_no"]
    autocomplete_fields = ["category", "benefit", "customer"]
    fields = ["text", "category", "benefit", "customer", "source"]
    show_full_result_count = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["text", "customer", "source"] if obj is not None else []

    @admin.display(description=_("customer's tier then"), ordering="tier_snapshot")
    def tier_col(self, obj: DemandSignal) -> SafeString | str:
        return "-" if obj.tier_snapshot is None else tier_badge(obj.tier_snapshot)

    def save_model(self, request: HttpRequest, obj: DemandSignal, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        created = demand_signal_create(
            text=obj.text,
            category=obj.category,
            benefit=obj.benefit,
            customer=obj.customer,
            source=obj.source or DemandSource.AGENT,
        )
        obj.pk = created.pk
        obj.tier_snapshot = created.tier_snapshot
        obj.created_at = created.created_at
        obj._state.adding = False


@admin.register(Push)
class PushAdmin(ReadOnlyAdminMixin, CustomerScopedAdmin):
    list_display = ["created_at", "customer", "benefit_code", "channel", "delivery", "pushed_by"]
    list_filter = ["channel", "outbox__status", "created_at"]
    list_select_related = ["customer", "outbox", "pushed_by"]
    search_fields = ["=customer__customer_no", "^benefit_code"]
    show_full_result_count = False
    change_list_template = "admin/bookshelf/push/change_list.html"

    def get_urls(self) -> list[Any]:
        return [
            path(
                "conversion/",
                self.admin_site.admin_view(self.conversion_view),
                name="bookshelf_push_conversion",
            ),
            *super().get_urls(),
        ]

    def conversion_view(self, request: HttpRequest) -> HttpResponse:
        """Which pushes work: conversion (a use within 30 days) by agent, benefit and tier."""
        if not request.user.has_perm("bookshelf.view_push"):
            raise PermissionDenied
        tables = [
            (gettext("By agent"), push_conversion(by="agent")),
            (gettext("By benefit"), push_conversion(by="benefit")),
            (gettext("By tier"), push_conversion(by="tier")),
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Push conversion"),
            "opts": self.opts,
            "tables": tables,
            "days": CONVERSION_DAYS,
        }
        return TemplateResponse(request, "admin/bookshelf/push_conversion.html", context)

    @admin.display(description=_("delivery"), ordering="outbox__status")
    def delivery(self, obj: Push) -> SafeString | str:
        outbox = getattr(obj, "outbox", None)
        if outbox is None:
            return "-"
        return format_html(
            '<span class="outbox-{}">{}</span>', outbox.status, outbox.get_status_display()
        )


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdminMixin, CustomerScopedAdmin):
    customer_fields = ("push__customer",)
    list_display = [
        "created_at",
        "recipient",
        "channel",
        "status",
        "attempts",
        "sent_at",
        "delivery_ref",
        "last_error",
    ]
    list_filter = ["status", "channel", "created_at"]
    search_fields = ["=recipient", "=delivery_ref"]
    show_full_result_count = False
    actions = ["retry"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super(ReadOnlyAdminMixin, self).has_change_permission(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [f.name for f in self.model._meta.fields]

    @admin.action(description=_("Send failed messages again"), permissions=["change"])
    def retry(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        n = sum(1 for message in queryset if outbox_message_retry(message=message))
        self.message_user(
            request,
            ngettext("%(n)d message queued again.", "%(n)d messages queued again.", n) % {"n": n},
            messages.SUCCESS if n else messages.WARNING,
        )
