"""Uses of a benefit: the history, one use with where it stands, a new use (idempotent), a
cancellation. A booked or issued use is held until its supplier delivers: every answer says
its `state`, and the one that creates an issued use shows its code, once."""

from __future__ import annotations

from datetime import date
from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from config.dates import day_after, day_start
from config.exceptions import Conflict

from ..fulfilment.models import Fulfilment, FulfilmentState
from ..fulfilment.selectors import fulfilment_history, fulfilments_by_redemption, redemption_state
from ..fulfilment.services import REASON_MAX_LENGTH, use_cancel, use_request
from ..integrations.models import ApiScope
from ..ledger.models import Channel, Redemption, RedemptionStatus, Source
from ..ledger.selectors import redemption_for_customer, redemption_history
from ..ledger.services import channel_claim_check
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
from .suppliers import StateErrorSerializer, with_state


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


class FulfilmentSupplierSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="The supplier's code.")
    name = serializers.CharField(help_text="The supplier's name, in the reader's language.")


class FulfilmentSummarySerializer(serializers.Serializer):
    supplier = FulfilmentSupplierSerializer(help_text="Who delivers it.")
    appointment_at = serializers.DateTimeField(
        allow_null=True, help_text="The booked appointment; null until the supplier books it."
    )
    place = serializers.CharField(help_text="Where the service happens; empty until known.")


class RedemptionEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField(help_text="When it happened.")
    from_state = serializers.CharField(help_text="The state before; empty on the request.")
    to_state = serializers.ChoiceField(choices=FulfilmentState.choices, help_text="After.")
    by = serializers.CharField(
        source="actor_kind",
        help_text="Who moved it: supplier, staff, client (the app) or system. Never a name.",
    )
    reason = serializers.CharField(help_text="Why, when a reason was given; may be empty.")


def _fulfilment_of(serializer: serializers.Serializer, redemption: Redemption) -> Any:
    return serializer.context.get("fulfilments", {}).get(redemption.pk)


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
    state = serializers.SerializerMethodField(
        help_text="Where the use stands: `fulfilled` at once for an instant benefit; for a "
        "booked or issued one its supplier's progress (requested, booked, issued, then "
        "fulfilled, no_show, redeemed, or failed, cancelled, expired)."
    )
    fulfilment = serializers.SerializerMethodField(
        help_text="Who delivers it and when; null for an instant benefit (nothing to deliver)."
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
            "state",
            "fulfilment",
            "period_start",
            "period_end",
            "created_at",
            "cancelled_at",
        ]

    @extend_schema_field(serializers.ChoiceField(choices=FulfilmentState.choices))
    def get_state(self, redemption: Redemption) -> str:
        return redemption_state(redemption, _fulfilment_of(self, redemption))

    @extend_schema_field(FulfilmentSummarySerializer(allow_null=True))
    def get_fulfilment(self, redemption: Redemption) -> Any:
        fulfilment: Fulfilment | None = _fulfilment_of(self, redemption)
        if fulfilment is None:
            return None
        return FulfilmentSummarySerializer(fulfilment).data


class RedemptionDetailSerializer(RedemptionOutSerializer):
    history = serializers.SerializerMethodField(
        help_text="Every step of a booked or issued use, oldest first; empty for an instant "
        "one (done when recorded: see `created_at` and `cancelled_at`)."
    )

    class Meta(RedemptionOutSerializer.Meta):
        fields = [*RedemptionOutSerializer.Meta.fields, "history"]

    @extend_schema_field(RedemptionEventSerializer(many=True))
    def get_history(self, redemption: Redemption) -> Any:
        fulfilment = _fulfilment_of(self, redemption)
        if fulfilment is None:
            return []
        events = fulfilment_history(fulfilment_id=fulfilment.pk)
        return RedemptionEventSerializer(events, many=True).data


def redemption_context(redemptions: Any) -> dict[str, Any]:
    """The serializers' context for these uses: their fulfilments, in one query."""
    return {"fulfilments": fulfilments_by_redemption(r.pk for r in redemptions)}


