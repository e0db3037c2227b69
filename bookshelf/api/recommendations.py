"""What suits a customer now, ranked and explained."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from benefits.text import translated

from ..reach.selectors import (
    Recommendation,
    recommendations_by_number,
    recommendations_for_customer,
)
from .auth import api_client_of
from .base import ERRORS, CustomerScopedView
from .common import ReplicaReadsMixin
from .renderers import FastJSONRenderer


def _rec(r: Recommendation) -> dict[str, Any]:
    return {
        "code": r.code,
        "name": translated(r, "name"),
        "category": r.category,
        "score": r.score,
        "reasons": r.reasons,
        "remaining": r.remaining,
        "period_end": r.period_end.isoformat() if r.period_end else None,
        "price": r.price,
        "push": {
            "available": r.push.available,
            "channels": list(r.push.channels),
            "code": r.push.code or None,
            "reason": r.push.reason or None,
        },
    }


class PushActionSerializer(serializers.Serializer):
    available = serializers.BooleanField(help_text="The benefit can be pushed now.")
    channels = serializers.ListField(
        child=serializers.CharField(), help_text="The push channels the customer consents to."
    )
    code = serializers.CharField(
        allow_null=True,
        help_text="Why not, as the push would answer: consent_required, "
        "push_benefit_not_usable; null when it can be pushed.",
    )
    reason = serializers.CharField(
        allow_null=True, help_text="Why not, in words; null when it can be pushed."
    )


class RecommendationSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    category = serializers.CharField()
    score = serializers.FloatField()
    reasons = serializers.ListField(child=serializers.CharField())
    remaining = serializers.IntegerField(
        allow_null=True, help_text="Uses left; null when unlimited or not held (an add-on)."
    )
    period_end = serializers.DateField(
        allow_null=True, help_text="The period's last day; null when it has none."
    )
    price = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        allow_null=True,
        help_text="In yuan, for an add-on to buy; null for a benefit the customer holds.",
    )
    push = PushActionSerializer()


class RecommendationsSerializer(serializers.Serializer):
    customer_no = serializers.CharField()
    recommendations = RecommendationSerializer(many=True)
    you_might_add = RecommendationSerializer(many=True)


LIMIT_MIN, LIMIT_MAX, LIMIT_DEFAULT = 1, 50, 5


class LimitSerializer(serializers.Serializer):
    limit = serializers.IntegerField(
        min_value=LIMIT_MIN, max_value=LIMIT_MAX, default=LIMIT_DEFAULT
    )


def limit_of(request: Request) -> int:
    """The `limit` asked for: a plain number in range is read as it is; anything else goes
    through the serializer, whose error is the answer (building it costs more than the rest
    of the parsing)."""
    raw = request.query_params.get("limit")
    if raw is None:
        return LIMIT_DEFAULT
    # At most two digits: a huge number is never converted (and is the serializer's 400).
    if len(raw) <= 2 and raw.isascii() and raw.isdigit() and LIMIT_MIN <= int(raw) <= LIMIT_MAX:
        return int(raw)
    params = LimitSerializer(data=request.query_params)
    params.is_valid(raise_exception=True)
    return int(params.validated_data["limit"])


class RecommendationsView(ReplicaReadsMixin, CustomerScopedView):
    staff_perms = {"GET": "customers.view_customer"}
    renderer_classes = [FastJSONRenderer]
    extra_query_params = ("limit",)

    @extend_schema(
        operation_id="customer_recommendations_get",
        summary="What suits this customer now, ranked and explained",
        description="Only benefits the customer can use now (tier, eligibility, quota left, "
        "not retired). Paid add-ons they would likely want are listed apart. Each says "
        "whether it can be pushed now (`push`): on the channels the customer consents to, "
        "or why not.",
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
                            "push": {
                                "available": True,
                                "channels": ["app_message"],
                                "code": None,
                                "reason": None,
                            },
                        }
                    ],
                    "you_might_add": [],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request, customer_no: str) -> Response:
        limit = limit_of(request)
        if api_client_of(request) is not None:
            # Any customer is the client's to see: one statement finds them and reads all.
            result = recommendations_by_number(customer_no=customer_no, limit=limit)
        else:
            result = recommendations_for_customer(customer=self.get_customer(), limit=limit)
        return Response(
            {
                "customer_no": result.customer.customer_no,
                "recommendations": [_rec(r) for r in result.recommendations],
                "you_might_add": [_rec(r) for r in result.you_might_add],
            }
        )
