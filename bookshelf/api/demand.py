"""Asking for a benefit that is not on the shelf."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from benefits.selectors import benefit_get, category_get
from customers.models import Customer
from customers.selectors import customer_get, customers_visible_to

from ..integrations.models import ApiScope
from ..ledger.models import Channel
from ..ledger.services import channel_claim_check
from ..review.models import DemandSignal, DemandSource
from ..review.services import demand_signal_create
from .auth import HasScope, api_client_of
from .base import ERRORS
from .common import StrictQueryParamsMixin


# -- demand ---------------------------------------------------------------------------------
class DemandSignalInSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=500, help_text=_("What the customer asked for."))
    category = serializers.CharField(max_length=40, required=False, allow_blank=True)
    benefit = serializers.CharField(
        max_length=40, required=False, allow_blank=True, help_text="An existing benefit's code."
    )
    customer = serializers.CharField(max_length=20, required=False, allow_blank=True)
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=["customer", "agent"],
        default="customer",
        help_text="Who asked. `agent` needs a staff session or a client given the agent channel.",
    )


class DemandSignalOutSerializer(serializers.ModelSerializer):
    category = serializers.CharField(
        source="category.path_code",
        allow_null=True,
        default=None,
        help_text="The category code given; null when none was.",
    )
    benefit = serializers.CharField(
        source="benefit.code",
        allow_null=True,
        default=None,
        help_text="The benefit code given; null when none was.",
    )
    customer = serializers.CharField(
        source="customer.customer_no",
        allow_null=True,
        default=None,
        help_text="The customer who asked; null when none was named.",
    )

    class Meta:
        model = DemandSignal
        fields = ["id", "text", "category", "benefit", "customer", "source", "created_at"]


class DemandSignalCreateView(StrictQueryParamsMixin, APIView):
    staff_perms = {"POST": "bookshelf.add_demandsignal"}
    permission_classes = [HasScope]
    required_scope = ApiScope.SIGNAL

    @extend_schema(
        operation_id="demand_signal_create",
        summary="Ask for a benefit that is not on the shelf",
        description="Records what a customer (or their agent) asked for in their own words, "
        "optionally with the category it belongs in, an existing benefit it is about and "
        "the customer. The shelf review groups these requests; a benefit many ask for is "
        "proposed to product staff to pull onto the shelf.",
        request=DemandSignalInSerializer,
        responses={
            201: OpenApiResponse(DemandSignalOutSerializer, description="The request is recorded."),
            **ERRORS,
        },
        examples=[
            OpenApiExample(
                "Recorded",
                value={
                    "id": 9,
                    "text": "Pet vet video consultation",
                    "category": "LIF",
                    "benefit": None,
                    "customer": "C100000123",
                    "source": "customer",
                    "created_at": "2026-11-23T10:00:00+08:00",
                },
                response_only=True,
                status_codes=["201"],
            ),
            OpenApiExample(
                "A request",
                value={
                    "text": "Pet vet video consultation",
                    "category": "LIF",
                    "customer": "C100000123",
                },
                request_only=True,
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        data_in = DemandSignalInSerializer(data=request.data)
        data_in.is_valid(raise_exception=True)
        data = data_in.validated_data
        if data["source"] == DemandSource.AGENT:
            channel_claim_check(
                channel=Channel.AGENT, api_client=api_client_of(request), field="source"
            )
        customer = None
        if data.get("customer"):
            visible = (
                Customer.objects.all()
                if api_client_of(request) is not None
                else customers_visible_to(request.user)
            )
            customer = customer_get(customer_no=data["customer"], queryset=visible)
        signal = demand_signal_create(
            text=data["text"],
            category=category_get(code=data["category"].upper()) if data.get("category") else None,
            benefit=benefit_get(code=data["benefit"]) if data.get("benefit") else None,
            customer=customer,
            source=data["source"],
        )
        return Response(DemandSignalOutSerializer(signal).data, status=status.HTTP_201_CREATED)
