"""Plumbing, not business rules. Any write to what the per-tier shelf cache holds (benefits,
categories, shelf cells, eligibility) bumps the cache version after commit; domain events of
the customers and benefits apps become webhook events (in the same transaction)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from benefits.models import Benefit, BenefitStatus, Category
from benefits.signals import benefit_status_changed
from customers.models import Tier
from customers.signals import tier_changed, tier_changes_recorded, tier_downgrade_scheduled

from .integrations.models import WebhookEventType
from .integrations.services import event_emit, events_emit_many
from .shelf.models import Eligibility, ShelfCell
from .shelf.services import shelf_version_bump


def _bump(**_kwargs: Any) -> None:
    shelf_version_bump()


def _tier_changed_payload(
    customer: Any, from_tier: int, to_tier: int, reason: str, at: Any
) -> dict[str, Any]:
    return {
        "customer_no": customer.customer_no,
        "from_tier": Tier(from_tier).slug,
        "to_tier": Tier(to_tier).slug,
        "direction": "up" if to_tier > from_tier else "down",
        "reason": reason,
        "changed_at": at.isoformat(),
    }


def _downgrade_payload(customer: Any, to_tier: int, due: Any, reason: str) -> dict[str, Any]:
    return {
        "customer_no": customer.customer_no,
        "from_tier": Tier(customer.tier).slug,
        "to_tier": Tier(to_tier).slug,
        "effective_on": due.isoformat(),
        "reason": reason,
    }


def _tier_changed(
    customer: Any, from_tier: int, to_tier: int, reason: str, at: Any, **_kw: Any
) -> None:
    event_emit(
        WebhookEventType.TIER_CHANGED,
        _tier_changed_payload(customer, from_tier, to_tier, reason, at),
    )


def _downgrade_scheduled(customer: Any, to_tier: int, due: Any, reason: str, **_kw: Any) -> None:
    event_emit(
        WebhookEventType.TIER_DOWNGRADE_SCHEDULED,
        _downgrade_payload(customer, to_tier, due, reason),
    )


def _tier_changes_recorded(changes: list[Any], scheduled: list[Any], **_kw: Any) -> None:
    events: list[tuple[str, dict[str, Any]]] = [
        (
            WebhookEventType.TIER_CHANGED,
            _tier_changed_payload(
                customer, change.from_tier, change.to_tier, change.reason, change.created_at
            ),
        )
        for customer, change in changes
    ]
    events += [
        (
            WebhookEventType.TIER_DOWNGRADE_SCHEDULED,
            _downgrade_payload(customer, to_tier, due, customer.tier_reason),
        )
        for customer, to_tier, due in scheduled
    ]
    events_emit_many(events)


def _benefit_status(
    benefit: Any, from_status: str, to_status: str, reason: str, **_kw: Any
) -> None:
    kinds: dict[str, str] = {
        BenefitStatus.ON_SHELF: WebhookEventType.BENEFIT_ON_SHELF,
        BenefitStatus.RETIRED: WebhookEventType.BENEFIT_RETIRED,
    }
    if to_status in kinds:
        event_emit(
            kinds[to_status],
            {
                "code": benefit.code,
                "name": benefit.name,
                "from_status": from_status,
                "status": to_status,
                "reason": reason,
            },
        )


def connect() -> None:
    for model in (Benefit, Category, ShelfCell, Eligibility):
        post_save.connect(_bump, sender=model, dispatch_uid=f"shelf-cache-{model.__name__}-save")
        post_delete.connect(
            _bump, sender=model, dispatch_uid=f"shelf-cache-{model.__name__}-delete"
        )
    tier_changed.connect(_tier_changed, dispatch_uid="webhooks-tier-changed")
    tier_downgrade_scheduled.connect(_downgrade_scheduled, dispatch_uid="webhooks-downgrade")
    tier_changes_recorded.connect(_tier_changes_recorded, dispatch_uid="webhooks-tier-bulk")
    benefit_status_changed.connect(_benefit_status, dispatch_uid="webhooks-benefit-status")
