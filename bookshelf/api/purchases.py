"""Paid add-ons: the customer's purchases, and buying one (idempotent)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from ..integrations.models import ApiScope
from ..ledger.models import Purchase
from ..ledger.selectors import purchase_history
from ..ledger.services import purchase_create
from .base import (
    ERRORS,
    IDEMPOTENCY_KEY_REQUIRED,
    CustomerScopedView,
    idempotency_key_required,
    idempotent_response,
    json_ready,
)
from .common import BoundedPagination, ErrorSerializer, paginated


# -- purchases ------------------------------------------------------------------------------
class PurchaseInSerializer(serializers.Serializer):
    benefit = serializers.CharField(max_length=40)
    quantity = serializers.IntegerField(min_value=1, max_value=100, default=1)
    payment_reference = serializers.CharField(max_length=64)


class PurchaseOutSerializer(serializers.ModelSerializer):
    benefit = serializers.CharField(source="benefit_code")
    remaining = serializers.IntegerField()

    class Meta:
        model = Purchase
        fields = [
            "id",
            "benefit",
            "quantity",
            "unit_price",
            "total_price",
            "uses_granted",
            "uses_used",
            "remaining",
            "valid_from",
            "valid_until",
            "payment_reference",
            "created_at",
        ]


PAGINATED_PURCHASES = paginated(PurchaseOutSerializer, "PaginatedPurchaseOut")


PURCHASE_EXAMPLE = {
    "id": 55,
    "benefit": "SPT.01.004",
    "quantity": 2,
    "unit_price": "99.00",
    "total_price": "198.00",
    "uses_granted": 2,
    "uses_used": 0,
    "remaining": 2,
    "valid_from": "2026-11-23",
    "valid_until": "2027-11-22",
    "payment_reference": "PAY-7781",
    "created_at": "2026-11-23T10:00:00+08:00",
}


class PurchaseListCreateView(CustomerScopedView):
    staff_perms = {"GET": "bookshelf.view_purchase", "POST": "bookshelf.add_purchase"}
    required_scope = ApiScope.PURCHASE

    @extend_schema(
        operation_id="customer_purchases_list",
        summary="The customer's purchases",
        description="The paid add-ons this customer bought, newest first, 50 a page, each with "
        "the price paid, the uses it granted, how many are left and until when it is valid.",
        parameters=[
            OpenApiParameter("page", int, description="From 1."),
            OpenApiParameter("page_size", int, description="1 to 200."),
        ],
        responses={200: PAGINATED_PURCHASES, **ERRORS},
        examples=[
            OpenApiExample(
                "Purchases page",
                value={"count": 1, "next": None, "previous": None, "results": [PURCHASE_EXAMPLE]},
                response_only=True,
            )
        ],
    )
    def get(self, request: Request, customer_no: str) -> Response:
        customer = self.get_customer()
        paginator = BoundedPagination()
        page = paginator.paginate_queryset(purchase_history(customer=customer), request, view=self)
        return paginator.get_paginated_response(PurchaseOutSerializer(page, many=True).data)

    @extend_schema(
        operation_id="customer_purchase_create",
        summary="Buy a paid add-on",
        description="Records a purchase the customer has paid for (`payment_reference` is your "
        "payment's id, used once) at today's price, granting `uses_per_purchase` uses per "
        "unit for the benefit's validity. The uses then appear in the benefit centre with "
        "source `purchase`. Send an `Idempotency-Key`: a retry with it is answered the first "
        "response again and buys nothing twice.",
        parameters=[IDEMPOTENCY_KEY_REQUIRED],
        request=PurchaseInSerializer,
        responses={
            201: OpenApiResponse(
                PurchaseOutSerializer,
                description="Bought; the price is the one of the moment of purchase. A replay "
                "answers the same body with `Idempotent-Replayed: true`.",
            ),
            **ERRORS,
            409: OpenApiResponse(ErrorSerializer, description="Payment reference already used."),
            422: OpenApiResponse(ErrorSerializer, description="Idempotency-Key reused."),
        },
        examples=[
            OpenApiExample(
                "Buy two sessions",
                value={"benefit": "SPT.01.004", "quantity": 2, "payment_reference": "PAY-7781"},
                request_only=True,
            ),
            OpenApiExample(
                "Bought", value=PURCHASE_EXAMPLE, response_only=True, status_codes=["201"]
            ),
        ],
    )
    def post(self, request: Request, customer_no: str) -> Response:
        customer = self.get_customer()
        data_in = PurchaseInSerializer(data=request.data)
        data_in.is_valid(raise_exception=True)
        key = idempotency_key_required(request)
        data = data_in.validated_data

        def run() -> tuple[int, dict[str, Any]]:
            purchase = purchase_create(
                customer=customer,
                benefit_code=data["benefit"],
                quantity=data["quantity"],
                payment_reference=data["payment_reference"],
                idempotency_key=key,
            )
            return status.HTTP_201_CREATED, json_ready(PurchaseOutSerializer(purchase).data)

        return idempotent_response(request, key, data, run)
