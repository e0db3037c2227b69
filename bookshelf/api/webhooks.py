"""Webhook subscriptions over the API: a client manages its own."""

from __future__ import annotations

from typing import Any

from django.core.validators import URLValidator
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.exceptions import NotFound

from ..integrations.error_codes import IntegrationErrorCode
from ..integrations.models import ApiScope, WebhookEventType, WebhookSubscription
from ..integrations.services import subscription_create, subscription_rotate_secret
from .auth import HasScope, api_client_of
from .common import ErrorSerializer, StrictQueryParamsMixin


class WebhookUrlField(serializers.URLField):
    """A URI in the schema; checked by `subscription_create`, so that every refused URL
    (not https, inside our network, odd forms) answers one code, `webhook_url_refused`."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators = [v for v in self.validators if not isinstance(v, URLValidator)]


class SubscriptionInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    url = WebhookUrlField(max_length=500)
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEventType.choices),
        required=False,
        max_length=20,
        help_text="Empty or missing: every event.",
    )


class SubscriptionOutSerializer(serializers.ModelSerializer):
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEventType.choices),
        help_text="Empty: every event.",
    )

    class Meta:
        model = WebhookSubscription
        fields = ["id", "name", "url", "event_types", "is_active", "created_at"]


class SubscriptionCreatedSerializer(SubscriptionOutSerializer):
    secret = serializers.CharField(help_text="Shown once: verify signatures with it.")

    class Meta(SubscriptionOutSerializer.Meta):
        fields = [*SubscriptionOutSerializer.Meta.fields, "secret"]


class _WebhookView(StrictQueryParamsMixin, APIView):
    permission_classes = [HasScope]
    required_scope = ApiScope.WEBHOOKS
    read_scope = ApiScope.WEBHOOKS

    def subscriptions(self) -> QuerySet[WebhookSubscription]:
        client = api_client_of(self.request)
        qs = WebhookSubscription.objects.order_by("name")
        if client is not None:
            return qs.filter(api_client=client)
        return qs if self.request.user.is_superuser else qs.none()

    def get_subscription(self, pk: int) -> WebhookSubscription:
        subscription = self.subscriptions().filter(pk=pk).first()
        if subscription is None:
            raise NotFound(IntegrationErrorCode.INVALID, _("No such webhook subscription."))
        return subscription


EXAMPLE = {
    "id": 3,
    "name": "app-backend",
    "url": "https://app.example.com/hooks/bookshelf",
    "event_types": ["customer.tier_changed", "redemption.completed"],
    "is_active": True,
    "created_at": "2026-11-23T10:00:00+08:00",
}


class WebhookListCreateView(_WebhookView):
    staff_perms = {
        "GET": "bookshelf.view_webhooksubscription",
        "POST": "bookshelf.add_webhooksubscription",
    }

    @extend_schema(
        operation_id="webhooks_list",
        summary="Your webhook subscriptions",
        description="The subscriptions this client made, by name; their secrets are never "
        "shown again (rotate one to get a new secret).",
        responses={200: SubscriptionOutSerializer(many=True), 403: ErrorSerializer},
        examples=[OpenApiExample("Subscriptions", value=[EXAMPLE], response_only=True)],
    )
    def get(self, request: Request) -> Response:
        return Response(SubscriptionOutSerializer(self.subscriptions(), many=True).data)

    @extend_schema(
        operation_id="webhook_create",
        summary="Subscribe to shelf events",
        description="Deliveries are POSTed as JSON `{id, type, created_at, data}` and signed: "
        "`X-Bookshelf-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, t + '.' + body)>`.",
        request=SubscriptionInSerializer,
        responses={
            201: OpenApiResponse(
                SubscriptionCreatedSerializer,
                description="Subscribed; `secret` is shown this once.",
            ),
            400: ErrorSerializer,
        },
        examples=[
            OpenApiExample(
                "Subscribe",
                value={k: EXAMPLE[k] for k in ("name", "url", "event_types")},
                request_only=True,
            ),
            OpenApiExample(
                "Created",
                value={**EXAMPLE, "secret": "whsec_…"},
                response_only=True,
                status_codes=["201"],
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        data_in = SubscriptionInSerializer(data=request.data)
        data_in.is_valid(raise_exception=True)
        data = data_in.validated_data
        if WebhookSubscription.objects.filter(name=data["name"]).exists():
            raise serializers.ValidationError({"name": [_("This name is taken.")]})
        subscription = subscription_create(
            name=data["name"],
            url=data["url"],
            event_types=data.get("event_types") or [],
            api_client=api_client_of(request),
        )
        return Response(
            SubscriptionCreatedSerializer(subscription).data, status=status.HTTP_201_CREATED
        )


class WebhookDetailView(_WebhookView):
    staff_perms = {"DELETE": "bookshelf.delete_webhooksubscription"}

    @extend_schema(
        operation_id="webhook_delete",
        summary="Unsubscribe",
        description="Deletes one of this client's subscriptions: nothing more is delivered "
        "to it, including deliveries still queued.",
        responses={
            204: OpenApiResponse(description="Unsubscribed."),
            404: OpenApiResponse(ErrorSerializer, description="No such subscription of yours."),
        },
    )
    def delete(self, request: Request, pk: int) -> Response:
        self.get_subscription(pk).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookRotateView(_WebhookView):
    staff_perms = {"POST": "bookshelf.change_webhooksubscription"}

    @extend_schema(
        operation_id="webhook_secret_rotate",
        summary="Rotate the signing secret",
        description="The new secret signs from now on; for 24 hours deliveries carry a second "
        "signature made with the previous secret.",
        request=None,
        responses={
            200: OpenApiResponse(
                SubscriptionCreatedSerializer, description="Rotated; the new `secret`, shown once."
            ),
            404: OpenApiResponse(ErrorSerializer, description="No such subscription of yours."),
        },
        examples=[
            OpenApiExample("Rotated", value={**EXAMPLE, "secret": "whsec_…"}, response_only=True)
        ],
    )
    def post(self, request: Request, pk: int) -> Response:
        subscription = subscription_rotate_secret(subscription=self.get_subscription(pk))
        return Response(SubscriptionCreatedSerializer(subscription).data)
