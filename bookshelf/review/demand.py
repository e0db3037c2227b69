"""Demand: a customer or agent asks for a benefit that is not on the shelf. Requests are
normalised (`demand_text`) and grouped by wish (`demand_groups`); loud groups become pull
proposals, and a request for what the customer's tier already holds is a discoverability
finding instead."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from benefits.models import Benefit, Category
from config.exceptions import DomainError
from customers.models import Customer

from . import demand_text as dt
from .demand_groups import customer_age, demand_group_for, demand_synonyms, held_benefit_for
from .error_codes import ReviewErrorCode
from .models import DemandSignal, DemandSource


def demand_signal_create(
    *,
    text: str,
    category: Category | None = None,
    benefit: Benefit | None = None,
    customer: Customer | None = None,
    source: str = DemandSource.CUSTOMER,
    created_at: Any = None,
) -> DemandSignal:
    """A customer or agent asks for a benefit that is not on the shelf (or more of one).

    A fixed number of queries (pinned by a test): the synonyms, the groups alike, the tier's
    shelf (for a customer's request naming no benefit), the insert; a new wish adds the
    lock, the lookup again, the group and its terms."""
    text = (text or "").strip()
    if not text:
        raise DomainError(ReviewErrorCode.INVALID, _("Say what benefit is wanted."), field="text")
    text = text[:500]
    tier = customer.tier if customer else None
    synonyms = demand_synonyms()
    tokens = dt.words(text, synonyms)
    signal = DemandSignal(
        text=text,
        category=category,
        benefit=benefit,
        customer=customer,
        source=source,
        tier_snapshot=tier,
        text_key=" ".join(tokens)[:200],
        created_at=created_at or timezone.now(),
    )
    signal.full_clean()
    with transaction.atomic():
        if benefit is None:
            signal.group = demand_group_for(
                tokens=tokens, text=text, category=category, synonyms=synonyms
            )
            age = customer_age(customer, timezone.localdate())
            signal.held_benefit = held_benefit_for(tokens, tier, synonyms, age)
        signal.save()
    return signal
