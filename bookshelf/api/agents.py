"""The agents' mobile app: an agent's detractor follow-ups, read and called back.

Every view here is under `/agents/me/`: the caller is an agent (their own token, or a staff
session of a user who is an agent), and every object is looked up among the agents they act
for, so another agent's follow-up is a 404 exactly like one that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.exceptions import NotFound
from customers.models import Tier
from customers.pii import mask_name

from ..reach.error_codes import ReachErrorCode
from ..reach.models import DetractorFollowUp, FollowUpOutcome
from ..reach.services import followup_call_record
from .auth import ActsAsAgent, acting_agents, api_client_of
from .base import ERRORS
from .common import ErrorSerializer, StrictQueryParamsMixin


class AgentView(StrictQueryParamsMixin, APIView):
    """The caller acts as one agent (a token) or as a user's agent and, for a supervisor,
    their team (a session): `agent_ids` is that list, resolved once per request."""

    permission_classes = [ActsAsAgent]
    _agents: dict[int, str] | None = None

    def agents(self) -> dict[int, str]:
        """The agents the caller acts for: id -> agent number."""
        if self._agents is None:
            self._agents = acting_agents(self.request)
        return self._agents

    def agent_ids(self) -> list[int]:
        return list(self.agents())

    def acting_user(self) -> Any:
        """Who the audit columns name: the session's user, or the token's agent's user."""
        client = api_client_of(self.request)
        if client is None or client.agent_id is None:
            return self.request.user
        return get_user_model().objects.filter(agent__pk=client.agent_id).first()


def customer_for_agent(customer: Any) -> dict[str, Any]:
    """A customer as the agent's app shows them: number, masked name, tier (no phone, no ID
    number: the app is a phone that can be lost)."""
    tier = Tier(customer.tier)
    return {
        "customer_no": customer.customer_no,
        "name": mask_name(customer.name),
        "tier": tier.slug,
        "tier_label": str(tier.label),
    }


class AgentCustomerSerializer(serializers.Serializer):
    customer_no = serializers.CharField(help_text="The customer's number.")
    name = serializers.CharField(help_text="The customer's name, masked (张**).")
    tier = serializers.CharField(help_text="The tier's slug, e.g. gold.")
    tier_label = serializers.CharField(help_text="The tier's name, in the reader's language.")


# -- follow-ups -----------------------------------------------------------------------------
def followup_for_agents(*, followup_id: int, agent_ids: list[int]) -> DetractorFollowUp:
    """A follow-up of one of these agents, or escalated to one of them; else a 404, the same
    whether it is someone else's or does not exist."""
    mine = Q(agent_id__in=agent_ids) | Q(escalated_to_id__in=agent_ids)
    found = (
        DetractorFollowUp.objects.filter(mine)
        .select_related("customer", "benefit", "feedback")
        .filter(pk=followup_id)
        .first()
    )
    if found is None:
        raise NotFound(
            ReachErrorCode.FOLLOWUP_NOT_FOUND,
            _("No such follow-up among yours."),
        )
    return found


class FollowUpBenefitSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="The benefit's code.")
    name = serializers.CharField(help_text="The benefit's name, in the reader's language.")


class FollowUpCallSerializer(serializers.Serializer):
    called_at = serializers.DateTimeField(help_text="When the agent called.")
    outcome = serializers.ChoiceField(choices=FollowUpOutcome.choices, help_text="What came of it.")
    note = serializers.CharField(help_text="The agent's note; may be empty.")


class FollowUpOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    customer = AgentCustomerSerializer()
    benefit = FollowUpBenefitSerializer()
    redemption = serializers.IntegerField(source="redemption_id", help_text="The use rated.")
    score = serializers.IntegerField(help_text="The customer's answer, 0 to 6.")
    comment = serializers.CharField(help_text="What the customer wrote; may be empty.")
    answered_at = serializers.DateTimeField(help_text="When the customer answered.")
    due_at = serializers.DateTimeField(help_text="Call back by then.")
    overdue = serializers.BooleanField(help_text="Still open past `due_at`.")
    attempts = serializers.IntegerField(help_text="Calls so far.")
    outcome = serializers.ChoiceField(
        choices=FollowUpOutcome.choices,
        allow_null=True,
        help_text="How it was closed; null while it is open.",
    )
    first_contact_at = serializers.DateTimeField(
        allow_null=True, help_text="When the customer was first reached; null until then."
    )
    closed_at = serializers.DateTimeField(allow_null=True, help_text="Null while it is open.")
    escalated_at = serializers.DateTimeField(
        allow_null=True,
        help_text="When it went to the supervisor, overdue; null if it never did.",
    )
    calls = FollowUpCallSerializer(many=True, help_text="Every call so far, oldest first.")


