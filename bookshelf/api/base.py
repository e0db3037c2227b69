"""What every customer-scoped view shares: the customer looked up in the caller's scope, the
errors every such view documents, Idempotency-Key handling."""

from __future__ import annotations

import json
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder
from rest_framework.views import APIView

from customers.models import Customer
from customers.selectors import customer_get, customer_not_found, customers_visible_to

from ..integrations.services import idempotent_call, request_fingerprint
from ..ledger.selectors import channel_default
from .auth import HasScope, api_client_of, caller_ref
from .common import ErrorSerializer, StrictQueryParamsMixin

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
