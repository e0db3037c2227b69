"""Benefits find the customer, in the admin: pushes and their conversion, and the outbox of
messages to customers (send failed ones again)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from customers.admin import (
    CustomerScopedAdmin,
    ReadOnlyAdminMixin,
)

from ..reach.models import OutboxMessage, Push
from ..reach.selectors import (
    CONVERSION_DAYS,
    push_conversion,
)
from ..reach.services import (
    outbox_message_retry,
)


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
        # (heading, rows, whether each row's key is worth showing beside its label): an
        # agent's login and a benefit's code are; a tier's stored number is not.
        tables = [
            (gettext("By agent"), push_conversion(by="agent"), True),
            (gettext("By benefit"), push_conversion(by="benefit"), True),
            (gettext("By tier"), push_conversion(by="tier"), False),
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
    customer_fields = ("push__customer", "invitation__customer")
    list_display = [
        "created_at",
        "recipient",
        "channel",
        "status",
        "attempts",
        "locked_until",
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