def followup_answer(followup: DetractorFollowUp, now: Any = None) -> dict[str, Any]:
    now = now or timezone.now()
    calls = list(followup.calls.order_by("called_at", "id"))
    return FollowUpOutSerializer(
        {
            "id": followup.pk,
            "customer": customer_for_agent(followup.customer),
            "benefit": {"code": followup.benefit.code, "name": followup.benefit.name},
            "redemption_id": followup.redemption_id,
            "score": followup.score,
            "comment": followup.feedback.comment,
            "answered_at": followup.feedback.created_at,
            "due_at": followup.due_at,
            "overdue": followup.closed_at is None and followup.due_at < now,
            "attempts": followup.attempts,
            "outcome": followup.outcome or None,
            "first_contact_at": followup.first_contact_at,
            "closed_at": followup.closed_at,
            "escalated_at": followup.escalated_at,
            "calls": calls,
        }
    ).data


FOLLOWUP_EXAMPLE = {
    "id": 41,
    "customer": {
        "customer_no": "C100000123",
        "name": "王**",
        "tier": "gold",
        "tier_label": "VIP gold",
    },
    "benefit": {"code": "MED.02.003", "name": "Hospital escort"},
    "redemption": 812,
    "score": 3,
    "comment": "The escort came an hour late.",
    "answered_at": "2026-11-23T12:00:00+08:00",
    "due_at": "2026-11-25T12:00:00+08:00",
    "overdue": False,
    "attempts": 0,
    "outcome": None,
    "first_contact_at": None,
    "closed_at": None,
    "escalated_at": None,
    "calls": [],
}


class FollowUpDetailView(AgentView):
    staff_perms = {"GET": "bookshelf.view_detractorfollowup"}

    @extend_schema(
        operation_id="agent_followup_get",
        summary="One detractor follow-up: the answer, the use, the calls so far",
        description="A customer who rated a use 0 to 6, to be called back by `due_at`: their "
        "score and comment, the benefit, and every call recorded so far. Only the agent's own "
        "follow-ups (a supervisor's team's, and those escalated to them); any other is a 404 "
        "`followup_not_found`. A caller who is not an agent gets a 403 `not_an_agent`.",
        responses={200: FollowUpOutSerializer, **ERRORS},
        examples=[OpenApiExample("Open", value=FOLLOWUP_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, followup_id: int) -> Response:
        followup = followup_for_agents(followup_id=followup_id, agent_ids=self.agent_ids())
        return Response(followup_answer(followup))


class FollowUpCallInSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=FollowUpOutcome.choices,
        help_text="resolved, compensated or escalated close the follow-up; unreachable leaves "
        "it open for another try, and closes it at the third.",
    )
    note = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        help_text="What was said; required for compensated (what the customer was given).",
    )


class FollowUpCallView(AgentView):
    staff_perms = {"POST": "bookshelf.add_followupcall"}

    @extend_schema(
        operation_id="agent_followup_call_record",
        summary="Record a call back to a detractor",
        description="The agent called the customer back: the outcome and a note. resolved, "
        "compensated (with a note saying what was given) or escalated close the follow-up, "
        "which then leaves the worklist; unreachable keeps it open, and the third unreachable "
        "call closes it. A closed follow-up takes no more calls (409 `followup_closed`). The "
        "answer is the follow-up as it now stands.",
        request=FollowUpCallInSerializer,
        responses={
            201: OpenApiResponse(FollowUpOutSerializer, description="The call is recorded."),
            **ERRORS,
            409: OpenApiResponse(ErrorSerializer, description="The follow-up is closed."),
        },
        examples=[
            OpenApiExample(
                "Resolved",
                value={"outcome": "resolved", "note": "Apologised; rebooked for Friday."},
                request_only=True,
            ),
            OpenApiExample(
                "Closed",
                value={
                    **FOLLOWUP_EXAMPLE,
                    "attempts": 1,
                    "outcome": "resolved",
                    "first_contact_at": "2026-11-23T15:00:00+08:00",
                    "closed_at": "2026-11-23T15:00:00+08:00",
                    "calls": [
                        {
                            "called_at": "2026-11-23T15:00:00+08:00",
                            "outcome": "resolved",
                            "note": "Apologised; rebooked for Friday.",
                        }
                    ],
                },
                response_only=True,
                status_codes=["201"],
            ),
            OpenApiExample(
                "Already closed",
                value={
                    "code": "followup_closed",
                    "message": "This follow-up is already closed.",
                    "fields": {},
                },
                response_only=True,
                status_codes=["409"],
            ),
        ],
    )
    def post(self, request: Request, followup_id: int) -> Response:
        followup = followup_for_agents(followup_id=followup_id, agent_ids=self.agent_ids())
        data_in = FollowUpCallInSerializer(data=request.data)
        data_in.is_valid(raise_exception=True)
        followup_call_record(
            followup_id=followup.pk,
            outcome=data_in.validated_data["outcome"],
            note=data_in.validated_data.get("note", ""),
            by=self.acting_user(),
        )
        followup.refresh_from_db(fields=["attempts", "outcome", "first_contact_at", "closed_at"])
        return Response(followup_answer(followup), status=201)
