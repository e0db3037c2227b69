"""A customer's fulfilments in their data export, and their free texts gone after erasure."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from bookshelf.fulfilment.services import (
    Actor,
    Change,
    case_close,
    fulfilment_transition,
    use_request,
)
from bookshelf.models import (
    ActorKind,
    Fulfilment,
    FulfilmentEvent,
    FulfilmentState,
    OperationsCase,
    WebhookEvent,
    WebhookSubscription,
)
from bookshelf.privacy.export import customer_data_document
from bookshelf.privacy.services import customer_erase
from customers.models import Customer, Tier
from tests.factories import make_benefit, make_customer, make_supplier

from .conftest import lapse_policies

pytestmark = pytest.mark.django_db


def _booked(customer: Customer, benefit: Any, supplier: Any, place: str) -> Fulfilment:
    fulfilment = use_request(customer=customer, benefit_code=benefit.code).fulfilment
    assert fulfilment is not None
    fulfilment_transition(
        fulfilment_id=fulfilment.pk,
        target=FulfilmentState.BOOKED,
        actor=Actor(ActorKind.SUPPLIER, supplier=supplier),
        change=Change(
            appointment_at=timezone.now() + timedelta(days=2),
            place=place,
            reference="REF-8812",
            reason="Booked with Dr Zhang for 王小明",
        ),
    )
    fulfilment_transition(
        fulfilment_id=fulfilment.pk,
        target=FulfilmentState.FAILED,
        actor=Actor(ActorKind.SUPPLIER, supplier=supplier),
        change=Change(reason="Called 13900001111, no answer"),
    )
    fulfilment.refresh_from_db()
    return fulfilment


@pytest.fixture
def world(db: Any) -> Any:
    WebhookSubscription.objects.create(name="all", url="https://hooks.example.com/x", secret="s")
    benefit = make_benefit(cells={Tier.GOLD: 5}, fulfilment_kind="booked", name="Escort")
    supplier = make_supplier("escort-co", benefits=[benefit], name="Escort Co")
    customer = make_customer(tier=Tier.GOLD, name="王小明")
    other = make_customer(tier=Tier.GOLD, name="李四")
    mine = _booked(customer, benefit, supplier, "Room 5, 12 Nanjing Road")
    theirs = _booked(other, benefit, supplier, "Ward 9")
    case_close(
        case=OperationsCase.objects.get(fulfilment=mine), by=None, note="Customer 王小明 refunded"
    )
    return customer, mine, theirs


def test_the_export_lists_the_customers_fulfilments_and_their_events(world):
    customer, mine, _theirs = world
    document = customer_data_document(customer=customer, now=timezone.now())
    sections = document["sections"]
    assert [f["redemption_id"] for f in sections["fulfilments"]] == [mine.redemption_id]
    row = sections["fulfilments"][0]
    assert row["benefit__code"] == mine.benefit.code and row["supplier__code"] == "escort-co"
    assert row["state"] == FulfilmentState.FAILED and row["place"] == "Room 5, 12 Nanjing Road"
    assert row["appointment_at"] is not None
    steps = [(e["from_state"], e["to_state"]) for e in sections["fulfilment_events"]]
    assert steps == [("", "requested"), ("requested", "booked"), ("booked", "failed")]
    assert {e["fulfilment__redemption_id"] for e in sections["fulfilment_events"]} == {
        mine.redemption_id
    }
    assert all(e["at"] for e in sections["fulfilment_events"])


def test_erasure_blanks_the_free_texts_of_their_fulfilments_only(world):
    customer, mine, theirs = world
    lapse_policies(customer)
    customer_erase(customer=customer, user="dpo", reason="Customer asked", via="test")

    mine.refresh_from_db()
    assert (mine.place, mine.supplier_reference) == ("", "")
    assert mine.state == FulfilmentState.FAILED  # the record of what happened stays
    reasons = set(FulfilmentEvent.objects.filter(fulfilment=mine).values_list("reason", flat=True))
    assert reasons <= {"", "erased"} and "erased" in reasons
    assert OperationsCase.objects.get(fulfilment=mine).note == "erased"
    payloads = WebhookEvent.objects.filter(payload__customer_no=customer.customer_no)
    assert payloads.exists()
    assert not any("Nanjing" in str(e.payload) or "13900001111" in str(e.payload) for e in payloads)
    # Somebody else's fulfilment keeps its texts.
    theirs.refresh_from_db()
    assert (theirs.place, theirs.supplier_reference) == ("Ward 9", "REF-8812")
    assert FulfilmentEvent.objects.filter(fulfilment=theirs, reason__startswith="Called").exists()
