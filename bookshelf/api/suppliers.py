"""The supplier-facing API: a supplier reads its own open work and reports what happened.

No session and no bearer token here: each request is signed with the supplier's callback key
(`X-Bookshelf-Key`, `X-Bookshelf-Signature`), and the signature is the authentication. A
supplier sees only its own fulfilments; another supplier's answers exactly like a missing
one. The customer's personal data stops at a masked name: never a phone or an ID number.
"""

from __future__ import annotations

from typing import Any, cast

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import authentication, permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.exceptions import Conflict, DomainError
from customers.pii import mask_name

from ..fulfilment.error_codes import FulfilmentErrorCode
from ..fulfilment.models import Fulfilment, FulfilmentState, Supplier, SupplierKey
from ..fulfilment.selectors import (
    fulfilment_history,
    supplier_fulfilment_get,
    supplier_fulfilments,
)
from ..fulfilment.services import SUPPLIER_EVENTS, supplier_event_record, supplier_signed_in
from .auth import ClientRateThrottle
from .common import BoundedPagination, StrictQueryParamsMixin, paginated

KEY_HEADER = "X-Bookshelf-Key"
SIGNATURE_HEADER = "X-Bookshelf-Signature"
SUPPLIER_THROTTLE_RATE = "600/min"


class SupplierPrincipal:
    """The `request.user` of a signed supplier request (a partner's system, not a person)."""

    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_superuser = False
    is_active = True

    def __init__(self, supplier: Supplier) -> None:
        self.supplier = supplier
        self.pk = None
        self.id = None

    def __str__(self) -> str:
        return f"supplier:{self.supplier.code}"

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return False


class SupplierSignatureAuthentication(authentication.BaseAuthentication):
    """Checks the signature against the supplier named in the path. A refusal is kept for
    the permission check to raise: DRF would otherwise answer it without its code."""

    def authenticate(self, request: Request) -> tuple[SupplierPrincipal, SupplierKey] | None:
        code = str(request.parser_context.get("kwargs", {}).get("supplier_code", ""))
        key_id = request.headers.get(KEY_HEADER, "")
        header = request.headers.get(SIGNATURE_HEADER, "")
        if not key_id and not header:
            return None
        try:
            key = supplier_signed_in(code=code, key_id=key_id, header=header, body=request.body)
        except DomainError as refusal:
            request._request.supplier_refusal = refusal  # type: ignore[attr-defined]
            return None
        return SupplierPrincipal(key.supplier), key

    def authenticate_header(self, request: Request) -> str:
        return "Bookshelf-Signature"


class SignedBySupplier(permissions.BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        if isinstance(request.auth, SupplierKey):
            return True
        refusal = getattr(request._request, "supplier_refusal", None)
        if refusal is not None:
            raise refusal
        raise DomainError(
            FulfilmentErrorCode.SIGNATURE_INVALID,
            _("Sign the request with your callback key: send %(key)s and %(signature)s.")
            % {"key": KEY_HEADER, "signature": SIGNATURE_HEADER},
            status_code=401,
        )


class SupplierRateThrottle(ClientRateThrottle):
    """A request budget per supplier (not per key: a rotation gives no extra budget)."""

    scope = "supplier"

    def get_rate(self) -> str | None:
        return str(self.THROTTLE_RATES.get("supplier", SUPPLIER_THROTTLE_RATE))

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if isinstance(request.auth, SupplierKey):
            ident = f"supplier:{request.auth.supplier_id}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class SupplierSignatureScheme(OpenApiAuthenticationExtension):
    """Documents the two headers of a signed supplier request."""

    target_class = "bookshelf.api.suppliers.SupplierSignatureAuthentication"
    name = ["supplierKey", "supplierSignature"]

    def get_security_definition(self, auto_schema: Any) -> list[dict[str, str]]:
        return [
            {
                "type": "apiKey",
                "in": "header",
                "name": KEY_HEADER,
                "description": "Your callback key id (`sk_...`), given with its secret by "
                "the insurer's product staff.",
            },
            {
                "type": "apiKey",
                "in": "header",
                "name": SIGNATURE_HEADER,
                "description": "`t=<unix seconds>,v1=<hex>`: hex is HMAC-SHA256 with your "
                "key's secret over `<t>.` followed by the raw request body (empty for a GET). "
                "A timestamp more than 300 seconds from our clock, either way, is refused "
                "(`signature_expired`). During a key rotation the old key works until it "
                "expires.",
            },
        ]


# -- serializers ------------------------------------------------------------------------------
class SupplierBenefitSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="The benefit's code.")
    name = serializers.CharField(help_text="The benefit's name, in the reader's language.")


class SupplierFulfilmentSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The fulfilment's id: the one in the callback path.")
    redemption = serializers.IntegerField(
        source="redemption_id", help_text="The insurer's id of the use."
    )
    benefit = SupplierBenefitSerializer(help_text="What is to be delivered.")
    beneficiary = serializers.SerializerMethodField(
        help_text="Who it is for, masked (张**): no phone or ID number is ever sent."
    )
    state = serializers.ChoiceField(choices=FulfilmentState.choices, help_text="Where it stands.")
    requested_at = serializers.DateTimeField(source="created_at", help_text="When it was asked.")
    confirm_due_at = serializers.DateTimeField(
        allow_null=True, help_text="Confirm (book or issue) by then; null: no limit agreed."
    )
    deliver_due_at = serializers.DateTimeField(
        allow_null=True, help_text="Deliver by then; null: no limit agreed."
    )
    appointment_at = serializers.DateTimeField(
        allow_null=True, help_text="The booked appointment; null until booked."
    )
    place = serializers.CharField(help_text="Where the service happens; empty until said.")
    reference = serializers.CharField(
        source="supplier_reference", help_text="Your own reference, as you sent it; may be empty."
    )
    updated_at = serializers.DateTimeField(help_text="When it last changed.")

    def get_beneficiary(self, fulfilment: Fulfilment) -> str:
        return mask_name(fulfilment.beneficiary.name)


class SupplierEventOutSerializer(serializers.Serializer):
    at = serializers.DateTimeField(help_text="When it happened.")
    from_state = serializers.CharField(help_text="The state before; empty on the request.")
    to_state = serializers.ChoiceField(
        choices=FulfilmentState.choices, help_text="The state after."
    )
    by = serializers.CharField(
        source="actor_kind", help_text="Who moved it: supplier, staff, client or system."
    )
    event_id = serializers.CharField(help_text="Your event id; empty when it was not yours.")
    reason = serializers.CharField(help_text="Why, when a reason was given; may be empty.")


class SupplierFulfilmentDetailSerializer(SupplierFulfilmentSerializer):
    history = serializers.SerializerMethodField(help_text="Every transition, oldest first.")

    @extend_schema_field(SupplierEventOutSerializer(many=True))
    def get_history(self, fulfilment: Fulfilment) -> Any:
        return SupplierEventOutSerializer(
            fulfilment_history(fulfilment_id=fulfilment.pk), many=True
        ).data


class SupplierEventInSerializer(serializers.Serializer):
    event_id = serializers.CharField(
        max_length=80,
        help_text="Your own id of this event, 1 to 80 characters. A retry sends the same id "
        "and changes nothing; the same id with another event is a 409 `event_id_reused`.",
    )
    type = serializers.ChoiceField(
        choices=sorted(SUPPLIER_EVENTS),
        help_text="What happened: `booked` (send `appointment_at`; again to rebook), "
        "`fulfilled`, `no_show`, `failed`, `issued`, `redeemed`.",
    )
    appointment_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="The appointment, with its time zone; required for `booked`.",
    )
    place = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="Where the service is."
    )
    reference = serializers.CharField(
        max_length=80, required=False, allow_blank=True, help_text="Your own reference."
    )
    reason = serializers.CharField(
        max_length=300,
        required=False,
        allow_blank=True,
        help_text="Why, for `failed` or `no_show`: shown to the insurer's staff.",
    )


class StateErrorSerializer(serializers.Serializer):
    """A refusal about where a request stands: the one error shape and its `state`."""

    code = serializers.ChoiceField(
        choices=[
            FulfilmentErrorCode.ILLEGAL_TRANSITION.value,
            FulfilmentErrorCode.EVENT_ID_REUSED.value,
            "already_cancelled",
        ],
        help_text="Why it was refused.",
    )
    message = serializers.CharField(help_text="A translated, human-readable message.")
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages per input field, when the error is about fields.",
    )
    state = serializers.ChoiceField(
        choices=FulfilmentState.choices,
        help_text="Where the request stands now, after the refusal (nothing was changed).",
    )


