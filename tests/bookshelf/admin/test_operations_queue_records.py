"""The uses list shows where each use stands without a query per row, and the supervisors'
cancel goes through the fulfilment: a held use is given back, a settled booked use is refused
with the reason."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookshelf.fulfilment.services import Actor, Change, fulfilment_transition, use_request
from bookshelf.ledger.services import redemption_create
from bookshelf.models import ActorKind, FulfilmentState, QuotaBalance, Redemption, RedemptionStatus
from customers.models import Tier
from tests.bookshelf.admin.conftest import Office
from tests.factories import make_benefit, make_supplier

pytestmark = pytest.mark.django_db

USES = "admin:bookshelf_redemption_changelist"


@pytest.fixture
def escort(db: Any) -> Any:
    benefit = make_benefit(cells={Tier.GOLD: 20}, fulfilment_kind="booked", name="Escort")
    supplier = make_supplier("escort-co", benefits=[benefit])
    return benefit, supplier


def _cancel(client: Any, pk: int) -> Any:
    return client.post(
        reverse(USES),
        {"action": "cancel", "_selected_action": [pk], "confirm": "yes", "reason": "Asked"},
        follow=True,
    )


def test_a_held_use_is_cancelled_through_its_fulfilment(office: Office, escort):
    benefit, _supplier = escort
    result = use_request(customer=office.mine, benefit_code=benefit.code)
    balance = QuotaBalance.objects.get(holder=office.mine, benefit=benefit)
    assert (balance.used, balance.held) == (1, 1)
    _cancel(office.client_for(office.supervisor.user), result.redemption.pk)
    assert result.fulfilment is not None
    result.fulfilment.refresh_from_db()
    assert result.fulfilment.state == FulfilmentState.CANCELLED
    assert result.fulfilment.events.filter(to_state=FulfilmentState.CANCELLED).get().reason
    balance.refresh_from_db()
    assert (balance.used, balance.held) == (0, 0)


def test_a_fulfilled_booked_use_cannot_be_cancelled_and_says_why(office: Office, escort):
    benefit, supplier = escort
    result = use_request(customer=office.mine, benefit_code=benefit.code)
    assert result.fulfilment is not None
    actor = Actor(ActorKind.SUPPLIER, supplier=supplier)
    for target in (FulfilmentState.BOOKED, FulfilmentState.FULFILLED):
        fulfilment_transition(
            fulfilment_id=result.fulfilment.pk, target=target, actor=actor, change=Change()
        )
    response = _cancel(office.client_for(office.supervisor.user), result.redemption.pk)
    notes = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("cannot become Cancelled" in n for n in notes), notes
    assert Redemption.objects.get(pk=result.redemption.pk).status == RedemptionStatus.COMPLETED


def test_the_uses_list_shows_each_uses_state_in_a_fixed_number_of_queries(
    office: Office, escort, gold_benefit
):
    benefit, supplier = escort
    client = office.client_for(office.product)
    booked = use_request(customer=office.mine, benefit_code=benefit.code)
    redemption_create(customer=office.mine, benefit_code=gold_benefit.code)
    client.get(reverse(USES))
    with CaptureQueriesContext(connection) as few:
        body = client.get(reverse(USES)).content.decode()
    assert "Requested" in body and "Fulfilled" in body
    assert booked.fulfilment is not None
    fulfilment_transition(
        fulfilment_id=booked.fulfilment.pk,
        target=FulfilmentState.FAILED,
        actor=Actor(ActorKind.SUPPLIER, supplier=supplier),
    )
    for _ in range(5):
        use_request(customer=office.theirs, benefit_code=benefit.code)
    redemption_create(customer=office.theirs, benefit_code=gold_benefit.code)
    with CaptureQueriesContext(connection) as many:
        body = client.get(reverse(USES)).content.decode()
    assert "Failed" in body
    assert len(many) == len(few)
