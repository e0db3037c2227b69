"""Plumbing, not business rules. Any write to what the per-tier shelf cache holds (benefits,
categories, shelf cells, eligibility) bumps the cache version after commit; domain events of
the customers and benefits apps become webhook events (in the same transaction)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from . import shelf_cache


def _bump(**_kwargs: Any) -> None:
    transaction.on_commit(shelf_cache.invalidate)


def _tier_changed(
    customer: Any, from_tier: int, to_tier: int, reason: str, at: Any, **_kw: Any
) -> None:
    from customers.models import Tier

    from .models import WebhookEventType
    from .webhooks import event_emit

    event_emit(
        WebhookEventType.TIER_CHANGED,
        {
            "customer_no": customer.customer_no,
            "from_tier": Tier(from_tier).slug,
            "to_tier": Tier(to_tier).slug,
            "direction": "up" if to_tier > from_tier else "down",
            "reason": reason,
            "changed_at": at.isoformat(),
        },
    )


def _downgrade_scheduled(customer: Any, to_tier: int, due: Any, reason: str, **_kw: Any) -> None:
    from customers.models import Tier

    from .models import WebhookEventType
    from .webhooks import event_emit

    event_emit(
        WebhookEventType.TIER_DOWNGRADE_SCHEDULED,
        {
            "customer_no": customer.customer_no,
            "from_tier": Tier(customer.tier).slug,
            "to_tier": Tier(to_tier).slug,
            "effective_on": due.isoformat(),
            "reason": reason,
        },
    )


def _benefit_status(
    benefit: Any, from_status: str, to_status: str, reason: str, **_kw: Any
) -> None:
    from benefits.models import BenefitStatus

    from .models import WebhookEventType
    from .webhooks import event_emit

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
    from benefits.signals import benefit_status_changed
    from customers.signals import tier_changed, tier_downgrade_scheduled

    tier_changed.connect(_tier_changed, dispatch_uid="webhooks-tier-changed")
    tier_downgrade_scheduled.connect(_downgrade_scheduled, dispatch_uid="webhooks-downgrade")
    benefit_status_changed.connect(_benefit_status, dispatch_uid="webhooks-benefit-status")

    from benefits.models import Benefit, Category

    from .models import Eligibility, ShelfCell

    for model in (Benefit, Category, ShelfCell, Eligibility):
        post_save.connect(_bump, sender=model, dispatch_uid=f"shelf-cache-{model.__name__}-save")
        post_delete.connect(
            _bump, sender=model, dispatch_uid=f"shelf-cache-{model.__name__}-delete"
        )