def with_state(refusal: Conflict, state: str) -> Conflict:
    """Every 409 about a request says where it stands now."""
    refusal.extra.setdefault("state", state)
    return refusal


PAGINATED_FULFILMENTS = paginated(SupplierFulfilmentSerializer, "PaginatedSupplierFulfilments")
SIGNED_ERRORS = {
    400: OpenApiResponse(description="Malformed input; `code` and `fields` say what."),
    401: OpenApiResponse(
        description="`signature_invalid` (no or wrong signature, an unknown, expired or "
        "another supplier's key) or `signature_expired` (the timestamp is more than 300 "
        "seconds from our clock: a replay, or your clock is off)."
    ),
    403: OpenApiResponse(description="`supplier_inactive`: your callbacks are switched off."),
}
FULFILMENT_EXAMPLE = {
    "id": 5120,
    "redemption": 90211,
    "benefit": {"code": "MED.02.001", "name": "Hospital escort"},
    "beneficiary": "王**",
    "state": "booked",
    "requested_at": "2026-12-01T09:00:00+08:00",
    "confirm_due_at": "2026-12-01T13:00:00+08:00",
    "deliver_due_at": "2026-12-04T09:00:00+08:00",
    "appointment_at": "2026-12-12T09:30:00+08:00",
    "place": "Ruijin Hospital, building 3",
    "reference": "ESC-7781",
    "updated_at": "2026-12-01T10:02:00+08:00",
}
HISTORY_EXAMPLE = [
    {
        "at": "2026-12-01T09:00:00+08:00",
        "from_state": "",
        "to_state": "requested",
        "by": "client",
        "event_id": "",
        "reason": "",
    },
    {
        "at": "2026-12-01T10:02:00+08:00",
        "from_state": "requested",
        "to_state": "booked",
        "by": "supplier",
        "event_id": "evt-7781-1",
        "reason": "",
    },
]
SUPPLIER_CODE = OpenApiParameter(
    "supplier_code", str, OpenApiParameter.PATH, description="Your supplier code."
)

REPLAYED = OpenApiParameter(
    "Idempotent-Replayed",
    str,
    OpenApiParameter.HEADER,
    response=[200],
    enum=["true"],
    description="`true` when this event id was recorded before: nothing changed again; "
    "absent on a first answer.",
)


class SupplierView(StrictQueryParamsMixin, APIView):
    authentication_classes = [SupplierSignatureAuthentication]
    permission_classes = [SignedBySupplier]
    throttle_classes = [SupplierRateThrottle]

    @property
    def supplier(self) -> Supplier:
        # SignedBySupplier lets only requests signed with a supplier's key in.
        return cast(SupplierKey, self.request.auth).supplier


class SupplierFulfilmentListView(SupplierView):
    extra_query_params = ("state",)

    @extend_schema(
        operation_id="supplier_fulfilments_list",
        summary="Your fulfilments in one state",
        description="The work handed to you, oldest request first, 50 a page: by default the "
        "open requests (requested, booked, issued); `state` picks one state, e.g. "
        "`state=requested` for what still waits for your booking. Each names the benefit and "
        "the customer's masked name; ask the customer for anything more through your usual "
        "channel. Signed like every supplier request (the body signed is empty).",
        parameters=[
            SUPPLIER_CODE,
            OpenApiParameter("state", str, enum=FulfilmentState.values),
            OpenApiParameter("page", int, description="From 1."),
            OpenApiParameter("page_size", int, description="1 to 200."),
        ],
        responses={200: PAGINATED_FULFILMENTS, **SIGNED_ERRORS},
        examples=[
            OpenApiExample(
                "Open work",
                value={"count": 1, "next": None, "previous": None, "results": [FULFILMENT_EXAMPLE]},
                response_only=True,
            )
        ],
    )
    def get(self, request: Request, supplier_code: str) -> Response:
        state = request.query_params.get("state") or None
        if state is not None and state not in FulfilmentState.values:
            raise DomainError(FulfilmentErrorCode.INVALID, _("Unknown state."), field="state")
        paginator = BoundedPagination()
        rows = supplier_fulfilments(supplier=self.supplier, state=state)
        page: Any = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(SupplierFulfilmentSerializer(page, many=True).data)


