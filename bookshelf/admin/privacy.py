"""The customer's rights on the customer list: export everything held about one customer (a
JSON download, for users with the personal-data permission, within the customers they may
see), erase a customer's personal data on request, and set or lift a legal hold (superusers
or `customers.erase_customer`). Thin: each action calls one `bookshelf.privacy` service.

`CustomerPrivacyAdmin` extends the desk's customer admin with these actions and takes its
place on the site, as the desk took the customers app's.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from config.exceptions import DomainError
from config.requestid import current_request_id
from customers.admin import AuditTrailAdminMixin, OfferedLookupsOnlyMixin
from customers.models import Customer

from ..privacy.models import PrivacyRequest
from ..privacy.selectors import user_may_erase, user_may_export
from ..privacy.services import customer_data_export, customer_erase, customer_legal_hold_set
from .desk import CustomerDeskAdmin

REASON_TEMPLATE = "admin/customers/customer/privacy_reason.html"


class CustomerPrivacyAdmin(CustomerDeskAdmin):
    actions = ["export_data", "erase_data", "legal_hold_set", "legal_hold_lift"]

    def has_export_permission(self, request: HttpRequest) -> bool:
        return user_may_export(request.user)

    def has_erase_permission(self, request: HttpRequest) -> bool:
        return user_may_erase(request.user)

    def _one(self, request: HttpRequest, queryset: QuerySet[Customer]) -> Customer | None:
        # The queryset is the list's: already scoped to the customers the user may see.
        customers = list(queryset[:2])
        if len(customers) != 1:
            self.message_user(
                request, gettext("Select exactly one customer for this action."), messages.ERROR
            )
            return None
        return customers[0]

    @admin.action(description=_("Export all data held about the customer"), permissions=["export"])
    def export_data(
        self, request: HttpRequest, queryset: QuerySet[Customer]
    ) -> HttpResponse | None:
        customer = self._one(request, queryset)
        if customer is None:
            return None
        document = customer_data_export(
            customer=customer,
            user=request.user,
            via="admin:customer_data_export",
            request_id=getattr(request, "request_id", "") or current_request_id(),
            remote_addr=request.META.get("REMOTE_ADDR"),
        )
        body = json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="customer-{customer.customer_no}.json"'
        )
        response["Cache-Control"] = "no-store"
        return response

    def _reason_page(
        self, request: HttpRequest, queryset: QuerySet[Customer], *, action: str, title: str
    ) -> TemplateResponse:
        return TemplateResponse(
            request,
            REASON_TEMPLATE,
            {
                **self.admin_site.each_context(request),
                "title": title,
                "opts": self.opts,
                "customers": list(queryset),
                "action": action,
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
                "warning": gettext(
                    "Erasure cannot be undone: names, numbers, family links and notes are "
                    "removed for good."
                )
                if action == "erase_data"
                else "",
            },
        )

    def _with_reason(
        self,
        request: HttpRequest,
        queryset: QuerySet[Customer],
        *,
        action: str,
        title: str,
        work: Any,
    ) -> TemplateResponse | None:
        """Ask for a reason first; on the confirmed form, run `work(customer, reason)` on
        each selected customer, one message per customer."""
        reason = (request.POST.get("reason") or "").strip()
        if "confirm" not in request.POST or not reason:
            if "confirm" in request.POST:
                self.message_user(request, gettext("A reason is required."), messages.ERROR)
            return self._reason_page(request, queryset, action=action, title=title)
        for customer in queryset:
            try:
                work(customer, reason)
            except DomainError as exc:
                self.message_user(request, f"{customer.customer_no}: {exc.message}", messages.ERROR)
            else:
                done = gettext("%(customer)s: done.") % {"customer": customer.customer_no}
                self.message_user(request, done)
        return None

    @admin.action(description=_("Erase the customer's personal data"), permissions=["erase"])
    def erase_data(
        self, request: HttpRequest, queryset: QuerySet[Customer]
    ) -> TemplateResponse | None:
        return self._with_reason(
            request,
            queryset,
            action="erase_data",
            title=gettext("Erase personal data"),
            work=lambda customer, reason: customer_erase(
                customer=customer, user=request.user, reason=reason, via="admin:customer_erase"
            ),
        )

    @admin.action(description=_("Set a legal hold"), permissions=["erase"])
    def legal_hold_set(
        self, request: HttpRequest, queryset: QuerySet[Customer]
    ) -> TemplateResponse | None:
        return self._with_reason(
            request,
            queryset,
            action="legal_hold_set",
            title=gettext("Set a legal hold"),
            work=lambda customer, reason: customer_legal_hold_set(
                customer=customer, hold=True, reason=reason
            ),
        )

    @admin.action(description=_("Lift the legal hold"), permissions=["erase"])
    def legal_hold_lift(self, request: HttpRequest, queryset: QuerySet[Customer]) -> None:
        n = 0
        for customer in queryset.filter(legal_hold=True):
            customer_legal_hold_set(customer=customer, hold=False)
            n += 1
        self.message_user(
            request,
            ngettext("%(n)d legal hold lifted.", "%(n)d legal holds lifted.", n) % {"n": n},
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [*super().get_readonly_fields(request, obj), "legal_hold_status", "erased_at"]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is not None:
            fieldsets.append((_("Privacy"), {"fields": ["legal_hold_status", "erased_at"]}))
        return fieldsets

    @admin.display(description=_("legal hold"))
    def legal_hold_status(self, obj: Customer) -> str:
        if not obj.legal_hold:
            return "-"
        return obj.legal_hold_reason or gettext("yes")


admin.site.unregister(Customer)
admin.site.register(Customer, CustomerPrivacyAdmin)


@admin.register(PrivacyRequest)
class PrivacyRequestAdmin(AuditTrailAdminMixin, OfferedLookupsOnlyMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """The audit trail of exports and erasures: superusers read it, nobody edits it."""

    list_display = ["created_at", "kind", "customer_no", "username", "via", "reason"]
    list_filter = ["kind", "via"]
    search_fields = ["=customer_no", "=username"]
    date_hierarchy = "created_at"
    show_full_result_count = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [f.name for f in self.model._meta.fields]