class RedemptionCreatedSerializer(RedemptionOutSerializer):
    remaining = serializers.IntegerField(
        source="remaining_after",
        allow_null=True,
        help_text="Uses left after this one; null when unlimited.",
    )

    code = serializers.SerializerMethodField(
        help_text="The code of an issued benefit (a coupon, a voucher): shown in this answer "
        "only, never again, not in a replay of it either; null for other benefits and in a "
        "replay. Show it to the customer now.",
    )
    code_valid_until = serializers.SerializerMethodField(
        help_text="The code's last valid day; null without a code or a limit."
    )

    class Meta(RedemptionOutSerializer.Meta):
        fields = [*RedemptionOutSerializer.Meta.fields, "remaining", "code", "code_valid_until"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_code(self, redemption: Redemption) -> str | None:
        # Added by the view to the live answer only: the stored (replayed) answer has none.
        return None

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_code_valid_until(self, redemption: Redemption) -> Any:
        until = self.context.get("code_valid_until")
        return until.isoformat() if until else None


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
    "state": "fulfilled",
    "fulfilment": None,
    "period_start": "2026-01-01",
    "period_end": "2026-12-31",
    "created_at": "2026-11-23T10:00:00+08:00",
    "cancelled_at": None,
}


FULFILMENT_SUMMARY_EXAMPLE = {
    "supplier": {"code": "cafe-co", "name": "Cafe Co."},
    "appointment_at": None,
    "place": "",
}
BOOKED_EXAMPLE = {
    **REDEMPTION_EXAMPLE,
    "benefit": "MED.02.001",
    "status": "held",
    "state": "booked",
    "fulfilment": {
        "supplier": {"code": "escort-co", "name": "Escort Co."},
        "appointment_at": "2026-12-12T09:30:00+08:00",
        "place": "Ruijin Hospital, building 3",
    },
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
        data = RedemptionOutSerializer(page, many=True, context=redemption_context(page)).data
        return paginator.get_paginated_response(data)

    @extend_schema(
        operation_id="customer_redemption_create",
        summary="Use a benefit",
        description="Spends one use: the customer's tier allowance, then their purchases, then "
        "a family member's shared allowance. With `beneficiary`, a family member uses this "
        "customer's shareable benefit. The answer says how many uses are left, as the benefit "
        "centre will show them. An instant benefit is `fulfilled` at once (status "
        "`completed`); a booked or issued one is `held` on the allowance and handed to its "
        "supplier (`state` `requested`, or `issued` with its `code` when the benefit has a "
        "code pool): the use is spent when the supplier delivers and given back if it fails "
        "or is cancelled first. Send an `Idempotency-Key`: a retry with it is answered the "
        "first response again and spends nothing, but never shows the code again.",
        parameters=[IDEMPOTENCY_KEY_REQUIRED],
        request=RedemptionInSerializer,
        responses={
            201: OpenApiResponse(
                RedemptionCreatedSerializer,
                description="The use is recorded (or held); `remaining` is what is left of "
                "the allowance it was spent from. A replay (same Idempotency-Key and body) "
                "answers the same body with `Idempotent-Replayed: true`, except `code`, which "
                "is null in it.",
            ),
            **ERRORS,
            409: OpenApiResponse(
                ErrorSerializer,
                description="Nothing was spent: `quota_exhausted` (no quota or allowance "
                "left), `code_pool_empty` (no code of this benefit left) or `no_supplier` "
                "(nobody delivers it at the moment).",
            ),
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
                value={
                    **REDEMPTION_EXAMPLE,
                    "remaining": 0,
                    "code": None,
                    "code_valid_until": None,
                },
                response_only=True,
                status_codes=["201"],
            ),
            OpenApiExample(
                "A coupon issued",
                value={
                    **REDEMPTION_EXAMPLE,
                    "benefit": "LIF.03.001",
                    "status": "held",
                    "state": "issued",
                    "fulfilment": FULFILMENT_SUMMARY_EXAMPLE,
                    "remaining": 3,
                    "code": "CAFE-7Q2M-91XK",
                    "code_valid_until": "2027-03-31",
                },
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

        shown: dict[str, str] = {}

        def run() -> tuple[int, dict[str, Any]]:
            # Inside the idempotent call: a reused key with another body is still a 422 first.
            channel_claim_check(channel=data["channel"], api_client=api_client_of(request))
            result = use_request(
                customer=customer,
                benefit_code=data["benefit"],
                beneficiary_no=data.get("beneficiary") or None,
                channel=data["channel"],
                idempotency_key=key,
                recorded_by=self.recorded_by(),
            )
            if result.code is not None:
                shown["code"] = result.code
            fulfilments = {result.redemption.pk: result.fulfilment} if result.fulfilment else {}
            context = {"fulfilments": fulfilments, "code_valid_until": result.code_valid_until}
            return status.HTTP_201_CREATED, json_ready(
                RedemptionCreatedSerializer(result.redemption, context=context).data
            )

        response = idempotent_response(request, key, data, run)
        # The code goes to this first answer only: the stored answer a replay gets has none.
        if shown and not response.has_header("Idempotent-Replayed"):
            response.data = {**response.data, **shown}
        return response


class RedemptionDetailView(CustomerScopedView):
    staff_perms = {"GET": "bookshelf.view_redemption"}
    required_scope = ApiScope.READ

    @extend_schema(
        operation_id="customer_redemption_get",
        summary="One use: where it stands and its history",
        description="One of the customer's uses with its `state` and, for a booked or issued "
        "benefit, its supplier, appointment and every step so far (when, from which state to "
        "which, by whom: the supplier, staff, the app or the system, never a person's name). "
        "An issued code is not shown here: only the answer that created the use shows it.",
        responses={200: RedemptionDetailSerializer, **ERRORS},
        examples=[
            OpenApiExample(
                "Booked",
                value={
                    **BOOKED_EXAMPLE,
                    "history": [
                        {
                            "at": "2026-11-23T10:00:00+08:00",
                            "from_state": "",
                            "to_state": "requested",
                            "by": "client",
                            "reason": "",
                        },
                        {
                            "at": "2026-11-23T11:30:00+08:00",
                            "from_state": "requested",
                            "to_state": "booked",
                            "by": "supplier",
                            "reason": "",
                        },
                    ],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request, customer_no: str, redemption_id: int) -> Response:
        customer = self.get_customer()
        redemption = redemption_for_customer(customer=customer, redemption_id=redemption_id)
        context = redemption_context([redemption])
        return Response(RedemptionDetailSerializer(redemption, context=context).data)


class RedemptionCancelInSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=REASON_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text="Why; required from staff when a booked or issued use is cancelled.",
    )


class RedemptionCancelView(CustomerScopedView):
    staff_perms = {"POST": "bookshelf.change_redemption"}  # supervisors, as in the admin
    required_scope = ApiScope.REDEEM

    @extend_schema(
        operation_id="customer_redemption_cancel",
        summary="Cancel a redemption and give the use back",
        description="The use is given back to the allowance it was spent from, once: a second "
        "cancel is a 409 `already_cancelled`. A booked or issued use can be cancelled until "
        "its supplier delivers (its code, if any, is voided); after that it is a 409 "
        "`illegal_transition`. Every 409 says in `state` where the use stands. The "
        "redemption must be this customer's.",
        request=RedemptionCancelInSerializer,
        responses={
            200: OpenApiResponse(
                RedemptionOutSerializer, description="Cancelled; the use is available again."
            ),
            **ERRORS,
            409: OpenApiResponse(
                StateErrorSerializer,
                description="Already cancelled, or already delivered; `state` says which.",
            ),
        },
        examples=[
            OpenApiExample(
                "Cancelled",
                value={
                    **REDEMPTION_EXAMPLE,
                    "status": "cancelled",
                    "state": "cancelled",
                    "cancelled_at": "2026-11-23T11:00:00+08:00",
                },
                response_only=True,
                status_codes=["200"],
            ),
            OpenApiExample(
                "Already cancelled",
                value={
                    "state": "cancelled",
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
        data_in = RedemptionCancelInSerializer(data=request.data)
        data_in.is_valid(raise_exception=True)
        redemption = redemption_for_customer(customer=customer, redemption_id=redemption_id)
        try:
            redemption = use_cancel(
                redemption=redemption,
                by=self.recorded_by(),
                reason=data_in.validated_data.get("reason", ""),
            )
        except Conflict as refusal:
            redemption.refresh_from_db()
            context = redemption_context([redemption])
            state = redemption_state(redemption, context["fulfilments"].get(redemption.pk))
            raise with_state(refusal, state) from None
        context = redemption_context([redemption])
        return Response(RedemptionOutSerializer(redemption, context=context).data)