class SupplierFulfilmentDetailView(SupplierView):
    @extend_schema(
        operation_id="supplier_fulfilment_get",
        summary="One of your fulfilments, with its history",
        description="Where one request you deliver stands, and every transition it went "
        "through. Another supplier's fulfilment is a 404, exactly like one that does not "
        "exist.",
        parameters=[SUPPLIER_CODE],
        responses={
            200: SupplierFulfilmentDetailSerializer,
            **SIGNED_ERRORS,
            404: OpenApiResponse(description="No such fulfilment of yours."),
        },
        examples=[
            OpenApiExample(
                "Booked",
                value={**FULFILMENT_EXAMPLE, "history": HISTORY_EXAMPLE},
                response_only=True,
            )
        ],
    )
    def get(self, request: Request, supplier_code: str, fulfilment_id: int) -> Response:
        fulfilment = supplier_fulfilment_get(supplier=self.supplier, fulfilment_id=fulfilment_id)
        return Response(SupplierFulfilmentDetailSerializer(fulfilment).data)


class SupplierFulfilmentEventView(SupplierView):
    @extend_schema(
        operation_id="supplier_fulfilment_event_record",
        summary="Report what happened to a request",
        description="Tell the insurer a request was booked (with its appointment; again to "
        "rebook), fulfilled, a no-show, failed, issued or redeemed. The answer is the "
        "fulfilment after it. Retries are safe: the same `event_id` again answers the same "
        "fulfilment with `Idempotent-Replayed: true` and changes nothing. A report that does "
        "not fit where the request stands (fulfilled after cancelled, say) is a 409 "
        "`illegal_transition` whose `state` says where it stands.",
        parameters=[SUPPLIER_CODE, REPLAYED],
        request=SupplierEventInSerializer,
        responses={
            200: OpenApiResponse(
                SupplierFulfilmentDetailSerializer,
                description="Recorded (or, with `Idempotent-Replayed: true`, recorded "
                "before): the fulfilment as it stands now.",
            ),
            **SIGNED_ERRORS,
            404: OpenApiResponse(description="No such fulfilment of yours."),
            409: OpenApiResponse(
                StateErrorSerializer,
                description="`illegal_transition` or `event_id_reused`; `state` is where the "
                "request stands.",
            ),
        },
        examples=[
            OpenApiExample(
                "Booked",
                value={
                    "event_id": "evt-7781-1",
                    "type": "booked",
                    "appointment_at": "2026-12-12T09:30:00+08:00",
                    "place": "Ruijin Hospital, building 3",
                    "reference": "ESC-7781",
                },
                request_only=True,
            ),
            OpenApiExample(
                "Fulfilled",
                value={"event_id": "evt-7781-2", "type": "fulfilled"},
                request_only=True,
            ),
            OpenApiExample(
                "Recorded",
                value={**FULFILMENT_EXAMPLE, "history": HISTORY_EXAMPLE},
                response_only=True,
                status_codes=["200"],
            ),
            OpenApiExample(
                "Too late",
                value={
                    "state": "cancelled",
                    "code": "illegal_transition",
                    "message": "This request is Cancelled: it cannot become Fulfilled.",
                    "fields": {},
                },
                response_only=True,
                status_codes=["409"],
            ),
        ],
    )
    def post(self, request: Request, supplier_code: str, fulfilment_id: int) -> Response:
        data_in = SupplierEventInSerializer(data=request.data)
        data_in.is_valid(raise_exception=True)
        data = data_in.validated_data
        try:
            result = supplier_event_record(
                supplier=self.supplier,
                fulfilment_id=fulfilment_id,
                event_type=data["type"],
                event_id=data["event_id"],
                appointment_at=data.get("appointment_at"),
                place=data.get("place", ""),
                reference=data.get("reference", ""),
                reason=data.get("reason", ""),
            )
        except Conflict as refusal:
            now = supplier_fulfilment_get(supplier=self.supplier, fulfilment_id=fulfilment_id)
            raise with_state(refusal, now.state) from None
        fulfilment = supplier_fulfilment_get(supplier=self.supplier, fulfilment_id=fulfilment_id)
        response = Response(SupplierFulfilmentDetailSerializer(fulfilment).data)
        if result.replayed:
            response["Idempotent-Replayed"] = "true"
        return response
