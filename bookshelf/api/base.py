"""What every customer-scoped view shares: the customer looked up in the caller's scope, the
errors every such view documents, Idempotency-Key handling."""

from __future__ import annotations

import json
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder
from rest_framework.views import APIView

from config.exceptions import DomainError
from config.replicas import primary_reads
from customers.models import Customer
from customers.selectors import customer_get, customer_not_found, customers_visible_to

from ..integrations.services import idempotency_key_check, idempotent_call, request_fingerprint
from ..ledger.selectors import channel_default
from .auth import HasScope, api_client_of, caller_ref
from .common import ErrorSerializer, StrictQueryParamsMixin
from .error_codes import ApiErrorCode

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="Retries with the same key and body get the first response; nothing is "
    "recorded twice. The same key with another body is a 422.",
)

# A use or a purchase spends something: a retry without a key could spend it twice.
IDEMPOTENCY_KEY_REQUIRED = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="Required: 1 to 128 printable ASCII characters, new for each new request "
    "(a UUID serves). A retry with the same key and body gets the first response again, "
    "with `Idempotent-Replayed: true`, and nothing is spent twice; the same key with another "
    "body is a 422. Without it: 400 `idempotency_key_required`.",
)


ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Malformed input; see `fields`."),
    401: OpenApiResponse(ErrorSerializer, description="No or bad credentials."),
    403: OpenApiResponse(ErrorSerializer, description="Not allowed; `code` says why."),
    404: OpenApiResponse(ErrorSerializer, description="No such customer or object."),
}


def json_ready(data: Any) -> Any:
    """Serializer output as plain JSON types, so it can be stored for idempotent replay."""
    return json.loads(json.dumps(data, cls=JSONEncoder))


class CustomerScopedView(StrictQueryParamsMixin, APIView):
    """Resolves the customer first, scoped to what the caller may see (404 otherwise)."""

    permission_classes = [HasScope]

    def visible_customers(self) -> QuerySet[Customer]:
        if api_client_of(self.request) is not None:
            return Customer.objects.all()
        return customers_visible_to(self.request.user)

    def get_customer(self) -> Customer:
        # Who may see whom, and who is erased, decide access: read on the primary even when
        # the rest of the answer comes from a replica.
        with primary_reads():
            customer = customer_get(
                customer_no=self.kwargs["customer_no"], queryset=self.visible_customers()
            )
        if customer.erased_at is not None:
            # Erased on their request (PIPL): to the API they are gone, exactly like a number
            # that never existed. The insurer's own records keep the anonymised row.
            raise customer_not_found()
        return customer

    def channel_default(self) -> str:
        return channel_default(api_client=api_client_of(self.request))

    def recorded_by(self) -> Any:
        return None if api_client_of(self.request) is not None else self.request.user


def idempotency_key_required(request: Request) -> str:
    """The request's Idempotency-Key, which a spending request must carry (400 without)."""
    raw = request.headers.get("Idempotency-Key")
    if raw is None or not raw.strip():
        raise DomainError(
            ApiErrorCode.IDEMPOTENCY_KEY_REQUIRED,
            _(
                "Send an Idempotency-Key header (a new UUID for each new request, the same "
                "one on a retry), so that a retried request is never spent twice."
            ),
            field="Idempotency-Key",
        )
    return idempotency_key_check(raw)


def idempotent_response(request: Request, key: str, data: Any, run: Any) -> Response:
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
