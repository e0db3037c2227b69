"""Moments that matter, posted by other systems (claims, travel, CRM...)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from config.dates import SafeDateTimeField

from ..integrations.models import ApiScope
from ..reach.models import EventKind
from ..reach.services import customer_event_record
from .base import ERRORS, CustomerScopedView


class EventInSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=EventKind.choices)
    occurred_at = SafeDateTimeField(required=False)
    note = serializers.CharField(max_length=255, required=False, allow_blank=True)
    external_id = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="Your id for the event: the same id again is not stored twice.",
    )


class EventOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=EventKind.choices)
    occurred_at = serializers.DateTimeField()
    note = serializers.CharField()
    external_id = serializers.CharField()


class CustomerEventView(CustomerScopedView):
    staff_perms = {"POST": "bookshelf.add_customerevent"}
    required_scope = ApiScope.SIGNAL

    @extend_schema(
        operation_id="customer_event_create",
        summary="Tell the shelf about a moment that matters",
        description="Claim filed, hospital visit, policy anniversary, birthday, trip booked, new "
        "family member. Events feed the recommendations; important ones become suggestions "
        "on the agent's desk. Send your own `external_id`: the same id again is answered "
        "200 with the event already stored, so a retry never records it twice.",
        request=EventInSerializer,
        responses={
            201: OpenApiResponse(EventOutSerializer, description="The event is recorded."),
            200: OpenApiResponse(
                EventOutSerializer,
                description="An event with this `external_id` was already recorded: it is "
                "answered as stored, and nothing new is recorded.",
            ),
            **ERRORS,
        },
        examples=[
            OpenApiExample(
                "Claim filed",
                value={"kind": "claim_filed", "external_id": "CLM-2026-0042"},
                request_only=True,
            )
        ],
    )
    def post(self, request: Request, customer_no: str) -> Response:
        customer = self.get_customer()
        data_in = EventInSerializer(data=request.data)
        data_in.is_valid(raise_exception=True)
        data = data_in.validated_data
        client = getattr(request.auth, "name", "") or f"user:{request.user.pk}"
        event, created = customer_event_record(
            customer=customer,
            kind=data["kind"],
            occurred_at=data.get("occurred_at"),
            note=data.get("note", ""),
            source=client,
            external_id=data.get("external_id", ""),
        )
        return Response(
            EventOutSerializer(event).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
