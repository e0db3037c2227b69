"""The customer's consents (PIPL): where each purpose stands, every grant and withdrawal, and
recording one (idempotent)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from customers.models import Consent, ConsentChannel, ConsentPurpose
from customers.selectors import ConsentState, consent_history, consents_current
from customers.services import consent_record

from ..integrations.models import ApiScope
from ..integrations.services import idempotency_key_check
from .auth import api_client_of
from .base import ERRORS, IDEMPOTENCY_HEADER, CustomerScopedView, idempotent_response
from .common import ErrorSerializer


class ConsentInSerializer(serializers.Serializer):
    purpose = serializers.ChoiceField(choices=ConsentPurpose.choices)
    granted = serializers.BooleanField(help_text="true gives the consent, false withdraws it.")
    channel = serializers.ChoiceField(
        choices=ConsentChannel.choices,
        required=False,
        help_text="Where the customer said so. Default: `app` for an API client, "
        "`agent_desk` for a staff user. A client may not claim `agent_desk`, nor staff `app`.",
    )
    text_version = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        help_text="The version of the consent text the customer was shown: required to give "
        "(a current version of the purpose's text), optional to withdraw.",
    )


class ConsentStateSerializer(serializers.Serializer):
    purpose = serializers.CharField()
    granted = serializers.BooleanField(help_text="The latest record is a grant.")
    valid = serializers.BooleanField(
        help_text="The customer may be contacted for this purpose now: granted, on a text "
        "version not retired since."
    )
    channel = serializers.CharField(
        allow_null=True, help_text="Of the latest record; null when none was ever recorded."
    )
    text_version = serializers.CharField(
        allow_null=True, help_text="Of the latest record; null when none was ever recorded."
    )
    recorded_at = serializers.DateTimeField(
        allow_null=True, help_text="Of the latest record; null when none was ever recorded."
    )
    recorded_by = serializers.CharField(
        allow_null=True, help_text="Of the latest record; null when none was ever recorded."
    )


class ConsentRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    purpose = serializers.CharField()
    granted = serializers.BooleanField()
    channel = serializers.CharField()
    text_version = serializers.CharField()
    recorded_at = serializers.DateTimeField()
    recorded_by = serializers.CharField()


class ConsentsSerializer(serializers.Serializer):
    customer_no = serializers.CharField()
    consents = ConsentStateSerializer(many=True, help_text="One per purpose.")
    history = ConsentRecordSerializer(
        many=True, help_text="Every grant and withdrawal, newest first (the latest 200)."
    )


def _record(r: Consent) -> dict[str, Any]:
    return {
        "id": r.pk,
        "purpose": r.purpose,
        "granted": r.granted,
        "channel": r.channel,
        "text_version": r.text_version,
        "recorded_at": r.created_at.isoformat(),
        "recorded_by": r.recorded_by_name,
    }


def _state(s: ConsentState) -> dict[str, Any]:
    r = s.record
    return {
        "purpose": s.purpose,
        "granted": s.granted,
        "valid": s.valid,
        "channel": r.channel if r else None,
        "text_version": r.text_version if r else None,
        "recorded_at": r.created_at.isoformat() if r else None,
        "recorded_by": r.recorded_by_name if r else None,
    }


STATE_EXAMPLE = {
    "purpose": "marketing_sms",
    "granted": True,
    "valid": True,
    "channel": "app",
    "text_version": "sms-v1",
    "recorded_at": "2026-12-01T10:00:00+08:00",
    "recorded_by": "api-client:customer-app",
}


RECORD_EXAMPLE = {
    "id": 7,
    "purpose": "marketing_sms",
    "granted": True,
    "channel": "app",
    "text_version": "sms-v1",
    "recorded_at": "2026-12-01T10:00:00+08:00",
    "recorded_by": "api-client:customer-app",
}


class ConsentListCreateView(CustomerScopedView):
    staff_perms = {"GET": "customers.view_consent", "POST": "customers.add_consent"}
    read_scope = ApiScope.READ
    required_scope = ApiScope.CONSENT

    @extend_schema(
        operation_id="customer_consents_get",
        summary="The customer's consents: where each purpose stands, and every change",
        description="Purposes: marketing app messages and marketing SMS. A push on a channel "
        "whose consent is not `valid` is refused (`consent_required`).",
        responses={200: ConsentsSerializer, **ERRORS},
        examples=[
            OpenApiExample(
                "Consents",
                value={
                    "customer_no": "C100000123",
                    "consents": [STATE_EXAMPLE],
                    "history": [RECORD_EXAMPLE],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request, customer_no: str) -> Response:
        customer = self.get_customer()
        return Response(
            {
                "customer_no": customer.customer_no,
                "consents": [_state(s) for s in consents_current(customer=customer)],
                "history": [_record(r) for r in consent_history(customer=customer)],
            }
        )

    @extend_schema(
        operation_id="customer_consent_record",
        summary="Give or withdraw a consent",
        description="Every grant and withdrawal is kept, with its time, channel, text version "
        "and who recorded it. Giving what is already given on the same text, or withdrawing "
        "what is not given, records nothing and answers 200. A withdrawal also stops pushes "
        "already queued on that channel.",
        parameters=[IDEMPOTENCY_HEADER],
        request=ConsentInSerializer,
        responses={
            201: OpenApiResponse(
                ConsentStateSerializer,
                description="Recorded; the answer is where the purpose stands now.",
            ),
            200: OpenApiResponse(
                ConsentStateSerializer,
                description="Nothing changed (already so on this text); where it stands.",
            ),
            **ERRORS,
            422: OpenApiResponse(ErrorSerializer, description="Idempotency-Key reused."),
        },
        examples=[
            OpenApiExample(
                "Give SMS consent",
                value={
                    "purpose": "marketing_sms",
                    "granted": True,
                    "channel": "app",
                    "text_version": "sms-v1",
                },
                request_only=True,
            ),
            OpenApiExample("Given", value=STATE_EXAMPLE, response_only=True, status_codes=["201"]),
        ],
    )
    def post(self, request: Request, customer_no: str) -> Response:
        customer = self.get_customer()
        key = idempotency_key_check(request.headers.get("Idempotency-Key"))
        data_in = ConsentInSerializer(data=request.data)
        data_in.is_valid(raise_exception=True)
        data = data_in.validated_data
        client = api_client_of(request)
        channel = data.get("channel") or (
            ConsentChannel.APP if client is not None else ConsentChannel.AGENT_DESK
        )

        def run() -> tuple[int, dict[str, Any]]:
            _record_row, created = consent_record(
                customer=customer,
                purpose=data["purpose"],
                granted=data["granted"],
                channel=channel,
                text_version=data.get("text_version", ""),
                recorded_by=self.recorded_by(),
                client_name=client.name if client is not None else "",
            )
            state = consents_current(customer=customer).states[data["purpose"]]
            return (status.HTTP_201_CREATED if created else status.HTTP_200_OK), _state(state)

        return idempotent_response(request, key, data, run)
