"""Integrations in the admin: API clients (revoke a token; tokens are never shown again),
webhook subscriptions (rotate secrets) and the delivery log (re-send what failed)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from config.exceptions import DomainError
from customers.admin import OfferedLookupsOnlyMixin

from ..integrations.models import (
    ApiClient,
    DeliveryStatus,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from ..integrations.services import (
    api_client_revoke,
    delivery_resend,
    subscription_check,
    subscription_rotate_secret,
    webhook_secret_new,
)
from ..ledger.models import Channel


class ApiClientForm(forms.ModelForm):
    """Channels as checkboxes of the ledger's channels, so no client claims an unknown one."""

    channels = forms.MultipleChoiceField(
        label=_("channels"),
        choices=Channel.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The channels this client may record uses on; the first is its default."),
    )

    class Meta:
        model = ApiClient
        fields = ("name", "scopes", "channels", "is_active", "expires_at")

    def clean_channels(self) -> list[str]:
        # The client's first channel is its default: keep the order it had, new ones after.
        chosen = set(self.cleaned_data["channels"])
        kept = [c for c in (self.instance.channels or []) if c in chosen]
        return kept + [c for c in Channel.values if c in chosen and c not in kept]


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    form = ApiClientForm
    list_display = (
        "name",
        "token_prefix",
        "scopes",
        "channels",
        "is_active",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("is_active",)
    search_fields = ("name", "token_prefix")
    readonly_fields = ("token_prefix", "last_used_at", "revoked_at", "created_at")
    fields = ("name", "scopes", "channels", "is_active", "expires_at", *readonly_fields)
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


class WebhookSubscriptionForm(forms.ModelForm):
    """The same checks as subscribing over the API: a URL we may send to (not inside our
    network), event types the owning client may read."""

    class Meta:
        model = WebhookSubscription
        fields = [
            "name",
            "url",
            "event_types",
            "is_active",
            "timeout_seconds",
            "max_attempts",
            "api_client",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors.get("url") or "url" not in data:
            return data
        types = data.get("event_types") or []
        try:
            data["event_types"] = subscription_check(
                url=data["url"],
                event_types=[str(t) for t in types] if isinstance(types, list) else [str(types)],
                api_client=data.get("api_client"),
            )
        except DomainError as error:
            field = error.field if error.field in self.fields else None
            self.add_error(field, f"{error.message} ({error.code})")
        return data


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    form = WebhookSubscriptionForm
    list_display = ("name", "url", "event_types", "is_active", "api_client", "updated_at")
    list_filter = ("is_active",)
    search_fields = ("name", "url")
    readonly_fields = ("secret_hint", "previous_secret_expires_at", "created_at", "updated_at")
    actions = ["rotate_secret"]

    @admin.display(description=_("signing secret"))
    def secret_hint(self, obj: WebhookSubscription) -> str:
        return f"{obj.secret[:10]}…" if obj.secret else "-"

    def save_model(
        self, request: HttpRequest, obj: WebhookSubscription, form: Any, change: bool
    ) -> None:
        if not obj.secret:
            obj.secret = webhook_secret_new()
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Rotate the signing secret"))
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[WebhookSubscription]) -> None:
        for subscription in queryset:
            subscription_rotate_secret(subscription=subscription)
            self.message_user(
                request,
                _("New secret for %(name)s (shown once): %(secret)s")
                % {"name": subscription.name, "secret": subscription.secret},
                messages.WARNING,
            )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(OfferedLookupsOnlyMixin, admin.ModelAdmin):
    """The delivery log: status, attempts, response code and latency per subscriber."""

    list_display = (
        "event_type",
        "subscription",
        "status",
        "attempts",
        "last_status_code",
        "last_latency_ms",
        "next_attempt_at",
        "delivered_at",
        "created_at",
    )
    list_filter = ("status", "subscription", "event__type")
    list_select_related = ("event", "subscription")
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    actions = ["resend"]
    date_hierarchy = "created_at"

    @admin.display(description=_("event"), ordering="event__type")
    def event_type(self, obj: WebhookDelivery) -> str:
        return obj.event.type

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Re-send the selected deliveries"))
    def resend(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        count = 0
        for delivery in queryset.exclude(status=DeliveryStatus.SUCCEEDED):
            delivery_resend(delivery=delivery)
            count += 1
        self.message_user(
            request,
            ngettext("%(n)d delivery queued again.", "%(n)d deliveries queued again.", count)
            % {"n": count},
            messages.SUCCESS,
        )


@admin.register(WebhookEvent)
class WebhookEventAdmin(OfferedLookupsOnlyMixin, admin.ModelAdmin):
    list_display = ("type", "id", "request_id", "created_at")
    list_filter = ("type",)
    readonly_fields = ("id", "type", "payload", "request_id", "created_at")
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
