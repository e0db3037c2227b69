"""A customer with something in every section, and staff to act on them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from bookshelf.ledger.services import (
    purchase_create,
    redemption_create,
    redemption_feedback_create,
)
from bookshelf.models import OutboxMessage, PushChannel
from bookshelf.reach.services import customer_event_record, push_create
from bookshelf.review.services import demand_signal_create
from customers.models import Customer, Policy, PolicyStatus, Tier
from customers.services import policy_set_status, tier_override_create
from tests.factories import category, make_benefit, make_customer, make_family


@dataclass
class Held:
    customer: Customer
    spouse: Customer
    benefit: Any
    paid: Any
    outbox: OutboxMessage


def lapse_policies(customer: Customer) -> None:
    for policy in Policy.objects.filter(customer=customer, status=PolicyStatus.IN_FORCE):
        policy_set_status(policy=policy, status=PolicyStatus.LAPSED)


def fill(customer: Customer, spouse: Customer) -> Held:
    """Uses (own and by the spouse), a purchase, feedback with a comment, a push with a note
    (and its outbox message), a life event, a demand signal with a phone number, an override."""
    benefit = make_benefit(cells={Tier.GOLD: 5}, shareable=True, family_quota=2, name="Check-up")
    paid = make_benefit(price=Decimal("99"), name="Dental")
    make_family(customer, spouse)
    own = redemption_create(customer=customer, benefit_code=benefit.code).redemption
    redemption_create(
        customer=customer, benefit_code=benefit.code, beneficiary_no=spouse.customer_no
    )
    redemption_feedback_create(redemption=own, score=9, comment="My phone is 13900001111, call me")
    purchase_create(
        customer=customer,
        benefit_code=paid.code,
        quantity=1,
        payment_reference=f"PAY-{customer.customer_no}",
    )
    push = push_create(
        customer=customer,
        benefit_code=benefit.code,
        channel=PushChannel.APP_MESSAGE,
        note="Dear 王小明, see you Tuesday",
    )
    customer_event_record(customer=customer, kind="hospital_visit", note="Ward 5, bed 12")
    demand_signal_create(
        text="dental for my mother, call 13900002222", category=category(), customer=customer
    )
    tier_override_create(
        customer=customer,
        tier=Tier.GOLD,
        reason="Wife of the regional director",
        expires_at=timezone.now() + timedelta(days=30),
    )
    return Held(customer, spouse, benefit, paid, OutboxMessage.objects.get(push=push))


@pytest.fixture
def held(db: Any) -> Held:
    customer = make_customer(tier=Tier.GOLD, name="王小明")
    spouse = make_customer(tier=Tier.GOLD, name="李小红")
    return fill(customer, spouse)
