"""The admin home's "My worklist" card: the user's open and overdue items (an agent's own,
a supervisor's team's), in two queries: the agents they act for, then the counts."""

from __future__ import annotations

from typing import Any

from django import template

from customers.selectors import agents_visible_to, user_sees_all_customers

from ..reach.selectors import WorklistCounts, worklist_counts

register = template.Library()


@register.simple_tag(takes_context=True)
def worklist_home(context: Any) -> dict[str, Any] | None:
    """None for a user who is no agent (product staff see every customer: their list is
    the whole company's, not a morning's work) or may not read the worklist."""
    user = context["request"].user
    if not user.has_perm("bookshelf.view_agentsuggestion") or user_sees_all_customers(user):
        return None
    if getattr(user, "agent", None) is None:
        return None
    agent_ids = list(agents_visible_to(user).values_list("pk", flat=True))
    counts: WorklistCounts = worklist_counts(agent_ids=agent_ids)
    return {"total": counts.total, "overdue": counts.overdue, "team": len(agent_ids) > 1}
