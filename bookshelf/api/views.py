"""The app-backend API. Views are thin: resolve the customer scoped to the caller, validate
input, call one service or selector, serialise."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from benefits.selectors import benefit_get, category_get
from config.exceptions import NotFound
from customers.models import Customer
from customers.selectors import customer_get, customers_visible_to

from ..error_codes import BookshelfErrorCode
from ..idempotency import idempotency_key_check, idempotent_call, request_fingerprint
from ..models import ApiScope, Channel, Purchase, Redemption, RedemptionStatus, Source
from ..selectors import bookshelf_for_customer
from ..services import (
    demand_signal_create,
    purchase_create,
    redemption_cancel,
    redemption_create,
    redemption_feedback_create,
)
from .auth import HasScope, api_client_of, caller_ref
from .common import BoundedPagination, ErrorSerializer, StrictQueryParamsMixin, paginated
from .filters import RedemptionFilter
from .renderers import FastJSONRenderer
from .serializers import (
    BookshelfSerializer,
    DemandSignalInSerializer,
    DemandSignalOutSerializer,
    PurchaseInSerializer,
    PurchaseOutSerializer,
    RedemptionCreatedSerializer,
    RedemptionInSerializer,
    RedemptionOutSerializer,
    bookshelf_payload,
)

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="Retries with the same key and body get the first response; nothing is "
    "spent twice. The same key with another body is a 422.",
)
ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Malformed input; see `fields`."),
    401: OpenApiResponse(ErrorSerializer, description="No or bad credentials."),
    403: OpenApiResponse(ErrorSerializer, description="Not allowed; `code` says why."),
    404: OpenApiResponse(ErrorSerializer, description="No such customer or object."),
}
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
PAGINATED_PURCHASES = paginated(PurchaseOutSerializer, "PaginatedPurchaseOut")

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


def json_ready(data: Any) -> Any:
    """Serializer output as plain JSON types, so it can be stored for idempotent replay."""
    import json

    from rest_framework.utils.encoders import JSONEncoder

    return json.loads(json.dumps(data, cls=JSONEncoder))


class CustomerScopedView(StrictQueryParamsMixin, APIView):
    """Resolves the customer first, scoped to what the caller may see (404 otherwise)."""

    permission_classes = [HasScope]

    def visible_customers(self) -> QuerySet[Customer]:
        if api_client_of(self.request) is not None:
            return Customer.objects.all()
        return customers_visible_to(self.request.user)

    def get_customer(self) -> Customer:
        return customer_get(
            customer_no=self.kwargs["customer_no"], queryset=self.visible_customers()
        )

    def channel_default(self) -> str:
        return Channel.APP if api_client_of(self.request) is not None else Channel.AGENT

    def recorded_by(self) -> Any:
        return None if api_client_of(self.request) is not None else self.request.user


class BookshelfView(CustomerScopedView):
    staff_perms = {"GET": "customers.view_customer"}
    renderer_classes = [FastJSONRenderer]

    @extend_schema(
        summary="The customer's benefit centre",
        description="Every benefit the customer can use now, grouped by category, with quota, "
        "used, remaining and period end; benefits they could buy are listed apart.",
        responses={200: BookshelfSerializer, **ERRORS},
        examples=[
            OpenApiExample(
                "A gold customer",
                value={
                    "customer": {
                        "customer_no": "C100000123",
                        "name": "王**",
                        "phone": "138****5678",
                        "tier": "gold",
                        "tier_label": "VIP gold",
                    },
                    "as_of": "2026-11-23",
                    "categories": [
                        {
                            "code": "HLT.01",
                            "name": "Check-ups",
                            "benefits": [
                                {
                                    "code": "HLT.01.002",
                                    "name": "High-end health check-up",
                                    "how_to_use": "Book in the app.",
                                    "unit": "check-up",
                                    "source": "tier",
                                    "holder": "C100000123",
                                    "quota": 1,
                                    "used": 0,
                                    "remaining": 1,
                                    "period_start": "2026-01-01",
                                    "period_end": "2026-12-31",
                                    "shareable": False,
                                    "family_quota": 0,
                                    "family_used": 0,
                                    "purchase_id": None,
                                }
                            ],
                        }
                    ],
                    "purchasable": [
                        {
                            "code": "MED.03.004",
                            "name": "Overseas second opinion",
                            "category": "MED.03",
                            "how_to_use": "Ask your agent.",
                            "unit": "service",
                            "price": "1999.00",
                            "shareable": False,
                        }
                    ],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request, customer_no: str) -> Response:
        shelf = bookshelf_for_customer(customer=self.get_customer())
        return Response(bookshelf_payload(shelf))


class RedemptionListCreateView(CustomerScopedView):
    staff_perms = {"GET": "bookshelf.view_redemption", "POST": "bookshelf.add_redemption"}
    required_scope = ApiScope.REDEEM
    filterset_class = RedemptionFilter

    def history(self, customer: Customer) -> QuerySet[Redemption]:
        return (
            Redemption.objects.filter(Q(holder=customer) | Q(beneficiary=customer))
            .select_related("holder", "beneficiary")
            .order_by("-created_at", "-id")
        )

    @extend_schema(
        summary="The customer's redemption history",
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
        filterset = RedemptionFilter(request.query_params, queryset=self.history(customer))
        if not filterset.is_valid():
            raise serializers.ValidationError(filterset.errors)
        paginator = BoundedPagination()
        page: Any = paginator.paginate_queryset(filterset.qs, request, view=self)
        data = RedemptionOutSerializer(page, many=True).data
        return paginator.get_paginated_response(data)

    @extend_schema(
        summary="Use a benefit",
        description="Spends one use: the customer's tier allowance, then their purchases, then "
        "a family member's shared allowance. With `beneficiary`, a family member uses this "
        "customer's shareable benefit.",
        parameters=[IDEMPOTENCY_HEADER],
        request=RedemptionInSerializer,
        responses={
            201: RedemptionCreatedSerializer,
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
        key = idempotency_key_check(request.headers.get("Idempotency-Key"))
        data_in = RedemptionInSerializer(data=request.data)
        data_in.is_valid(raise_exception=True)
        data = data_in.validated_data
        if "channel" not in request.data:
            data["channel"] = self.channel_default()

        def run() -> tuple[int, dict[str, Any]]:
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

        return _idempotent_response(request, key, data, run)


def _idempotent_response(request: Request, key: str, data: Any, run: Any) -> Response:
    code, body, replayed = idempotent_call(
        client_ref=caller_ref(request),
        key=key,
        fingerprint=request_fingerprint(method=request.method or "", path=request.path, body=data),
        run=run,
    )
    response = Response(body, status=code)
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return response


class RedemptionCancelView(CustomerScopedView):
    staff_perms = {"POST": "bookshelf.change_redemption"}  # supervisors, as in the admin
    required_scope = ApiScope.REDEEM

    @extend_schema(
        summary="Cancel a redemption and give the use back",
        request=None,
        responses={
            200: RedemptionOutSerializer,
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
        redemption = _customer_redemption(customer, redemption_id)
        redemption = redemption_cancel(redemption=redemption, by=self.recorded_by())
        return Response(RedemptionOutSerializer(redemption).data)


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
        summary="Rate a use: would the customer recommend this benefit?",
        description="Once per redemption; the shelf review reports each benefit's NPS.",
        request=FeedbackInSerializer,
        responses={
            201: FeedbackOutSerializer,
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
        redemption = _customer_redemption(customer, redemption_id)
        data_in = FeedbackInSerializer(data=request.data)
        data_in.is_valid(raise_exception=True)
        feedback = redemption_feedback_create(
            redemption=redemption,
            score=data_in.validated_data["score"],
            comment=data_in.validated_data.get("comment", ""),
        )
        return Response(FeedbackOutSerializer(feedback).data, status=status.HTTP_201_CREATED)


def _customer_redemption(customer: Customer, redemption_id: int) -> Redemption:
    """A redemption looked up under its customer (as holder or beneficiary), or 404."""
    redemption = (
        Redemption.objects.filter(Q(holder=customer) | Q(beneficiary=customer))
        .select_related("holder", "beneficiary", "benefit")
        .filter(pk=redemption_id)
        .first()
    )
    if redemption is None:
        raise NotFound(
            BookshelfErrorCode.REDEMPTION_NOT_FOUND,
            _("This customer has no redemption %(id)s.") % {"id": redemption_id},
        )
    return redemption


class PurchaseListCreateView(CustomerScopedView):
    staff_perms = {"GET": "bookshelf.view_purchase", "POST": "bookshelf.add_purchase"}
    required_scope = ApiScope.PURCHASE

    @extend_schema(
        summary="The customer's purchases",
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
        qs = Purchase.objects.filter(customer=customer).order_by("-created_at", "-id")
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(PurchaseOutSerializer(page, many=True).data)

    @extend_schema(
        summary="Buy a paid add-on",
        parameters=[IDEMPOTENCY_HEADER],
        request=PurchaseInSerializer,
        responses={
            201: PurchaseOutSerializer,
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
        key = idempotency_key_check(request.headers.get("Idempotency-Key"))
        data_in = PurchaseInSerializer(data=request.data)
        data_in.is_valid(raise_exception=True)
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

        return _idempotent_response(request, key, data, run)


class DemandSignalCreateView(StrictQueryParamsMixin, APIView):
    staff_perms = {"POST": "bookshelf.add_demandsignal"}
    permission_classes = [HasScope]
    required_scope = ApiScope.SIGNAL

    @extend_schema(
        summary="Ask for a benefit that is not on the shelf",
        request=DemandSignalInSerializer,
        responses={201: DemandSignalOutSerializer, **ERRORS},
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
