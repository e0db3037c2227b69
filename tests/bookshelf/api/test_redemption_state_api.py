"""The app's view of where a use stands: its state in every answer, its supplier and
history in `GET .../redemptions/{id}`, an issued code in the create answer only."""

from __future__ import annotations

from datetime import date

import pytest

from bookshelf.fulfilment.pools import code_fingerprint, code_seal
from bookshelf.fulfilment.services import Actor, Change, fulfilment_transition
from bookshelf.models import (
    ActorKind,
    CodePool,
    FulfilmentState,
    PoolCode,
    QuotaBalance,
    RedemptionStatus,
)
from customers.models import Tier
from tests.bookshelf.api.conftest import post_json
from tests.factories import make_benefit, make_customer, make_supplier

pytestmark = pytest.mark.django_db


def url(customer):
    return f"/api/v1/customers/{customer.customer_no}/redemptions"


@pytest.fixture
def coupon():
    benefit = make_benefit(cells={Tier.GOLD: 3}, fulfilment_kind="issued", name="Coffee")
    supplier = make_supplier("cafe-co", benefits=[benefit], name="Cafe Co.")
    pool = CodePool.objects.create(benefit=benefit, supplier=supplier)
    for code in ("CAFE-0001", "CAFE-0002"):
        PoolCode.objects.create(
            pool=pool,
            code_encrypted=code_seal(code),
            code_hash=code_fingerprint(code),
            valid_until=date(2099, 3, 31),
        )
    return benefit


def test_an_instant_use_is_fulfilled_at_once(app_api):
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 2})
    body = post_json(app_api, url(customer), {"benefit": benefit.code}).json()
    assert (body["status"], body["state"], body["fulfilment"]) == ("completed", "fulfilled", None)
    assert body["code"] is None
    detail = app_api.get(f"{url(customer)}/{body['id']}").json()
    assert (detail["state"], detail["history"]) == ("fulfilled", [])


def test_a_booked_use_shows_its_supplier_state_and_history(app_api):
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 2}, fulfilment_kind="booked")
    supplier = make_supplier("escort-co", benefits=[benefit], name="Escort Co.")
    created = post_json(app_api, url(customer), {"benefit": benefit.code})
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["status"], body["state"]) == ("held", "requested")
    assert body["fulfilment"] == {
        "supplier": {"code": "escort-co", "name": "Escort Co."},
        "appointment_at": None,
        "place": "",
    }
    from bookshelf.models import Fulfilment

    fulfilment = Fulfilment.objects.get(redemption_id=body["id"])
    fulfilment_transition(
        fulfilment_id=fulfilment.pk,
        target=FulfilmentState.BOOKED,
        actor=Actor(ActorKind.SUPPLIER, supplier=supplier),
        change=Change(appointment_at=fulfilment.created_at, place="Ward 3", event_id="e1"),
    )
    detail = app_api.get(f"{url(customer)}/{body['id']}")
    assert detail.status_code == 200
    detail = detail.json()
    assert detail["state"] == "booked" and detail["fulfilment"]["place"] == "Ward 3"
    assert [(e["from_state"], e["to_state"], e["by"]) for e in detail["history"]] == [
        ("", "requested", "client"),
        ("requested", "booked", "supplier"),
    ]
    assert "code" not in detail
    listed = app_api.get(url(customer)).json()["results"]
    assert [(r["id"], r["state"]) for r in listed] == [(body["id"], "booked")]


def test_an_issued_code_is_shown_once_never_in_a_replay_a_get_or_a_list(app_api, coupon):
    customer = make_customer(tier=Tier.GOLD)
    first = post_json(app_api, url(customer), {"benefit": coupon.code}, key="coffee-1")
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["state"] == "issued"
    assert body["code"] in {"CAFE-0001", "CAFE-0002"}
    assert body["code_valid_until"] == "2099-03-31"
    shown = body["code"]
    replay = post_json(app_api, url(customer), {"benefit": coupon.code}, key="coffee-1")
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json()["code"] is None
    assert replay.json()["id"] == body["id"]
    assert {k: v for k, v in replay.json().items() if k != "code"} == {
        k: v for k, v in body.items() if k != "code"
    }
    for read in (app_api.get(f"{url(customer)}/{body['id']}"), app_api.get(url(customer))):
        assert read.status_code == 200
        assert shown not in read.content.decode()
    from bookshelf.models import IdempotencyRecord

    assert all(shown not in str(r.body) for r in IdempotencyRecord.objects.all())


def test_cancelling_a_held_use_gives_it_back_through_the_fulfilment(app_api):
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 2}, fulfilment_kind="booked")
    make_supplier("escort-co", benefits=[benefit])
    body = post_json(app_api, url(customer), {"benefit": benefit.code}).json()
    cancelled = app_api.post(f"{url(customer)}/{body['id']}/cancel", {}, format="json")
    assert cancelled.status_code == 200, cancelled.content
    assert (cancelled.json()["status"], cancelled.json()["state"]) == ("cancelled", "cancelled")
    balance = QuotaBalance.objects.get(holder=customer, benefit=benefit)
    assert (balance.used, balance.held) == (0, 0)
    again = app_api.post(f"{url(customer)}/{body['id']}/cancel", {}, format="json")
    assert again.status_code == 409
    assert again.json()["state"] == "cancelled"


def test_a_delivered_use_cannot_be_cancelled_and_says_its_state(app_api):
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 2}, fulfilment_kind="booked")
    supplier = make_supplier("escort-co", benefits=[benefit])
    body = post_json(app_api, url(customer), {"benefit": benefit.code}).json()
    from bookshelf.models import Fulfilment, Redemption

    fulfilment = Fulfilment.objects.get(redemption_id=body["id"])
    actor = Actor(ActorKind.SUPPLIER, supplier=supplier)
    for target, event_id in ((FulfilmentState.BOOKED, "e1"), (FulfilmentState.FULFILLED, "e2")):
        fulfilment_transition(
            fulfilment_id=fulfilment.pk,
            target=target,
            actor=actor,
            change=Change(appointment_at=fulfilment.created_at, event_id=event_id),
        )
    refused = app_api.post(f"{url(customer)}/{body['id']}/cancel", {}, format="json")
    assert refused.status_code == 409
    assert (refused.json()["code"], refused.json()["state"]) == ("illegal_transition", "fulfilled")
    assert Redemption.objects.get(pk=body["id"]).status == RedemptionStatus.COMPLETED
