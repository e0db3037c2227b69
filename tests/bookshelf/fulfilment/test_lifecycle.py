"""The lifecycle of a held use: request, supplier events, settle and give back, once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from bookshelf.fulfilment.services import (
    Actor,
    Change,
    fulfilment_transition,
    use_cancel,
    use_request,
)
from bookshelf.models import (
    ActorKind,
    Fulfilment,
    FulfilmentEvent,
    FulfilmentState,
    QuotaBalance,
    RedemptionStatus,
    UsageMonth,
    WebhookEvent,
    WebhookSubscription,
)
from config.exceptions import DomainError
from customers.models import Tier
from tests.factories import make_benefit, make_customer, make_supplier

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked():
    benefit = make_benefit(cells={Tier.GOLD: 2}, fulfilment_kind="booked", name="Escort")
    supplier = make_supplier("escort-co", benefits=[benefit], confirm_hours=4, deliver_hours=72)
    return benefit, supplier


def _balance(customer, benefit):
    return QuotaBalance.objects.get(holder=customer, benefit=benefit)


def test_a_booked_use_is_held_then_settled_when_fulfilled(booked):
    benefit, supplier = booked
    WebhookSubscription.objects.create(name="all", url="https://hooks.example.com/x", secret="s")
    customer = make_customer(tier=Tier.GOLD)
    result = use_request(customer=customer, benefit_code=benefit.code)
    assert result.redemption.status == RedemptionStatus.HELD
    assert result.remaining == 1
    fulfilment = result.fulfilment
    assert fulfilment.state == FulfilmentState.REQUESTED
    assert fulfilment.supplier == supplier
    assert fulfilment.confirm_due_at == result.redemption.created_at + timedelta(hours=4)
    balance = _balance(customer, benefit)
    assert (balance.used, balance.held) == (1, 1)
    assert not UsageMonth.objects.filter(customer=customer).exists()

    actor = Actor(ActorKind.SUPPLIER, supplier=supplier)
    at = timezone.now() + timedelta(days=3)
    fulfilment_transition(
        fulfilment_id=fulfilment.pk,
        target=FulfilmentState.BOOKED,
        actor=actor,
        change=Change(appointment_at=at, place="Ward 3", event_id="e1"),
    )
    fulfilment_transition(
        fulfilment_id=fulfilment.pk,
        target=FulfilmentState.FULFILLED,
        actor=actor,
        change=Change(event_id="e2"),
    )
    balance.refresh_from_db()
    assert (balance.used, balance.held) == (1, 0)
    result.redemption.refresh_from_db()
    assert result.redemption.status == RedemptionStatus.COMPLETED
    assert UsageMonth.objects.get(customer=customer).uses == 1
    events = list(
        FulfilmentEvent.objects.filter(fulfilment=fulfilment).values_list("from_state", "to_state")
    )
    assert events == [("", "requested"), ("requested", "booked"), ("booked", "fulfilled")]
    types = list(WebhookEvent.objects.values_list("type", flat=True))
    assert "redemption.booked" in types and "redemption.fulfilled" in types
    assert "redemption.completed" not in types


def test_a_failure_gives_the_hold_back_once_and_an_illegal_move_is_409(booked):
    benefit, supplier = booked
    customer = make_customer(tier=Tier.GOLD)
    fulfilment = use_request(customer=customer, benefit_code=benefit.code).fulfilment
    actor = Actor(ActorKind.SUPPLIER, supplier=supplier)
    fulfilment_transition(fulfilment_id=fulfilment.pk, target=FulfilmentState.FAILED, actor=actor)
    balance = _balance(customer, benefit)
    assert (balance.used, balance.held) == (0, 0)
    with pytest.raises(DomainError) as caught:
        fulfilment_transition(
            fulfilment_id=fulfilment.pk, target=FulfilmentState.FULFILLED, actor=actor
        )
    assert caught.value.code == "illegal_transition"
    assert caught.value.extra == {"state": "failed"}
    balance.refresh_from_db()
    assert (balance.used, balance.held) == (0, 0)


def test_a_replayed_event_id_changes_nothing(booked):
    benefit, supplier = booked
    customer = make_customer(tier=Tier.GOLD)
    fulfilment = use_request(customer=customer, benefit_code=benefit.code).fulfilment
    actor = Actor(ActorKind.SUPPLIER, supplier=supplier)
    change = Change(appointment_at=timezone.now() + timedelta(days=1), event_id="same")
    first = fulfilment_transition(
        fulfilment_id=fulfilment.pk, target="booked", actor=actor, change=change
    )
    again = fulfilment_transition(
        fulfilment_id=fulfilment.pk, target="booked", actor=actor, change=change
    )
    assert not first.replayed and again.replayed
    assert FulfilmentEvent.objects.filter(fulfilment=fulfilment).count() == 2


def test_cancelling_an_open_request_gives_it_back_and_a_fulfilled_one_cannot(booked):
    benefit, supplier = booked
    customer = make_customer(tier=Tier.GOLD)
    first = use_request(customer=customer, benefit_code=benefit.code)
    use_cancel(redemption=first.redemption)
    assert Fulfilment.objects.get(pk=first.fulfilment.pk).state == "cancelled"
    assert _balance(customer, benefit).used == 0
    second = use_request(customer=customer, benefit_code=benefit.code)
    actor = Actor(ActorKind.SUPPLIER, supplier=supplier)
    fulfilment_transition(fulfilment_id=second.fulfilment.pk, target="booked", actor=actor)
    fulfilment_transition(fulfilment_id=second.fulfilment.pk, target="fulfilled", actor=actor)
    with pytest.raises(DomainError) as caught:
        use_cancel(redemption=second.redemption)
    assert caught.value.code == "illegal_transition"
    assert _balance(customer, benefit).used == 1


def test_a_missed_service_level_opens_one_case_and_booking_closes_it(booked):
    from bookshelf.fulfilment.services import cases_open_overdue
    from bookshelf.models import OperationsCase

    benefit, supplier = booked
    customer = make_customer(tier=Tier.GOLD)
    fulfilment = use_request(customer=customer, benefit_code=benefit.code).fulfilment
    later = timezone.now() + timedelta(hours=5)
    cases_open_overdue(now=timezone.now())
    assert not OperationsCase.objects.exists()
    cases_open_overdue(now=later)
    cases_open_overdue(now=later + timedelta(minutes=10))
    case = OperationsCase.objects.get()
    assert (case.kind, case.supplier, case.closed_at) == ("confirm_overdue", supplier, None)
    actor = Actor(ActorKind.SUPPLIER, supplier=supplier)
    fulfilment_transition(fulfilment_id=fulfilment.pk, target="booked", actor=actor)
    case.refresh_from_db()
    assert case.closed_at is not None


def test_the_quota_audit_counts_held_uses_and_catches_a_lost_hold(booked):
    from bookshelf.ledger.selectors import quota_audit

    benefit, _supplier = booked
    customer = make_customer(tier=Tier.GOLD)
    use_request(customer=customer, benefit_code=benefit.code)
    assert quota_audit().exact
    QuotaBalance.objects.filter(holder=customer).update(held=0)
    assert not quota_audit().exact
