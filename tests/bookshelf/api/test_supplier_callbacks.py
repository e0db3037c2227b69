"""Supplier callbacks: the signature is the authentication, a supplier sees and moves only its
own fulfilments, a retried event changes nothing, an illegal one says where the request
stands."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from bookshelf.fulfilment.services import (
    supplier_key_create,
    supplier_key_rotate,
    supplier_sign,
    supplier_signature_verify,
    use_cancel,
    use_request,
)
from bookshelf.models import (
    Fulfilment,
    FulfilmentEvent,
    FulfilmentState,
    QuotaBalance,
    RedemptionStatus,
    SupplierKey,
)
from config.exceptions import DomainError
from customers.models import Tier
from customers.pii import decrypt_value
from tests.bookshelf.api.supplier_calls import events_url, signed
from tests.factories import make_benefit, make_customer, make_supplier

pytestmark = pytest.mark.django_db

LATER = (timezone.now() + timedelta(days=10)).isoformat()


@pytest.fixture
def escort():
    """A booked benefit, its supplier with a key, one requested use of it."""
    benefit = make_benefit(cells={Tier.GOLD: 3}, fulfilment_kind="booked", name="Escort")
    supplier = make_supplier("escort-co", benefits=[benefit])
    key, secret = supplier_key_create(supplier=supplier)
    customer = make_customer(tier=Tier.GOLD, name="王小明")
    use = use_request(customer=customer, benefit_code=benefit.code)
    return supplier, key, secret, use.fulfilment, customer, benefit


def _book(supplier, key, secret, fulfilment, event_id="evt-1", **kwargs):
    body = {"event_id": event_id, "type": "booked", "appointment_at": LATER, **kwargs}
    return signed("post", events_url(supplier, fulfilment.pk), key.key_id, secret, body)


def _state(fulfilment) -> str:
    return Fulfilment.objects.get(pk=fulfilment.pk).state


# -- keys -------------------------------------------------------------------------------------
def test_a_key_is_made_with_its_secret_encrypted_at_rest():
    supplier = make_supplier("doc-platform")
    key, secret = supplier_key_create(supplier=supplier)
    assert key.key_id.startswith("sk_") and len(secret) >= 40
    assert secret not in key.secret_encrypted
    assert decrypt_value(key.secret_encrypted) == secret


def test_a_rotation_keeps_the_old_key_for_the_overlap_only():
    supplier = make_supplier("doc-platform")
    old, old_secret = supplier_key_create(supplier=supplier)
    new, new_secret = supplier_key_rotate(supplier=supplier, overlap_hours=24)
    old.refresh_from_db()
    now = timezone.now()
    assert new.expires_at is None
    assert now + timedelta(hours=23) < old.expires_at <= now + timedelta(hours=24)

    def verify(key, secret, at):
        header = supplier_sign(secret, int(at.timestamp()), b"{}")
        return supplier_signature_verify(
            supplier=supplier, key_id=key.key_id, header=header, body=b"{}", now=at
        )

    assert verify(old, old_secret, now + timedelta(hours=23)) == old
    with pytest.raises(DomainError) as refused:
        verify(old, old_secret, now + timedelta(hours=25))
    assert refused.value.code == "signature_invalid" and refused.value.status == 401
    assert verify(new, new_secret, now + timedelta(hours=25)) == new


def test_a_second_rotation_never_extends_an_older_key():
    supplier = make_supplier("doc-platform")
    first, _s = supplier_key_create(supplier=supplier)
    supplier_key_rotate(supplier=supplier, overlap_hours=1)
    supplier_key_rotate(supplier=supplier, overlap_hours=48)
    first.refresh_from_db()
    assert first.expires_at <= timezone.now() + timedelta(hours=1)
    assert SupplierKey.objects.filter(supplier=supplier, expires_at__isnull=True).count() == 1


# -- the signature ----------------------------------------------------------------------------
def test_a_signed_booking_moves_the_fulfilment(escort):
    supplier, key, secret, fulfilment, _c, _b = escort
    response = _book(supplier, key, secret, fulfilment, place="Ward 3", reference="R-9")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "booked"
    assert body["id"] == fulfilment.pk and body["redemption"] == fulfilment.redemption_id
    assert body["place"] == "Ward 3" and body["reference"] == "R-9"
    assert body["appointment_at"] is not None
    assert [e["to_state"] for e in body["history"]] == ["requested", "booked"]
    assert "Idempotent-Replayed" not in response
    assert _state(fulfilment) == FulfilmentState.BOOKED


@pytest.mark.parametrize(
    "tamper",
    ["wrong secret", "tampered body", "no signature", "malformed", "unknown key"],
)
def test_a_bad_signature_is_401_and_changes_nothing(escort, tamper):
    supplier, key, secret, fulfilment, _c, _b = escort
    url = events_url(supplier, fulfilment.pk)
    body = {"event_id": "evt-1", "type": "booked", "appointment_at": LATER}
    if tamper == "wrong secret":
        response = signed("post", url, key.key_id, secret + "x", body)
    elif tamper == "tampered body":
        raw = json.dumps({**body, "type": "failed"}).encode()
        response = signed("post", url, key.key_id, secret, body, raw=raw)
    elif tamper == "unknown key":
        response = signed("post", url, "sk_nothing", secret, body)
    else:
        from rest_framework.test import APIClient

        headers = (
            {}
            if tamper == "no signature"
            else {
                "HTTP_X_BOOKSHELF_KEY": key.key_id,
                "HTTP_X_BOOKSHELF_SIGNATURE": "t=abc,v1=",
            }
        )
        response = APIClient().post(url, body, format="json", **headers)
    assert response.status_code == 401, response.content
    assert response.json()["code"] == "signature_invalid"
    assert _state(fulfilment) == FulfilmentState.REQUESTED


@pytest.mark.parametrize("offset", [-301, 301, -3600])
def test_a_signature_outside_five_minutes_either_way_is_refused(escort, offset):
    supplier, key, secret, fulfilment, _c, _b = escort
    body = {"event_id": "evt-1", "type": "booked", "appointment_at": LATER}
    response = signed(
        "post", events_url(supplier, fulfilment.pk), key.key_id, secret, body,
        at=time.time() + offset,
    )  # fmt: skip
    assert response.status_code == 401
    assert response.json()["code"] == "signature_expired"
    assert _state(fulfilment) == FulfilmentState.REQUESTED


def test_a_signature_inside_the_window_is_accepted(escort):
    supplier, key, secret, fulfilment, _c, _b = escort
    body = {"event_id": "evt-1", "type": "booked", "appointment_at": LATER}
    response = signed(
        "post", events_url(supplier, fulfilment.pk), key.key_id, secret, body,
        at=time.time() - 290,
    )  # fmt: skip
    assert response.status_code == 200


def test_another_supplier_s_key_is_refused(escort):
    supplier, _key, _secret, fulfilment, _c, _b = escort
    other = make_supplier("rescue-co")
    other_key, other_secret = supplier_key_create(supplier=other)
    body = {"event_id": "evt-1", "type": "booked", "appointment_at": LATER}
    response = signed(
        "post", events_url(supplier, fulfilment.pk), other_key.key_id, other_secret, body
    )
    assert response.status_code == 401
    assert response.json()["code"] == "signature_invalid"
    assert _state(fulfilment) == FulfilmentState.REQUESTED


def test_a_rotated_key_works_through_the_api_during_the_overlap(escort):
    supplier, key, secret, fulfilment, _c, _b = escort
    new, new_secret = supplier_key_rotate(supplier=supplier, overlap_hours=24)
    assert _book(supplier, key, secret, fulfilment).status_code == 200
    SupplierKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    refused = _book(supplier, key, secret, fulfilment, event_id="evt-2")
    assert refused.status_code == 401 and refused.json()["code"] == "signature_invalid"
    assert _book(supplier, new, new_secret, fulfilment, event_id="evt-3").status_code == 200


def test_an_unknown_supplier_code_answers_like_a_bad_signature(escort):
    _supplier, key, secret, fulfilment, _c, _b = escort
    body = {"event_id": "evt-1", "type": "booked", "appointment_at": LATER}
    response = signed(
        "post", f"/api/v1/suppliers/nobody/fulfilments/{fulfilment.pk}/events",
        key.key_id, secret, body,
    )  # fmt: skip
    assert response.status_code == 401 and response.json()["code"] == "signature_invalid"


def test_an_inactive_supplier_is_refused_with_a_code(escort):
    supplier, key, secret, fulfilment, _c, _b = escort
    supplier.active = False
    supplier.save(update_fields=["active"])
    response = _book(supplier, key, secret, fulfilment)
    assert response.status_code == 403
    assert response.json()["code"] == "supplier_inactive"
    assert _state(fulfilment) == FulfilmentState.REQUESTED


def test_a_bearer_token_is_not_a_signature(escort, app_api):
    supplier, _key, _secret, fulfilment, _c, _b = escort
    response = app_api.post(
        events_url(supplier, fulfilment.pk),
        {"event_id": "e", "type": "booked", "appointment_at": LATER},
        format="json",
    )
    assert response.status_code == 401 and response.json()["code"] == "signature_invalid"


# -- events -----------------------------------------------------------------------------------
def test_a_booking_needs_its_appointment(escort):
    supplier, key, secret, fulfilment, _c, _b = escort
    body = {"event_id": "evt-1", "type": "booked"}
    response = signed("post", events_url(supplier, fulfilment.pk), key.key_id, secret, body)
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "appointment_at": ["A booking needs its appointment time."]
    }


def test_an_unknown_event_type_is_400(escort):
    supplier, key, secret, fulfilment, _c, _b = escort
    body = {"event_id": "evt-1", "type": "exploded"}
    response = signed("post", events_url(supplier, fulfilment.pk), key.key_id, secret, body)
    assert response.status_code == 400 and "type" in response.json()["fields"]


def test_a_replayed_event_changes_nothing_and_says_so(escort):
    supplier, key, secret, fulfilment, customer, benefit = escort
    answers = [_book(supplier, key, secret, fulfilment) for _ in range(10)]
    assert {a.status_code for a in answers} == {200}
    assert "Idempotent-Replayed" not in answers[0]
    assert all(a["Idempotent-Replayed"] == "true" for a in answers[1:])
    assert {a.json()["state"] for a in answers} == {"booked"}
    assert FulfilmentEvent.objects.filter(fulfilment=fulfilment, to_state="booked").count() == 1
    balance = QuotaBalance.objects.get(holder=customer, benefit=benefit)
    assert (balance.used, balance.held) == (1, 1)


def test_an_event_id_reused_for_another_event_is_409_with_the_state(escort):
    supplier, key, secret, fulfilment, _c, _b = escort
    _book(supplier, key, secret, fulfilment)
    body = {"event_id": "evt-1", "type": "fulfilled"}
    response = signed("post", events_url(supplier, fulfilment.pk), key.key_id, secret, body)
    assert response.status_code == 409
    assert response.json()["code"] == "event_id_reused"
    assert response.json()["state"] == "booked"
    assert _state(fulfilment) == FulfilmentState.BOOKED


def test_an_illegal_event_is_409_with_the_current_state(escort):
    supplier, key, secret, fulfilment, _c, _b = escort
    use_cancel(redemption=fulfilment.redemption, reason="changed my mind")
    body = {"event_id": "evt-9", "type": "fulfilled"}
    response = signed("post", events_url(supplier, fulfilment.pk), key.key_id, secret, body)
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "illegal_transition"
    assert body["state"] == "cancelled"
    assert _state(fulfilment) == FulfilmentState.CANCELLED


def test_fulfilled_settles_the_hold(escort):
    supplier, key, secret, fulfilment, customer, benefit = escort
    _book(supplier, key, secret, fulfilment)
    body = {"event_id": "evt-2", "type": "fulfilled"}
    response = signed("post", events_url(supplier, fulfilment.pk), key.key_id, secret, body)
    assert response.status_code == 200 and response.json()["state"] == "fulfilled"
    balance = QuotaBalance.objects.get(holder=customer, benefit=benefit)
    assert (balance.used, balance.held) == (1, 0)
    fulfilment.redemption.refresh_from_db()
    assert fulfilment.redemption.status == RedemptionStatus.COMPLETED


def test_another_supplier_s_fulfilment_looks_exactly_like_a_missing_one(escort):
    _supplier, _key, _secret, fulfilment, _c, _b = escort
    other = make_supplier("rescue-co")
    key, secret = supplier_key_create(supplier=other)
    body = {"event_id": "evt-1", "type": "failed"}
    theirs = signed("post", events_url(other, fulfilment.pk), key.key_id, secret, body)
    missing = signed("post", events_url(other, 99_999_999), key.key_id, secret, body)
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()
    read = signed("get", f"/api/v1/suppliers/{other.code}/fulfilments/{fulfilment.pk}",
                  key.key_id, secret)  # fmt: skip
    read_missing = signed("get", f"/api/v1/suppliers/{other.code}/fulfilments/99999999",
                          key.key_id, secret)  # fmt: skip
    assert read.status_code == read_missing.status_code == 404
    assert read.json() == read_missing.json()
    assert _state(fulfilment) == FulfilmentState.REQUESTED


# -- the supplier's reads ---------------------------------------------------------------------
def test_the_open_work_list_is_the_supplier_s_own_with_a_masked_name(escort):
    supplier, key, secret, fulfilment, customer, benefit = escort
    other_benefit = make_benefit(cells={Tier.GOLD: 3}, fulfilment_kind="booked")
    make_supplier("rescue-co", benefits=[other_benefit])
    use_request(customer=customer, benefit_code=other_benefit.code)
    url = f"/api/v1/suppliers/{supplier.code}/fulfilments"
    response = signed("get", url + "?state=requested", key.key_id, secret)
    assert response.status_code == 200, response.content
    body = response.json()
    assert [row["id"] for row in body["results"]] == [fulfilment.pk]
    row = body["results"][0]
    assert row["beneficiary"] == "王**"
    assert row["benefit"]["code"] == benefit.code
    text = response.content.decode()
    for secret_value in (customer.phone, customer.id_number, customer.customer_no, "王小明"):
        assert secret_value not in text
    _book(supplier, key, secret, fulfilment)
    assert signed("get", url + "?state=requested", key.key_id, secret).json()["count"] == 0
    assert signed("get", url, key.key_id, secret).json()["count"] == 1  # open: booked too
    assert signed("get", url + "?state=nope", key.key_id, secret).status_code == 400
    assert signed("get", url + "?stat=booked", key.key_id, secret).status_code == 400


def test_the_signed_get_of_one_fulfilment_has_its_history(escort):
    supplier, key, secret, fulfilment, _c, _b = escort
    _book(supplier, key, secret, fulfilment)
    url = f"/api/v1/suppliers/{supplier.code}/fulfilments/{fulfilment.pk}"
    body = signed("get", url, key.key_id, secret).json()
    assert body["state"] == "booked"
    assert [(e["from_state"], e["to_state"], e["by"]) for e in body["history"]] == [
        ("", "requested", "client"),
        ("requested", "booked", "supplier"),
    ]
    assert body["history"][1]["event_id"] == "evt-1"


@pytest.mark.parametrize("at", ["1459-04-01T01:13:12-13:18", "2206-01-01T00:00:00+08:00"])
def test_an_appointment_centuries_away_is_400(escort, at):
    supplier, key, secret, fulfilment, _c, _b = escort
    body = {"event_id": "evt-1", "type": "booked", "appointment_at": at}
    response = signed("post", events_url(supplier, fulfilment.pk), key.key_id, secret, body)
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["appointment_at"]
    assert _state(fulfilment) == FulfilmentState.REQUESTED


def test_each_supplier_has_its_own_request_budget(monkeypatch):
    """The supplier throttle counts per supplier (its own cache key), not per principal: one
    supplier using up its budget leaves another's whole."""
    from bookshelf.api.suppliers import SupplierRateThrottle

    monkeypatch.setattr(SupplierRateThrottle, "THROTTLE_RATES", {"supplier": "2/day"})
    first, second = make_supplier("first-co"), make_supplier("second-co")
    keys = {s.code: supplier_key_create(supplier=s) for s in (first, second)}

    def listing(supplier):
        key, secret = keys[supplier.code]
        url = f"/api/v1/suppliers/{supplier.code}/fulfilments"
        return signed("get", url, key.key_id, secret).status_code

    assert [listing(first) for _ in range(3)] == [200, 200, 429]
    assert listing(second) == 200
