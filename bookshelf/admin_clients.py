"""API clients in the admin: see who calls, revoke a token. Tokens are never shown again."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .clients import api_client_revoke
from .models import ApiClient


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "token_prefix",
        "scopes",
        "is_active",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("is_active",)
    search_fields = ("name", "token_prefix")
    readonly_fields = ("token_prefix", "last_used_at", "revoked_at", "created_at")
    fields = ("name", "scopes", "is_active", "expires_at", *readonly_fields)
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Tokens are created by `manage.py create_api_client`, which shows them once.
        return False

    @admin.action(description=_("Revoke the selected clients' tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiClient]) -> None:
        count = 0
        for client in queryset.filter(revoked_at__isnull=True):
            api_client_revoke(client=client)
            count += 1
        self.message_user(
            request,
            ngettext("%(n)d client revoked.", "%(n)d clients revoked.", count) % {"n": count},
            messages.SUCCESS,
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields
