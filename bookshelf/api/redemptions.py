"""Uses of a benefit: the history, a new use (idempotent), a cancellation."""

from __future__ import annotations

from datetime import date
from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from config.dates import day_after, day_start

from ..integrations.models import ApiScope
from ..ledger.models import Channel, Redemption, RedemptionStatus, Source
from ..ledger.selectors import redemption_for_customer, redemption_history
from ..ledger.services import channel_claim_check, redemption_cancel, redemption_create
from .auth import api_client_of
from .base import (
    ERRORS,
    IDEMPOTENCY_KEY_REQUIRED,
    CustomerScopedView,
    idempotency_key_required,
    idempotent_response,
    json_ready,
)
from .common import BoundedPagination, ErrorSerializer, PeriodStartField, paginated


class RedemptionFilter(django_filters.FilterSet):
    benefit = django_filters.CharFilter(field_name="benefit_code", help_text=_("Benefit code."))
    category = django_filters.CharFilter(
        method="filter_category", help_text=_("Category code; a prefix matches its branch.")
    )
    # As a range on the timestamp itself (local midnights), not on its date: PostgreSQL then
    # prunes the redemption table's monthly partitions outside the range. Bounds past any
    # stored row are clamped (config.dates): `date_to=9999-12-31` means "no end".
    date_from = django_filters.DateFilter(method="filter_date_from")
    date_to = django_filters.DateFilter(method="filter_date_to")
    status = django_filters.ChoiceFilter(choices=RedemptionStatus.choices)
    source = django_filters.ChoiceFilter(choices=Source.choices)

    class Meta:
        model = Redemption
        fields: list[str] = []

    def filter_date_from(self, queryset: QuerySet[Redemption], name: str, value: date) -> Any:
        return queryset.filter(created_at__gte=day_start(value))

    def filter_date_to(self, queryset: QuerySet[Redemption], name: str, value: date) -> Any:
        return queryset.filter(created_at__lt=day_after(value))

    def filter_category(self, queryset: QuerySet[Redemption], name: str, value: str) -> Any:
        prefix = value.strip().upper().rstrip(".")
        return queryset.filter(
            Q(benefit__category__path_code=prefix)
            | Q(benefit__category__path_code__startswith=prefix + ".")
        )


# -- redemptions ----------------------------------------------------------------------------
class RedemptionInSerializer(serializers.Serializer):
    benefit = serializers.CharField(max_length=40, help_text="The benefit's code.")
    beneficiary = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        help_text="A family member's customer number, when they use this customer's benefit.",
    )
    channel = serializers.ChoiceField(
        choices=Channel.choices,
        required=False,
        help_text="Where the use was made. An API client may claim only its own channels (the "
        "app unless it was given others; its first one is the default); a staff session "
        "agent, phone or counter (default agent).",
    )


class RedemptionOutSerializer(serializers.ModelSerializer):
    benefit = serializers.CharField(source="benefit_code")
    holder = serializers.CharField(source="holder.customer_no")
    beneficiary = serializers.CharField(source="beneficiary.customer_no")
    period_start = PeriodStartField()
    period_end = serializers.DateField(
        allow_null=True, help_text="The period's last day; null when it has none (unlimited)."
    )
    cancelled_at = serializers.DateTimeField(
        allow_null=True, help_text="When it was cancelled; null while it stands."
    )

    class Meta:
        model = Redemption
        fields = [
            "id",
            "benefit",
            "holder",
            "beneficiary",
            "source",
            "channel",
            "status",
            "period_start",
            "period_end",
            "created_at",
            "cancelled_at",
        ]


class RedemptionCreatedSerializer(RedemptionOutSerializer):
    remaining = serializers.IntegerField(
        source="remaining_after",
        allow_null=True,
        help_text="Uses left after this one; null when unlimited.",
    )

    class Meta(RedemptionOutSerializer.Meta):
        fields = [*RedemptionOutSerializer.Meta.fields, "remaining"]


QUOTA_EXAMPLE = OpenApiExample(
    "No quota left",
    value={
        "code": "quota_exhausted",
        "message": "No uses of this benefit are left for this period.",
        "fields": {},
    },
    response_only=True,
    status_codes=["409"],
)


NOT_ELIGIBLE_EXAMPLE = OpenApiExample(
    "Not eligible",
    value={
        "code": "not_in_tier",
        "message": "The customer's tier does not include this benefit.",
        "fields": {"benefit": ["The customer's tier does not include this benefit."]},
    },
    response_only=True,
    status_codes=["403"],
)


PAGINATED_REDEMPTIONS = paginated(RedemptionOutSerializer, "PaginatedRedemptionOut")


REDEMPTION_EXAMPLE = {
    "id": 812,
    "benefit": "HLT.01.002",
    "holder": "C100000123",
    "beneficiary": "C100000123",
    "source": "tier",
    "channel": "app",
    "status": "completed",
    "period_start": "2026-01-01",
    "period_end": "2026-12-31",
    "created_at": "2026-11-23T10:00:00+08:00",
    "cancelled_at": None,
}


