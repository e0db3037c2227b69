"""Acting on the worklist in bulk: push the selected suggestions' benefits, dismiss the
selected suggestions and notices, each item with its own outcome; and what a page calls the
items it reports on. Only items of the agents the caller acts for (`agent_ids`)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.exceptions import DomainError
from customers.pii import mask_name

from ..review.models import AgentNotification
from .error_codes import ReachErrorCode
from .models import AgentSuggestion, PushChannel, SuggestionStatus
from .suggestions import suggestion_accept

MAX_BULK = 200

_ITEM_ID_RE = re.compile(r"^(suggestion|case|followup|escalation|notice):([1-9][0-9]{0,17})$")


class Outcome(StrEnum):
    PUSHED = "pushed"
    DISMISSED = "dismissed"
    MARKED_READ = "marked_read"
    NOT_USABLE = "not_usable"
    NO_CONSENT = "no_consent"
    RECENTLY_PUSHED = "recently_pushed"
    ALREADY_HANDLED = "already_handled"
    # Not something this action applies to (a follow-up is called back, not dismissed).
    REFUSED = "refused"
    # No such item, or not an item of an agent the caller acts for: the same answer.
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class BulkResult:
    """What happened to each item asked for, in the order asked."""

    outcomes: dict[str, str]

    def ids(self, outcome: str) -> list[str]:
        return [i for i, o in self.outcomes.items() if o == outcome]

    def totals(self) -> dict[str, int]:
        counted: dict[str, int] = {}
        for o in self.outcomes.values():
            counted[o] = counted.get(o, 0) + 1
        return counted


def worklist_item_ids_parse(item_ids: Iterable[str]) -> list[tuple[str, int]]:
    """("suggestion", 12) for "suggestion:12"; a malformed id refuses the whole request."""
    parsed: list[tuple[str, int]] = []
    seen: set[str] = set()
    for raw in item_ids:
        match = _ITEM_ID_RE.match(str(raw).strip())
        if match is None:
            raise DomainError(
                ReachErrorCode.INVALID,
                _("Not a worklist item: %(id)s.") % {"id": str(raw)[:40]},
                field="items",
            )
        if match.group(0) not in seen:
            seen.add(match.group(0))
            parsed.append((match.group(1), int(match.group(2))))
    if not parsed:
        raise DomainError(ReachErrorCode.INVALID, _("Select at least one item."), field="items")
    if len(parsed) > MAX_BULK:
        raise DomainError(
            ReachErrorCode.INVALID,
            _("Select at most %(n)s items at a time.") % {"n": MAX_BULK},
            field="items",
        )
    return parsed


_PUSH_ERRORS = {
    ReachErrorCode.PUSH_NOT_USABLE.value: Outcome.NOT_USABLE,
    ReachErrorCode.CONSENT_REQUIRED.value: Outcome.NO_CONSENT,
    ReachErrorCode.DUPLICATE_PUSH.value: Outcome.RECENTLY_PUSHED,
    ReachErrorCode.INVALID.value: Outcome.ALREADY_HANDLED,
}


def worklist_push(
    *, item_ids: Iterable[str], channel: str, agent_ids: Iterable[int], by: Any = None
) -> BulkResult:
    """Push each selected suggestion's benefit (`suggestion_accept`, each in its own
    transaction): a refusal of one (not usable now, no consent, pushed a moment ago, already
    handled) changes nothing for it and does not stop the others. Items that are not
    suggestions are refused; items of agents the caller does not act for are not found."""
    if channel not in PushChannel.values:
        raise DomainError(ReachErrorCode.INVALID, _("Unknown channel."), field="channel")
    parsed = worklist_item_ids_parse(item_ids)
    wanted = [pk for source, pk in parsed if source == "suggestion"]
    mine = {
        s.pk: s
        for s in AgentSuggestion.objects.filter(
            pk__in=wanted, customer__agent_id__in=list(agent_ids)
        ).select_related("benefit", "customer")
    }
    outcomes: dict[str, str] = {}
    for source, pk in parsed:
        key = f"{source}:{pk}"
        if source != "suggestion":
            outcomes[key] = Outcome.REFUSED
        elif pk not in mine:
            outcomes[key] = Outcome.NOT_FOUND
        elif mine[pk].status != SuggestionStatus.OPEN:
            outcomes[key] = Outcome.ALREADY_HANDLED
        else:
            try:
                suggestion_accept(suggestion=mine[pk], channel=channel, by=by)
            except DomainError as exc:
                outcomes[key] = _PUSH_ERRORS.get(str(exc.code), Outcome.REFUSED)
            else:
                outcomes[key] = Outcome.PUSHED
    return BulkResult(outcomes=outcomes)


def worklist_dismiss(
    *, item_ids: Iterable[str], agent_ids: Iterable[int], by: Any = None
) -> BulkResult:
    """Dismiss the selected suggestions (one UPDATE) and mark the selected notices read (one
    UPDATE), each only while still open, under row locks so the outcome reported is what
    was done. Follow-ups and cases cannot be dismissed: refused."""
    parsed = worklist_item_ids_parse(item_ids)
    agents = list(agent_ids)
    suggestions = [pk for source, pk in parsed if source == "suggestion"]
    notices = [pk for source, pk in parsed if source == "notice"]
    now = timezone.now()
    with transaction.atomic():
        found_s = dict(
            AgentSuggestion.objects.select_for_update(of=("self",))
            .filter(pk__in=suggestions, customer__agent_id__in=agents)
            .values_list("pk", "status")
        )
        open_s = [pk for pk, status in found_s.items() if status == SuggestionStatus.OPEN]
        if open_s:
            AgentSuggestion.objects.filter(pk__in=open_s, status=SuggestionStatus.OPEN).update(
                status=SuggestionStatus.DISMISSED, resolved_at=now
            )
        found_n = dict(
            AgentNotification.objects.select_for_update()
            .filter(pk__in=notices, agent_id__in=agents)
            .values_list("pk", "read_at")
        )
        unread = [pk for pk, read_at in found_n.items() if read_at is None]
        if unread:
            AgentNotification.objects.filter(pk__in=unread, read_at__isnull=True).update(
                read_at=now
            )
    outcomes: dict[str, str] = {}
    for source, pk in parsed:
        key = f"{source}:{pk}"
        if source == "suggestion":
            outcomes[key] = (
                Outcome.NOT_FOUND
                if pk not in found_s
                else Outcome.DISMISSED
                if pk in open_s
                else Outcome.ALREADY_HANDLED
            )
        elif source == "notice":
            outcomes[key] = (
                Outcome.NOT_FOUND
                if pk not in found_n
                else Outcome.MARKED_READ
                if pk in unread
                else Outcome.ALREADY_HANDLED
            )
        else:
            outcomes[key] = Outcome.REFUSED
    return BulkResult(outcomes=outcomes)


def worklist_labels(*, item_ids: Iterable[str], agent_ids: Iterable[int]) -> dict[str, str]:
    """What a page calls each item it reports an outcome for ("王** · Gift"): two queries
    at most, and only items of the agents passed (others keep their id)."""
    parsed = worklist_item_ids_parse(item_ids)
    agents = list(agent_ids)
    labels: dict[str, str] = {}
    suggestions = [pk for source, pk in parsed if source == "suggestion"]
    notices = [pk for source, pk in parsed if source == "notice"]
    if suggestions:
        for s in AgentSuggestion.objects.filter(
            pk__in=suggestions, customer__agent_id__in=agents
        ).select_related("customer", "benefit"):
            labels[f"suggestion:{s.pk}"] = (
                f"{mask_name(s.customer.name)} · {s.benefit.display_name}"
            )
    if notices:
        for n in AgentNotification.objects.filter(pk__in=notices, agent_id__in=agents):
            labels[f"notice:{n.pk}"] = str(n.get_kind_display())
    return {
        f"{source}:{pk}": labels.get(f"{source}:{pk}", f"{source}:{pk}") for source, pk in parsed
    }
