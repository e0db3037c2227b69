"""The agent's worklist (我的待办) for the agents' mobile app: one ranked page of every open
item across the agent's customers, and the bulk push and dismiss on it. The ranking, the
filters and the actions are reach's (`reach.selectors.worklist`, `reach.services.
worklist_push` / `worklist_dismiss`); this module reads the query, calls them with the agents
the caller acts for, and shows the result."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from config.exceptions import DomainError
from customers.models import TIER_SLUGS, Tier

from ..reach.error_codes import ReachErrorCode
from ..reach.models import PushChannel, Segment
from ..reach.selectors import ItemKind, WorklistFilters, WorklistItem, WorklistPage, worklist
from ..reach.services import BulkResult, Outcome, worklist_dismiss, worklist_push
from .agents import AgentCustomerSerializer, AgentView
from .base import ERRORS
from .common import BoundedPagination, ErrorSerializer, _whole_number

URGENCY = ("overdue", "today", "this_week", "later")  # the selector's bands, in order
ACTIONS = ("push", "dismiss", "call", "open")
MAX_ITEMS = 200


# -- the list -------------------------------------------------------------------------------
class WorklistQuerySerializer(serializers.Serializer):
    kind = serializers.ListField(child=serializers.ChoiceField(choices=list(ItemKind)))
    tier = serializers.ListField(child=serializers.ChoiceField(choices=list(TIER_SLUGS)))
    segment = serializers.ListField(child=serializers.ChoiceField(choices=Segment.values))
    due_before = serializers.DateField(required=False)
    agent = serializers.CharField(max_length=20, required=False)


def _many(request: Request, name: str) -> list[str]:
    """`kind=moment&kind=expiring` or `kind=moment,expiring`."""
    return [v.strip() for raw in request.query_params.getlist(name) for v in raw.split(",") if v]


def worklist_filters(request: Request, agents: dict[int, str]) -> WorklistFilters:
    """The query as the selector's filters; a value it does not know is a 400 with its field,
    an agent the caller does not act for too (a supervisor picks one of the team)."""
    raw: dict[str, Any] = {k: _many(request, k) for k in ("kind", "tier", "segment")}
    for single in ("due_before", "agent"):
        if single in request.query_params:
            raw[single] = request.query_params[single]
    query = WorklistQuerySerializer(data=raw)
    query.is_valid(raise_exception=True)
    data = query.validated_data
    agent_id = None
    if data.get("agent"):
        by_number = {no: pk for pk, no in agents.items()}
        agent_id = by_number.get(data["agent"])
        if agent_id is None:
            raise DomainError(
                ReachErrorCode.INVALID,
                _("No agent with this number among those you act for."),
                field="agent",
            )
    return WorklistFilters(
        kinds=tuple(data["kind"]),
        tiers=tuple(int(Tier.by_slug(t)) for t in data["tier"]),
        segments=tuple(data["segment"]),
        due_before=data.get("due_before"),
        agent_id=agent_id,
    )


def page_asked(request: Request) -> tuple[int, int]:
    """`page` and `page_size` as every list of this API takes them (`BoundedPagination`):
    a malformed one is a 400, never a silent clamp."""
    per_page = BoundedPagination().get_page_size(request)
    raw = request.query_params.get("page")
    if raw is None:
        return 1, per_page
    page = _whole_number(raw)
    if not 1 <= page <= BoundedPagination.max_page:
        raise DomainError(
            ReachErrorCode.INVALID,
            _("page must be a whole number from 1 to %(max)s.")
            % {"max": BoundedPagination.max_page},
            field="page",
        )
    return page, per_page


def _page_link(request: Request, page: int) -> str:
    url = request.build_absolute_uri()
    return remove_query_param(url, "page") if page == 1 else replace_query_param(url, "page", page)


def _due(item: WorklistItem) -> tuple[date, datetime | None]:
    if isinstance(item.due, datetime):
        return timezone.localdate(item.due), item.due
    return item.due, None


def item_answer(item: WorklistItem, agents: dict[int, str]) -> dict[str, Any]:
    due_on, due_at = _due(item)
    customer = item.customer
    links = item.links
    return {
        "id": item.id,
        "kind": item.kind,
        "agent": agents.get(item.agent_id, ""),
        "customer": None
        if customer is None
        else {
            "customer_no": customer.number,
            "name": customer.masked_name,
            "tier": Tier(customer.tier).slug,
            "tier_label": customer.tier_label,
        },
        "title": item.title,
        "reason": item.reason,
        "due_on": due_on,
        "due_at": due_at,
        "overdue": item.overdue,
        "urgency": URGENCY[item.band],
        "value_score": item.score,
        "segment": item.segment or None,
        "actions": list(item.actions),
        "refs": {
            "benefit": links.get("benefit_code") or None,
            "suggestion": links.get("suggestion_id"),
            "followup": links.get("followup_id"),
            "case": links.get("case_id"),
            "fulfilment": links.get("fulfilment_id"),
            "redemption": links.get("redemption_id"),
            "notice": links.get("notice_id"),
        },
    }


class WorklistRefsSerializer(serializers.Serializer):
    benefit = serializers.CharField(allow_null=True, help_text="A benefit code; null if none.")
    suggestion = serializers.IntegerField(allow_null=True, help_text="Null unless a suggestion.")
    followup = serializers.IntegerField(
        allow_null=True,
        help_text="A detractor follow-up: read and call it back under "
        "`/agents/me/followups/{id}`; null for other kinds.",
    )
    case = serializers.IntegerField(allow_null=True, help_text="Null unless a fulfilment case.")
    fulfilment = serializers.IntegerField(allow_null=True, help_text="Null unless a case.")
    redemption = serializers.IntegerField(allow_null=True, help_text="The use; null if none.")
    notice = serializers.IntegerField(allow_null=True, help_text="Null unless a notice.")


class WorklistItemSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="What push and dismiss take, e.g. `suggestion:12`.")
    kind = serializers.ChoiceField(
        choices=list(ItemKind),
        help_text="moment (a life event's suggestion), expiring (a quota about to lapse), "
        "fulfilment (an overdue or failed use), detractor (a customer to call back), "
        "escalation (a team member's overdue call, for the supervisor), notice (a retired "
        "benefit).",
    )
    agent = serializers.CharField(help_text="The agent number whose item it is.")
    customer = AgentCustomerSerializer(
        allow_null=True, help_text="Whom it is about; null for a notice."
    )
    title = serializers.CharField(help_text="What to do, in the reader's language.")
    reason = serializers.CharField(help_text="Why; may be empty.")
    due_on = serializers.DateField(help_text="The day it is due.")
    due_at = serializers.DateTimeField(
        allow_null=True, help_text="The time it is due; null when it is due on a day only."
    )
    overdue = serializers.BooleanField()
    urgency = serializers.ChoiceField(choices=URGENCY, help_text="The band it is ranked in.")
    value_score = serializers.FloatField(
        allow_null=True, help_text="The customer's value (0-100); null without a customer."
    )
    segment = serializers.ChoiceField(
        choices=Segment.choices,
        allow_null=True,
        help_text="The customer's segment; null without one (or not yet computed).",
    )
    actions = serializers.ListField(
        child=serializers.ChoiceField(choices=ACTIONS),
        help_text="What the app may offer: push and dismiss (this API), call (the follow-up's "
        "calls), open (show it).",
    )
    refs = WorklistRefsSerializer()


class KindCountsSerializer(serializers.Serializer):
    moment = serializers.IntegerField()
    expiring = serializers.IntegerField()
    fulfilment = serializers.IntegerField()
    detractor = serializers.IntegerField()
    escalation = serializers.IntegerField()
    notice = serializers.IntegerField()


class AgentCountsSerializer(serializers.Serializer):
    agent = serializers.CharField(help_text="The agent's number.")
    open = serializers.IntegerField()
    overdue = serializers.IntegerField()
    counts = KindCountsSerializer(help_text="Open items by kind.")


class WorklistPageSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="How many there are in all.")
    next = serializers.URLField(allow_null=True, help_text="The next page; null on the last one.")
    previous = serializers.URLField(
        allow_null=True, help_text="The previous page; null on the first one."
    )
    results = WorklistItemSerializer(many=True)
    counts = KindCountsSerializer(help_text="Open items by kind, under the filters.")
    overdue = serializers.IntegerField(help_text="How many of them are overdue.")
    by_agent = AgentCountsSerializer(
        many=True, help_text="Per agent (a supervisor's team); one row for an agent."
    )


def page_answer(request: Request, found: WorklistPage, agents: dict[int, str]) -> dict[str, Any]:
    return {
        "count": found.total,
        "next": _page_link(request, found.page + 1) if found.page < found.pages else None,
        "previous": _page_link(request, found.page - 1) if found.page > 1 else None,
        "results": [item_answer(item, agents) for item in found.items],
        "counts": found.counts,
        "overdue": found.overdue,
        "by_agent": [
            {
                "agent": agents.get(row.agent_id, ""),
                "open": row.open,
                "overdue": row.overdue,
                "counts": row.by_kind,
            }
            for row in found.by_agent
        ],
    }


REFS_EXAMPLE: dict[str, Any] = {
    "benefit": "HLT.01.002",
    "suggestion": 12,
    "followup": None,
    "case": None,
    "fulfilment": None,
    "redemption": None,
    "notice": None,
}
ITEM_EXAMPLE: dict[str, Any] = {
    "id": "suggestion:12",
    "kind": "expiring",
    "agent": "A0001",
    "customer": {
        "customer_no": "C100000123",
        "name": "王**",
        "tier": "gold",
        "tier_label": "VIP gold",
    },
    "title": "Annual health check-up",
    "reason": "2 uses left, lapsing on 31 December.",
    "due_on": "2026-12-31",
    "due_at": None,
    "overdue": False,
    "urgency": "later",
    "value_score": 82.5,
    "segment": "loyal",
    "actions": ["push", "dismiss"],
    "refs": REFS_EXAMPLE,
}
COUNTS_EXAMPLE = {
    "moment": 0,
    "expiring": 1,
    "fulfilment": 0,
    "detractor": 1,
    "escalation": 0,
    "notice": 0,
}
PAGE_EXAMPLE = {
    "count": 2,
    "next": None,
    "previous": None,
    "results": [
        {
            **ITEM_EXAMPLE,
            "id": "followup:41",
            "kind": "detractor",
            "title": "Scored 3 for Hospital escort: call back",
            "reason": "The escort came an hour late.",
            "due_on": "2026-11-25",
            "due_at": "2026-11-25T12:00:00+08:00",
            "overdue": True,
            "urgency": "overdue",
            "actions": ["call"],
            "refs": {**REFS_EXAMPLE, "suggestion": None, "followup": 41},
        },
        ITEM_EXAMPLE,
    ],
    "counts": COUNTS_EXAMPLE,
    "overdue": 1,
    "by_agent": [{"agent": "A0001", "open": 2, "overdue": 1, "counts": COUNTS_EXAMPLE}],
}


class WorklistView(AgentView):
    staff_perms = {"GET": "bookshelf.view_agentsuggestion"}
    extra_query_params = ("kind", "tier", "segment", "due_before", "agent")

    @extend_schema(
        operation_id="agent_worklist_list",
        summary="My worklist: every open item across my customers, most urgent first",
        description="What the agent should do today: suggestions from life events and "
        "expiring quotas, overdue or failed fulfilments, detractors to call back, escalations "
        "(a supervisor's), retirement notices. Ranked overdue first, then due today, this week, "
        "later; within each, the most valuable customer first. Filter by kind, tier (slug), "
        "segment (repeat the parameter or separate values by commas), due on or before a day, "
        "and, for a supervisor, one agent of the team (`agent`, an agent number). 50 a page "
        "(`page_size` up to 200). `counts` and `overdue` count every item under the filters; "
        "`by_agent` counts per agent. Customers' names are masked. A caller who is not an "
        "agent gets a 403 `not_an_agent`.",
        parameters=[
            OpenApiParameter("page", int, description="From 1."),
            OpenApiParameter("page_size", int, description="1 to 200."),
            OpenApiParameter("kind", str, many=True, enum=list(ItemKind)),
            OpenApiParameter("tier", str, many=True, enum=list(TIER_SLUGS)),
            OpenApiParameter("segment", str, many=True, enum=Segment.values),
            OpenApiParameter(
                "due_before", OpenApiTypes.DATE, description="Due on or before this day."
            ),
            OpenApiParameter("agent", str, description="A supervisor: one agent of the team."),
        ],
        responses={200: WorklistPageSerializer, **ERRORS},
        examples=[OpenApiExample("A morning", value=PAGE_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request) -> Response:
        agents = self.agents()
        filters = worklist_filters(request, agents)
        page, per_page = page_asked(request)
        found = worklist(agent_ids=list(agents), filters=filters, page=page, per_page=per_page)
        if page > found.pages:
            raise exceptions.NotFound(_("Invalid page."))
        return Response(WorklistPageSerializer(page_answer(request, found, agents)).data)


# -- the bulk actions -----------------------------------------------------------------------
class ItemsField(serializers.ListField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            child=serializers.CharField(max_length=40),
            min_length=1,
            max_length=MAX_ITEMS,
            help_text="Item ids from the worklist (`suggestion:12`), 1 to 200.",
            **kwargs,
        )


class WorklistPushInSerializer(serializers.Serializer):
    items = ItemsField()
    channel = serializers.ChoiceField(
        choices=PushChannel.choices, help_text="How the customer hears of it."
    )


class WorklistDismissInSerializer(serializers.Serializer):
    items = ItemsField()


class ItemOutcomeSerializer(serializers.Serializer):
    item = serializers.CharField(help_text="The item id, as sent.")
    result = serializers.ChoiceField(
        choices=list(Outcome),
        help_text="pushed, dismissed, marked_read: done. not_usable (the customer cannot use "
        "it now), no_consent (no consent for the channel), recently_pushed, already_handled, "
        "refused (not an item this action applies to), not_found (no such item among yours): "
        "nothing changed for it.",
    )


class BulkOutSerializer(serializers.Serializer):
    items = ItemOutcomeSerializer(many=True, help_text="One per item, in the order sent.")


def bulk_answer(result: BulkResult) -> dict[str, Any]:
    return BulkOutSerializer(
        {"items": [{"item": i, "result": o} for i, o in result.outcomes.items()]}
    ).data


BULK_ERRORS = {
    **ERRORS,
    400: OpenApiResponse(
        ErrorSerializer,
        description="Nothing was done: `invalid` with `fields.items` (not a worklist item id, "
        "none, or more than 200) or `fields.channel`.",
    ),
}


class WorklistPushView(AgentView):
    staff_perms = {"POST": "bookshelf.add_push"}

    @extend_schema(
        operation_id="agent_worklist_push_create",
        summary="Push the selected suggestions' benefits to their customers",
        description="Each selected suggestion's benefit is pushed to its customer on the "
        "channel, and the suggestion leaves the worklist. Each item is answered on its own: a "
        "refusal of one (not usable now, no consent for the channel, pushed a moment ago, "
        "already handled) changes nothing for it and does not stop the others. Only "
        "suggestions are pushed (others are `refused`); an item that is not one of yours is "
        "`not_found`, never acted on. A malformed request is a 400 and does nothing.",
        request=WorklistPushInSerializer,
        responses={200: OpenApiResponse(BulkOutSerializer, description="Per item."), **BULK_ERRORS},
        examples=[
            OpenApiExample(
                "Push",
                value={"items": ["suggestion:12", "suggestion:13"], "channel": "app_message"},
                request_only=True,
            ),
            OpenApiExample(
                "Per item",
                value={
                    "items": [
                        {"item": "suggestion:12", "result": "pushed"},
                        {"item": "suggestion:13", "result": "no_consent"},
                    ]
                },
                response_only=True,
                status_codes=["200"],
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        data_in = WorklistPushInSerializer(data=request.data)
        data_in.is_valid(raise_exception=True)
        result = worklist_push(
            item_ids=data_in.validated_data["items"],
            channel=data_in.validated_data["channel"],
            agent_ids=self.agent_ids(),
            by=self.acting_user(),
        )
        return Response(bulk_answer(result))


class WorklistDismissView(AgentView):
    staff_perms = {"POST": "bookshelf.change_agentsuggestion"}

    @extend_schema(
        operation_id="agent_worklist_dismissal_create",
        summary="Dismiss the selected suggestions and notices",
        description="Selected suggestions are dismissed and selected notices marked read: "
        "they leave the worklist. Follow-ups and fulfilment cases are not dismissed (they are "
        "called back or resolved): `refused`. An item that is not one of yours is "
        "`not_found`, never acted on; one already handled is `already_handled`. A malformed "
        "request is a 400 and does nothing.",
        request=WorklistDismissInSerializer,
        responses={200: OpenApiResponse(BulkOutSerializer, description="Per item."), **BULK_ERRORS},
        examples=[
            OpenApiExample(
                "Dismiss", value={"items": ["suggestion:12", "notice:3"]}, request_only=True
            ),
            OpenApiExample(
                "Per item",
                value={
                    "items": [
                        {"item": "suggestion:12", "result": "dismissed"},
                        {"item": "notice:3", "result": "marked_read"},
                    ]
                },
                response_only=True,
                status_codes=["200"],
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        data_in = WorklistDismissInSerializer(data=request.data)
        data_in.is_valid(raise_exception=True)
        result = worklist_dismiss(
            item_ids=data_in.validated_data["items"],
            agent_ids=self.agent_ids(),
            by=self.acting_user(),
        )
        return Response(bulk_answer(result))
