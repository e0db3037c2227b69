"""Real answers on the seeded demo validate against the published schema, strictly: every
documented field is there, no undocumented one, and a null only where the schema allows one.
Every GET operation is checked, and the writes an app makes."""

from __future__ import annotations

import uuid

import pytest

from bookshelf.devtools.demo import DemoBuilder
from bookshelf.integrations.services import api_client_create
from bookshelf.ledger.selectors import bookshelf_for_customer
from bookshelf.models import Purchase
from bookshelf.shelf.selectors import LIFETIME_START
from customers.models import Customer, Tier
from tests.bookshelf.api.schema_check import SchemaChecker, generated_schema
from tests.bookshelf.integrations.receiver import Receiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def _api(scopes=None):
    from rest_framework.test import APIClient

    _client, token = api_client_create(name=f"app-{uuid.uuid4().hex[:8]}", scopes=scopes)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api


def _post(api, url, body=None):
    return api.post(url, body or {}, format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))


def _read_every_customer(check, api, customers):
    for customer in customers:
        base = f"/api/v1/customers/{customer.customer_no}"
        shelf = check("customer_bookshelf_get", api.get(f"{base}/bookshelf"))
        for entry in (b for c in shelf["categories"] for b in c["benefits"]):
            assert entry["period_start"] != LIFETIME_START.isoformat()
            if entry["quota"] is None and entry["source"] == "tier":
                assert entry["period_start"] is None and entry["period_end"] is None
            assert entry["summary"], entry["code"]
        check("customer_redemptions_list", api.get(f"{base}/redemptions", {"page_size": 200}))
        check("customer_purchases_list", api.get(f"{base}/purchases"))
        check("customer_recommendations_get", api.get(f"{base}/recommendations", {"limit": 50}))
        check("customer_consents_get", api.get(f"{base}/consents"))


def _write_as_an_app(check, api, customer, receiver):
    base = f"/api/v1/customers/{customer.customer_no}"
    shelf = bookshelf_for_customer(customer=customer)
    usable = next(e for e in shelf.entries if e.remaining is None or e.remaining > 0)
    use = check(
        "customer_redemption_create", _post(api, f"{base}/redemptions", {"benefit": usable.code})
    )
    check(
        "customer_redemption_feedback_create",
        _post(api, f"{base}/redemptions/{use['id']}/feedback", {"score": 9}),
    )
    check("customer_redemption_cancel", _post(api, f"{base}/redemptions/{use['id']}/cancel"))
    check("customer_redemption_cancel", _post(api, f"{base}/redemptions/{use['id']}/cancel"))
    add_on = shelf.purchasable[0]
    check(
        "customer_purchase_create",
        _post(
            api,
            f"{base}/purchases",
            {"benefit": add_on.code, "payment_reference": f"PAY-{uuid.uuid4().hex[:8]}"},
        ),
    )
    check("customer_event_create", _post(api, f"{base}/events", {"kind": "trip_booked"}))
    check(
        "customer_consent_record",
        _post(api, f"{base}/consents", {"purpose": "marketing_sms", "granted": False}),
    )
    check(
        "demand_signal_create",
        _post(api, "/api/v1/demand-signals", {"text": "Pet vet", "customer": customer.customer_no}),
    )
    hook = check(
        "webhook_create",
        _post(api, "/api/v1/webhooks", {"name": "app", "url": receiver.url, "event_types": []}),
    )
    check("webhooks_list", api.get("/api/v1/webhooks"))
    check("webhook_secret_rotate", _post(api, f"/api/v1/webhooks/{hook['id']}/rotate-secret"))
    check("webhook_delete", api.delete(f"/api/v1/webhooks/{hook['id']}"))


def test_real_answers_on_the_demo_match_the_schema(tmp_path, receiver):
    DemoBuilder(customers=12, seed=42).run()
    checker = SchemaChecker(generated_schema(tmp_path))
    api = _api()
    check = checker.check
    customers = list(Customer.objects.order_by("customer_no"))
    assert {c.tier for c in customers} == set(Tier), "every tier is read"
    assert Purchase.objects.exists()
    _read_every_customer(check, api, customers)
    check("categories_list", api.get("/api/v1/categories"))
    page = check("benefits_list", api.get("/api/v1/benefits", {"page_size": 200}))
    assert {b["status"] for b in page["results"]} >= {"on_shelf"}
    for benefit in page["results"][:: max(1, len(page["results"]) // 20)]:
        check("benefit_get", api.get(f"/api/v1/benefits/{benefit['code']}"))
    hnw = next(c for c in customers if c.tier == Tier.HIGH_NET_WORTH)
    _write_as_an_app(check, api, hnw, receiver)
    # Errors validate too: the code is one of the enum.
    check("customer_bookshelf_get", api.get("/api/v1/customers/C0/bookshelf"))
    check(
        "customer_redemptions_list",
        api.get(f"/api/v1/customers/{hnw.customer_no}/redemptions", {"x": 1}),
    )
    check(
        "customer_redemption_create",
        api.post(f"/api/v1/customers/{hnw.customer_no}/redemptions", {}, format="json"),
    )

    every_get = {
        op["operationId"]
        for ops in checker.schema["paths"].values()
        for method, op in ops.items()
        if method == "get"
    }
    assert every_get <= {op for op, status in checker.checked if status == "200"}
    assert ("customer_redemption_cancel", "409") in checker.checked
