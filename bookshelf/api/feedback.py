"""The customer rates a use: would they recommend this benefit (0-10)?"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from ..integrations.models import ApiScope
from ..ledger.selectors import redemption_for_customer
from ..reach.services import feedback_record
from .base import ERRORS, CustomerScopedView
from .common import ErrorSerializer


class FeedbackInSerializer(serializers.Serializer):
    score = serializers.IntegerField(
        min_value=0, max_value=10, help_text="How likely to recommend this benefit (0-10)."
    )
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class FeedbackOutSerializer(serializers.Serializer):
    redemption = serializers.IntegerField(source="redemption_id")
    benefit = serializers.CharField(source="benefit.code")
    score = serializers.IntegerField()
    comment = serializers.CharField()
    created_at = serializers.DateTimeField()


class RedemptionFeedbackView(CustomerScopedView):
    staff_perms = {"POST": "bookshelf.add_redemptionfeedback"}  # the customer's own answer
    required_scope = ApiScope.SIGNAL

    @extend_schema(
        operation_id="customer_redemption_feedback_create",
        summary="Rate a use: would the customer recommend this benefit?",
        description="Once per redemption, 0 to 10; the shelf review reports each benefit's "
        "NPS from these answers. A score of 0 to 6 opens a follow-up for the customer's agent "
        "(and a `feedback.detractor` webhook). A second rating, or rating a cancelled use, is "
        "a 409.",
        request=FeedbackInSerializer,
        responses={
            201: OpenApiResponse(FeedbackOutSerializer, description="The rating is recorded."),
            **ERRORS,
            409: OpenApiResponse(ErrorSerializer, description="Already rated, or cancelled."),
        },
        examples=[
            OpenApiExample(
                "Rate", value={"score": 9, "comment": "Escort was on time."}, request_only=True
            ),
            OpenApiExample(
                "Rated",
                value={
                    "redemption": 812,
                    "benefit": "MED.02.003",
                    "score": 9,
                    "comment": "Escort was on time.",
                    "created_at": "2026-11-23T12:00:00+08:00",
                },
                response_only=True,
                status_codes=["201"],
            ),
        ],
    )
    def post(self, request: Request, customer_no: str, redemption_id: int) -> Response:
        customer = self.get_customer()
        redemption = redemption_for_customer(customer=customer, redemption_id=redemption_id)
        data_in = FeedbackInSerializer(data=request.data)
        data_in.is_valid(raise_exception=True)
        result = feedback_record(
            redemption=redemption,
            score=data_in.validated_data["score"],
            comment=data_in.validated_data.get("comment", ""),
        )
        return Response(FeedbackOutSerializer(result.feedback).data, status=status.HTTP_201_CREATED)
