"""Read paths about customers: who they are, which tier the rules give them, and why."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from config.exceptions import NotFound

from .error_codes import CustomerErrorCode
from .models import Customer, Policy, PolicyStatus, Tier, TierOverride, TierRule


@dataclass(frozen=True)
class TierDecision:
    """The tier the rules (or an override) give a customer, and a sentence saying why."""

    tier: Tier
    reason: str
    from_override: bool = False


def tier_rules_list() -> list[TierRule]:
    return list(TierRule.objects.order_by("tier"))


def tier_from_premium(
    *, has_in_force: bool, premium: Decimal, rules: Iterable[TierRule]
) -> TierDecision:
    """The ladder: no in-force policy is a prospect, one is ordinary, VIP tiers by premium."""
    if not has_in_force:
        return TierDecision(Tier.PROSPECT, _("no in-force policy"))
    best: TierRule | None = None
    for rule in sorted(rules, key=lambda r: r.tier):
        if premium >= rule.min_annual_premium:
            best = rule
    if best is None:
        return TierDecision(
            Tier.ORDINARY,
            _("in-force policies, annual premium ¥%(premium)s") % {"premium": f"{premium:,.0f}"},
        )
    return TierDecision(
        Tier(best.tier),
        _("rule %(tier)s: annual premium ¥%(premium)s ≥ ¥%(threshold)s")
        % {
            "tier": Tier(best.tier).label,
            "premium": f"{premium:,.0f}",
            "threshold": f"{best.min_annual_premium:,.0f}",
        },
    )


def tier_override_active(*, customer: Customer, now: Any = None) -> TierOverride | None:
    now = now or timezone.now()
    return (
        TierOverride.objects.filter(customer=customer, expires_at__gt=now)
        .order_by("-created_at")
        .first()
    )


def tier_from_override(*, override: TierOverride) -> TierDecision:
    return TierDecision(
        Tier(override.tier),
        _("manual override until %(date)s: %(reason)s")
        % {
            "date": timezone.localdate(override.expires_at).isoformat(),
            "reason": override.reason,
        },
        from_override=True,
    )


def customer_tier_decide(*, customer: Customer, now: Any = None) -> TierDecision:
    """What the tier should be now: an active override wins, otherwise the rules."""
    override = tier_override_active(customer=customer, now=now)
    if override is not None:
        return tier_from_override(override=override)
    in_force = Policy.objects.filter(customer=customer, status=PolicyStatus.IN_FORCE)
    premium = in_force.aggregate(total=Sum("annual_premium"))["total"]
    return tier_from_premium(
        has_in_force=premium is not None,
        premium=premium or Decimal("0"),
        rules=tier_rules_list(),
    )


@dataclass(frozen=True)
class TierTransition:
    """What a tier decision does to a customer today: the tier, reason and downgrade date
    they end up with, and whether that is a change of tier to record."""

    tier: int
    reason: str
    downgrade_due: date | None
    changed: bool


def tier_transition(
    *,
    current: int,
    current_reason: str,
    downgrade_due: date | None,
    decision: TierDecision,
    today: date,
    grace_days: int,
) -> TierTransition:
    """The ladder's timing rules, shared by the per-customer refresh and the nightly bulk job:
    upgrades and overrides apply at once; a downgrade waits `grace_days` from the day it is
    first seen, and is forgotten if the customer reaches their tier again meanwhile."""
    if decision.tier == current:
        return TierTransition(current, decision.reason[:255], None, changed=False)
    if decision.tier > current or decision.from_override:
        return TierTransition(decision.tier, decision.reason[:255], None, changed=True)
    due = downgrade_due
    if due is None:
        due = today + timedelta(days=grace_days)
        if grace_days > 0:
            return TierTransition(current, current_reason, due, changed=False)
    if today >= due:
        reason = _("downgrade after grace period: %(reason)s") % {"reason": decision.reason}
        return TierTransition(decision.tier, reason[:255], None, changed=True)
    return TierTransition(current, current_reason, due, changed=False)


def customers_visible_to(user: Any) -> QuerySet[Customer]:
    """The customers a staff user may see: everyone for product staff and superusers, the
    assigned ones for an agent, and the team's for a supervisor. Anyone else: nobody."""
    qs = Customer.objects.all()
    if user is None or not getattr(user, "is_authenticated", False):
        return qs.none()
    if user.is_superuser or user.has_perm("customers.view_all_customers"):
        return qs
    agent = getattr(user, "agent", None)
    if agent is None:
        return qs.none()
    return qs.filter(Q(agent=agent) | Q(agent__supervisor=agent))


_BY_NUMBER_SQL = "SELECT * FROM customers_customer WHERE customer_no = %s"


def customer_get(*, customer_no: str, queryset: QuerySet[Customer] | None = None) -> Customer:
    qs = queryset if queryset is not None else Customer.objects.all()
    try:
        if not qs.query.where:
            # Any customer (an API client's scope): every API request starts here, so a plain
            # lookup by the unique number, without building an ORM query. The agent, when
            # wanted, loads on access.
            found = list(Customer.objects.raw(_BY_NUMBER_SQL, [customer_no]))
            if not found:
                raise Customer.DoesNotExist
            return found[0]
        return qs.select_related("agent").get(customer_no=customer_no)
    except Customer.DoesNotExist:
        raise NotFound(
            CustomerErrorCode.CUSTOMER_NOT_FOUND,
            _("No customer with number %(no)s.") % {"no": customer_no},
        ) from None


def customer_search(
    *, query: str, queryset: QuerySet[Customer] | None = None
) -> QuerySet[Customer]:
    """By customer number, name, or the last digits of the phone (the agent's desk)."""
    qs = queryset if queryset is not None else Customer.objects.all()
    query = (query or "").strip()
    if not query:
        return qs
    if query.isdigit() and len(query) <= 4:
        return qs.filter(phone_last4__endswith=query) | qs.filter(customer_no__icontains=query)
    return qs.filter(customer_no__icontains=query) | qs.filter(name__icontains=query)


def customer_policy_lines(*, customer: Customer, on: date | None = None) -> set[str]:
    return set(
        Policy.objects.filter(customer=customer, status=PolicyStatus.IN_FORCE).values_list(
            "product_line", flat=True
        )
    )
