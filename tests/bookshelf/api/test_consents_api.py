"""GET/POST /api/v1/customers/{no}/consents: where each purpose stands with every change, and
giving or withdrawing one (scoped like every customer endpoint, idempotent, one error shape)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from bookshelf.integrations.services import api_client_create
from bookshelf.models import ApiScope, OutboxMessage, OutboxStatus
from bookshelf.reach.services import push_create, push_deliver
from customers.models import Consent
from tests.bookshelf.api.conftest import post_json
from tests.factories import make_benefit, make_customer

pytestmark = pytest.mark.django_db

GIVE_SMS = {
    "purpose": "marketing_sms",
    "granted": True,
    "channel": "app",
    "text_version": "sms-v1",
}


def url(customer) -> str:
    return f"/api/v1/customers/{customer.customer_no}/consents"


def test_give_then_withdraw_and_read_the_state_and_history(app_api):
    customer = make_customer(consent=False)
    body = app_api.get(url(customer)).json()
    assert [(c["purpose"], c["granted"], c["valid"]) for c in body["consents"]] == [
        ("marketing_app_message", False, False),
        ("marketing_sms", False, False),
    ]
    assert body["history"] == []
    given = post_json(app_api, url(customer), GIVE_SMS)
    assert given.status_code == 201, given.json()
    assert given.json() | {"recorded_at": None} == {
        "purpose": "marketing_sms",
        "granted": True,
        "valid": True,
        "channel": "app",
        "text_version": "sms-v1",
        "recorded_at": None,
        "recorded_by": "api-client:app-backend",
    }
    assert post_json(app_api, url(customer), GIVE_SMS).status_code == 200  # nothing new
    withdrawn = post_json(app_api, url(customer), {"purpose": "marketing_sms", "granted": False})
    assert withdrawn.status_code == 201 and withdrawn.json()["valid"] is False
    history = app_api.get(url(customer)).json()["history"]
    assert [(h["granted"], h["channel"], h["text_version"]) for h in history] == [
        (False, "app", ""),
        (True, "app", "sms-v1"),
    ]


def test_a_retry_with_the_same_idempotency_key_records_once(app_api):
    customer = make_customer(consent=False)
    first = post_json(app_api, url(customer), GIVE_SMS, key="consent-1")
    withdraw = {"purpose": "marketing_sms", "granted": False}
    post_json(app_api, url(customer), withdraw, key="consent-2")
    replay = post_json(app_api, url(customer), GIVE_SMS, key="consent-1")
    assert (first.status_code, replay.status_code) == (201, 201)
    assert replay["Idempotent-Replayed"] == "true" and replay.json() == first.json()
    assert Consent.objects.filter(customer=customer).count() == 2  # not given again
    other = post_json(app_api, url(customer), withdraw, key="consent-1")
    assert other.status_code == 422


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({**GIVE_SMS, "purpose": "newsletter"}, 400, "invalid", "purpose"),
        ({**GIVE_SMS, "granted": "perhaps"}, 400, "invalid", "granted"),
        ({**GIVE_SMS, "channel": "fax"}, 400, "invalid", "channel"),
        ({**GIVE_SMS, "text_version": "sms-v7"}, 400, "consent_text_unknown", "text_version"),
        ({**GIVE_SMS, "text_version": ""}, 400, "consent_text_unknown", "text_version"),
        ({**GIVE_SMS, "channel": "agent_desk"}, 403, "consent_channel_not_allowed", "channel"),
        ({"granted": True}, 400, "invalid", "purpose"),
    ],
)
def test_bad_input_is_a_clear_4xx_and_records_nothing(app_api, body, status, code, field):
    customer = make_customer(consent=False)
    response = post_json(app_api, url(customer), body)
    assert response.status_code == status
    error = response.json()
    assert error["code"] == code and field in error["fields"]
    assert not Consent.objects.exists()


def test_reading_needs_read_and_recording_needs_the_consent_scope(readonly_api):
    customer = make_customer(consent=False)
    assert readonly_api.get(url(customer)).status_code == 200
    assert post_json(readonly_api, url(customer), GIVE_SMS).status_code == 403
    _client, token = api_client_create(name="consents-only", scopes=[ApiScope.CONSENT])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert post_json(api, url(customer), GIVE_SMS).status_code == 201
    assert api.get(url(customer)).status_code == 403  # no read scope
    assert post_json(api, "/api/v1/customers/NOPE/consents", GIVE_SMS).status_code == 404


def test_a_withdrawal_through_the_api_stops_a_queued_push(
    app_api, django_capture_on_commit_callbacks
):
    benefit = make_benefit(cells={20: 2})
    customer = make_customer(tier=20)
    with django_capture_on_commit_callbacks(execute=False):
        push = push_create(customer=customer, benefit_code=benefit.code, channel="sms")
    withdrawn = post_json(app_api, url(customer), {"purpose": "marketing_sms", "granted": False})
    assert withdrawn.status_code == 201
    assert push_deliver(outbox_id=push.outbox.pk) == "refused"
    assert OutboxMessage.objects.get(pk=push.outbox.pk).status == OutboxStatus.REFUSED
