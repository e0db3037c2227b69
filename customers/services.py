"""Write paths about customers: each function validates, writes atomically, says what changed."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.exceptions import Conflict, DomainError

from . import signals
from .error_codes import CustomerErrorCode
from .models import (
    INVERSE_RELATION,
    Agent,
    Customer,
    FamilyLink,
    Policy,
    PolicyStatus,
    Relation,
    Tier,
    TierChange,
    TierOverride,
    TierPolicy,
)
from .selectors import customer_tier_decide


def tier_policy_get() -> TierPolicy:
    obj = TierPolicy.objects.order_by("pk").first()
    if obj is None:
        obj = TierPolicy.objects.create()
    return obj


def customer_create(
    *,
    customer_no: str,
    name: str,
    birth_date: date,
    gender: str,
    phone: str,
    id_number: str,
    city: str = "",
    agent: Agent | None = None,
    tags: list[str] | None = None,
) -> Customer:
    customer = Customer(
        customer_no=customer_no,
        name=name,
        birth_date=birth_date,
        gender=gender,
        city=city,
        phone=phone,
        id_number=id_number.upper(),
        agent=agent,
        tags=tags or [],
        tier=Tier.PROSPECT,
        tier_reason=_("no in-force policy"),
    )
    customer.full_clean()
    customer.save()
    return customer


@transaction.atomic
def family_link_create(*, customer: Customer, relative: Customer, relation: str) -> FamilyLink:
    """Link two customers as family, in both directions (spouse ↔ spouse, child ↔ parent)."""
    link = FamilyLink(customer=customer, relative=relative, relation=relation)
    link.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            link.save()
            FamilyLink.objects.create(
                customer=relative,
                relative=customer,
                relation=INVERSE_RELATION[Relation(relation)],
            )
    except IntegrityError:
        raise Conflict(
            CustomerErrorCode.FAMILY_LINK_EXISTS,
            _("These customers are already linked as family."),
        ) from None
    return link


@transaction.atomic
def family_link_delete(*, customer: Customer, relative: Customer) -> int:
    deleted, _unused = FamilyLink.objects.filter(
        customer__in=[customer, relative], relative__in=[customer, relative]
    ).delete()
    return deleted


@transaction.atomic
def policy_create(
    *,
    customer: Customer,
    policy_no: str,
    product_line: str,
    annual_premium: Decimal,
    start_date: date,
    end_date: date | None = None,
    status: str = PolicyStatus.IN_FORCE,
    refresh_tier: bool = True,
) -> Policy:
    policy = Policy(
        customer=customer,
        policy_no=policy_no,
        product_line=product_line,
        annual_premium=annual_premium,
        start_date=start_date,
        end_date=end_date,
        status=status,
    )
    policy.full_clean()
    policy.save()
    if refresh_tier:
        customer_tier_refresh(customer=customer)
    return policy


@transaction.atomic
def policy_set_status(*, policy: Policy, status: str, refresh_tier: bool = True) -> Policy:
    if status not in PolicyStatus.values:
        raise DomainError(CustomerErrorCode.INVALID, _("Unknown policy status."), field="status")
    policy.status = status
    policy.save(update_fields=["status", "updated_at"])
    if refresh_tier:
        customer_tier_refresh(customer=policy.customer)
    return policy


def _record_change(customer: Customer, new_tier: int, reason: str, now: datetime) -> TierChange:
    change = TierChange.objects.create(
        customer=customer, from_tier=customer.tier, to_tier=new_tier, reason=reason, created_at=now
    )
    signals.tier_changed.send(
        sender=Customer,
        customer=customer,
        from_tier=customer.tier,
        to_tier=new_tier,
        reason=reason,
        at=now,
    )
    customer.tier = new_tier
    customer.tier_reason = reason[:255]
    customer.tier_set_at = now
    customer.tier_downgrade_due = None
    customer.save(
        update_fields=["tier", "tier_reason", "tier_set_at", "tier_downgrade_due", "updated_at"]
    )
    return change


@transaction.atomic
def customer_tier_refresh(*, customer: Customer, now: datetime | None = None) -> TierChange | None:
    """Apply the tier the rules give: upgrades at once, downgrades after the grace period.

    Overrides are honoured until they expire. Returns the change recorded, if any.
    """
    now = now or timezone.now()
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    decision = customer_tier_decide(customer=customer, now=now)
    current = customer.tier
    if decision.tier == current:
        if customer.tier_downgrade_due is not None or customer.tier_reason != decision.reason:
            customer.tier_downgrade_due = None
            customer.tier_reason = decision.reason[:255]
            customer.save(update_fields=["tier_downgrade_due", "tier_reason", "updated_at"])
        return None
    if decision.tier > current or decision.from_override:
        return _record_change(customer, decision.tier, decision.reason, now)
    # A downgrade waits for the grace period product staff set.
    today = timezone.localdate(now)
    if customer.tier_downgrade_due is None:
        grace = tier_policy_get().downgrade_grace_days
        customer.tier_downgrade_due = today + timedelta(days=grace)
        customer.save(update_fields=["tier_downgrade_due", "updated_at"])
        if grace > 0:
            signals.tier_downgrade_scheduled.send(
                sender=Customer,
                customer=customer,
                to_tier=decision.tier,
                due=customer.tier_downgrade_due,
                reason=decision.reason,
            )
            return None
    if today >= customer.tier_downgrade_due:
        reason = _("downgrade after grace period: %(reason)s") % {"reason": decision.reason}
        return _record_change(customer, decision.tier, reason, now)
    return None


@transaction.atomic
def tier_override_create(
    *, customer: Customer, tier: int, reason: str, expires_at: datetime, created_by: Any = None
) -> TierOverride:
    override = TierOverride(
        customer=customer, tier=tier, reason=reason, expires_at=expires_at, created_by=created_by
    )
    override.full_clean()
    override.save()
    customer_tier_refresh(customer=customer)
    return override
