"""Who a retirement touches, for the page that asks product staff to confirm it: the
customers who used the benefit in the review window, the agents the retirement tells (the
same query the retirement sends its notices with), and the customers who hold it today.

The bookshelf tells agents, not customers: a retirement sends each agent whose customers
used the benefit recently one notice; the customers themselves get nothing from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, F
from django.utils import timezone

from benefits.models import Benefit

from ..ledger.models import Purchase, Redemption, RedemptionStatus
from .models import Proposal, ProposalKind, ReviewFinding
from .proposals import recent_uses_with_agent
from .thresholds import review_thresholds_for


@dataclass(frozen=True)
class RetirementImpact:
    proposal: Proposal
    benefit: Benefit
    window_days: int  # the review window: "used it recently"
    recent_users: int  # distinct customers who used it in the window, up to now
    notify_days: int  # agents are told of their customers who used it in these days
    agents_told: int
    customers_of_agents_told: int
    recent_without_agent: int  # used it in `notify_days`, have no agent: nobody tells them
    holders: int  # customers whose tier holds it and who could use it, at the review
    holders_by_tier: dict[int, int] = field(default_factory=dict)
    purchase_holders: int = 0  # customers with purchased uses still valid: they keep them


def retirement_impact(*, proposal: Proposal, now: datetime | None = None) -> RetirementImpact:
    """What retiring the proposal's benefit touches: five queries whatever the numbers."""
    if proposal.kind != ProposalKind.RETIRE or proposal.benefit_id is None:
        raise ValueError("only a retirement proposal has a retirement's impact")
    now = now or timezone.now()
    benefit = Benefit.objects.select_related("category").get(pk=proposal.benefit_id)
    run = proposal.run
    t = review_thresholds_for(run, benefit.category.top_code)
    notify_days = int(t["notify_recent_days"])
    used = Redemption.objects.filter(benefit=benefit, status=RedemptionStatus.COMPLETED)
    recent = used.filter(created_at__gte=now - timedelta(days=run.window_days)).aggregate(
        n=Count("beneficiary_id", distinct=True)
    )["n"]
    # The notices' own query: the count shown is the count sent.
    told = recent_uses_with_agent(proposal, benefit, now).aggregate(
        agents=Count("beneficiary__agent_id", distinct=True),
        customers=Count("beneficiary_id", distinct=True),
    )
    untold = used.filter(
        created_at__gte=now - timedelta(days=notify_days), beneficiary__agent__isnull=True
    ).aggregate(n=Count("beneficiary_id", distinct=True))["n"]
    by_tier: dict[int, int] = {
        tier: eligible
        for tier, eligible in ReviewFinding.objects.filter(
            run=run, benefit=benefit, tier__isnull=False
        )
        .order_by("tier")
        .values_list("tier", "eligible")
        if tier is not None
    }
    purchases = Purchase.objects.filter(
        benefit=benefit, valid_until__gte=timezone.localdate(now), uses_used__lt=F("uses_granted")
    ).aggregate(n=Count("customer_id", distinct=True))["n"]
    return RetirementImpact(
        proposal=proposal,
        benefit=benefit,
        window_days=run.window_days,
        recent_users=recent or 0,
        notify_days=notify_days,
        agents_told=told["agents"] or 0,
        customers_of_agents_told=told["customers"] or 0,
        recent_without_agent=untold or 0,
        holders=sum(by_tier.values()),
        holders_by_tier=by_tier,
        purchase_holders=purchases or 0,
    )