class RedemptionListCreateView(CustomerScopedView):
    staff_perms = {"GET": "bookshelf.view_redemption", "POST": "bookshelf.add_redemption"}
    required_scope = ApiScope.REDEEM
    filterset_class = RedemptionFilter

    @extend_schema(
        operation_id="customer_redemptions_list",
        summary="The customer's redemption history",
        description="Every use recorded for this customer (as holder or as the family member "
        "who used it), newest first, 50 a page. Filter by benefit, category branch, date "
        "range, status or source; a query parameter not listed here is refused with 400 "
        "`unknown_parameter`, so a misspelt filter never returns the whole history.",
        parameters=[
            OpenApiParameter("page", int, description="From 1."),
            OpenApiParameter("page_size", int, description="1 to 200."),
            OpenApiParameter("benefit", str, description="A benefit code."),
            OpenApiParameter(
                "category", str, description="A category code; a prefix matches its branch."
            ),
            OpenApiParameter("date_from", OpenApiTypes.DATE),
            OpenApiParameter("date_to", OpenApiTypes.DATE),
            OpenApiParameter("status", str, enum=RedemptionStatus.values),
            OpenApiParameter("source", str, enum=Source.values),
        ],
        responses={200: PAGINATED_REDEMPTIONS, **ERRORS},
        examples=[
            OpenApiExample(
                "History page",
                value={
                    "count": 1,
                    "next": None,
                    "previous": None,
                    "results": [REDEMPTION_EXAMPLE],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request, customer_no: str) -> Response:
        customer = self.get_customer()
        filterset = RedemptionFilter(
            request.query_params, queryset=redemption_history(customer=customer)
        )
        if not filterset.is_valid():
            raise serializers.ValidationError(filterset.errors)
        paginator = BoundedPagination()
        page: Any = paginator.paginate_queryset(filterset.qs, request, view=self)
        data = RedemptionOutSerializer(page, many=True).data
        return paginator.get_paginated_response(data)

    @extend_schema(
        operation_id="customer_redemption_create",
        summary="Use a benefit",
        description="Spends one use: the customer's tier allowance, then their purchases, then "
        "a family member's shared allowance. With `beneficiary`, a family member uses this "
        "customer's shareable benefit. The answer says how many uses are left, as the benefit "
        "centre will show them. Send an `Idempotency-Key`: a retry with it is answered the "
        "first response again and spends nothing.",
        parameters=[IDEMPOTENCY_KEY_REQUIRED],
        request=RedemptionInSerializer,
        responses={
            201: OpenApiResponse(
                RedemptionCreatedSerializer,
                description="The use is recorded; `remaining` is what is left of the "
                "allowance it was spent from. A replay (same Idempotency-Key and body) "
                "answers the same body with `Idempotent-Replayed: true`.",
            ),
            **ERRORS,
            409: OpenApiResponse(ErrorSerializer, description="No quota or allowance left."),
            422: OpenApiResponse(ErrorSerializer, description="Idempotency-Key reused."),
        },
        examples=[
            OpenApiExample(
                "Use a check-up",
                value={"benefit": "HLT.01.002", "channel": "app"},
                request_only=True,
            ),
            OpenApiExample(
                "A spouse uses a shared benefit",
                value={"benefit": "MED.01.001", "beneficiary": "C100000124", "channel": "app"},
                request_only=True,
            ),
            OpenApiExample(
                "Created",
                value={**REDEMPTION_EXAMPLE, "remaining": 0},
                response_only=True,
                status_codes=["201"],
            ),
            QUOTA_EXAMPLE,
            NOT_ELIGIBLE_EXAMPLE,
        ],
    )
    def post(self, request: Request, customer_no: str) -> Response:
        customer = self.get_customer()
        data_in = RedemptionInSerializer(data=request.data)
        data_in.is_valid(raise_exception=True)
        key = idempotency_key_required(request)
        data = data_in.validated_data
        if "channel" not in request.data:
            data["channel"] = self.channel_default()

        def run() -> tuple[int, dict[str, Any]]:
            # Inside the idempotent call: a reused key with another body is still a 422 first.
            channel_claim_check(channel=data["channel"], api_client=api_client_of(request))
            result = redemption_create(
                customer=customer,
                benefit_code=data["benefit"],
                beneficiary_no=data.get("beneficiary") or None,
                channel=data["channel"],
                idempotency_key=key,
                recorded_by=self.recorded_by(),
            )
            return status.HTTP_201_CREATED, json_ready(
                RedemptionCreatedSerializer(result.redemption).data
            )

        return idempotent_response(request, key, data, run)


class RedemptionCancelView(CustomerScopedView):
    staff_perms = {"POST": "bookshelf.change_redemption"}  # supervisors, as in the admin
    required_scope = ApiScope.REDEEM

    @extend_schema(
        operation_id="customer_redemption_cancel",
        summary="Cancel a redemption and give the use back",
        description="The use is given back to the allowance it was spent from, once: a second "
        "cancel is a 409 `already_cancelled`. The redemption must be this customer's.",
        request=None,
        responses={
            200: OpenApiResponse(
                RedemptionOutSerializer, description="Cancelled; the use is available again."
            ),
            **ERRORS,
            409: OpenApiResponse(ErrorSerializer, description="Already cancelled."),
        },
        examples=[
            OpenApiExample(
                "Cancelled",
                value={
                    **REDEMPTION_EXAMPLE,
                    "status": "cancelled",
                    "cancelled_at": "2026-11-23T11:00:00+08:00",
                },
                response_only=True,
                status_codes=["200"],
            ),
            OpenApiExample(
                "Already cancelled",
                value={
                    "code": "already_cancelled",
                    "message": "This redemption is already cancelled.",
                    "fields": {},
                },
                response_only=True,
                status_codes=["409"],
            ),
        ],
    )
    def post(self, request: Request, customer_no: str, redemption_id: int) -> Response:
        customer = self.get_customer()
        redemption = redemption_for_customer(customer=customer, redemption_id=redemption_id)
        redemption = redemption_cancel(redemption=redemption, by=self.recorded_by())
        return Response(RedemptionOutSerializer(redemption).data)
