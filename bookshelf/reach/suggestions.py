"""The agent acts on a suggestion: pushes its benefit (once) or dismisses it."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.exceptions import DomainError

from .error_codes import ReachErrorCode
from .models import AgentSuggestion, SuggestionStatus
from .pushes import push_create


@transaction.atomic
def suggestion_accept(
    *, suggestion: AgentSuggestion, channel: str, note: str = "", by: Any = None
) -> AgentSuggestion:
    """The agent acts on a suggestion: the benefit is pushed (once) and the suggestion closed."""
    locked = AgentSuggestion.objects.select_for_update().get(pk=suggestion.pk)
    if locked.status != SuggestionStatus.OPEN:
        raise DomainError(
            ReachErrorCode.INVALID,
            _("This suggestion was already handled."),
            status_code=409,
        )
    push = push_create(
        customer=locked.customer,
        benefit_code=locked.benefit.code,
        channel=channel,
        note=note or locked.reason,
        pushed_by=by,
    )
    locked.status = SuggestionStatus.ACCEPTED
    locked.push = push
    locked.resolved_at = timezone.now()
    locked.save(update_fields=["status", "push", "resolved_at"])
    return locked


def suggestion_dismiss(*, suggestion: AgentSuggestion) -> AgentSuggestion:
    AgentSuggestion.objects.filter(pk=suggestion.pk, status=SuggestionStatus.OPEN).update(
        status=SuggestionStatus.DISMISSED, resolved_at=timezone.now()
    )
    suggestion.refresh_from_db()
    return suggestion


def open_suggestions_by_customer(*, customer_ids: list[int]) -> dict[int, list[AgentSuggestion]]:
    grouped: dict[int, list[AgentSuggestion]] = defaultdict(list)
    for s in AgentSuggestion.objects.filter(
        customer_id__in=customer_ids, status=SuggestionStatus.OPEN
    ).select_related("benefit"):
        grouped[s.customer_id].append(s)
    return grouped
