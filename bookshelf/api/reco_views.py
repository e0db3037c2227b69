"""Recommendations and customer events over the API."""

from __future__ import annotations

from typing import Any

from django.utils import translation
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from ..models import ApiScope, EventKind
from ..moments import customer_event_record
from ..recommendations import Recommendation, recommendations_for_customer
from .common import ErrorSerializer
from .renderers import FastJSONRenderer
from .views import ERRORS, CustomerScopedView


def _rec(r: Recommendation) -> dict[str, Any]:
    zh = (translation.get_language() or "").startswith("zh")
    return {
        "code": r.code,
        "name": r.name_zh if zh and r.name_zh else r.name,
        "category": r.category,
        "score": r.score,
        "reasons": r.reasons,
        "remaining": r.remaining,
        "period_end": r.period_end.isoformat() if r.period_end else None,
        "price": r.price,
    }


class RecommendationSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    category = serializers.CharField()
    score = serializers.FloatField()
    reasons = serializers.ListField(child=serializers.CharField())
    remaining = serializers.IntegerField(allow_null=True)
    period_end = serializers.DateField(allow_null=True)
    price = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)


class RecommendationsSerializer(serializers.Serializer):
    customer_no = serializers.CharField()
    recommendations = RecommendationSerializer(many=True)
    you_might_add = RecommendationSerializer(many=True)


class LimitSerializer(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=50, default=5)


class RecommendationsView(CustomerScopedView):
    staff_perms = {"GET": "customers.view_customer"}
    renderer_classes = [FastJSONRenderer]
    extra_query_params = ("limit",)

    @extend_schema(
        summary="What suits this customer now, ranked and explained",
        description="Only benefits the customer can use now (tier, eligibility, quota left, "
        "not retired). Paid add-ons they would likely want are listed apart.",
        parameters=[OpenApiParameter("limit", int, description="1 to 50, default 5.")],
        responses={200: RecommendationsSerializer, **ERRORS},
        examples=[
            OpenApiExample(
                "Recommendations",
                value={
                    "customer_no": "C100000123",
                    "recommendations": [
                        {
                            "code": "HLT.03.001",
                            "name": "Chronic-disease management",
                            "category": "HLT.03",
                            "score": 7.4,
                            "reasons": [
                                "has the tag “Chronic condition”: Chronic-disease management "
                                "suits it",
                                "not used yet",
                            ],
                            "remaining": 4,
                            "period_end": "2026-12-31",
                            "price": None,
                        }
                    ],
                    "you_might_add": [],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request, customer_no: str) -> Response:
        params = LimitSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        result = recommendations_for_customer(
            customer=self.get_customer(), limit=params.validated_data["limit"]
        )
        return Response(
            {
                "customer_no": result.customer.customer_no,
                "recommendations": [_rec(r) for r in result.recommendations],
                "you_might_add": [_rec(r) for r in result.you_might_add],
            }
        )


class EventInSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=EventKind.choices)
    occurred_at = serializers.DateTimeField(required=False)
    note = serializers.CharField(max_length=255, required=False, allow_blank=True)
    external_id = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="Your id for the event: the same id again is not stored twice.",
    )


class EventOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    occurred_at = serializers.DateTimeField()
    note = serializers.CharField()
    external_id = serializers.CharField()


class CustomerEventView(CustomerScopedView):
    staff_perms = {"POST": "bookshelf.add_customerevent"}
    required_scope = ApiScope.SIGNAL

    @extend_schema(
        summary="Tell the shelf about a moment that matters",
        description="Claim filed, hospital visit, policy anniversary, birthday, trip booked, new "
        "family member. Events feed the recommendations; important ones become suggestions "
        "on the agent's desk.",
        request=EventInSerializer,
        responses={
            201: EventOutSerializer,
            200: EventOutSerializer,
            400: ErrorSerializer,
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
