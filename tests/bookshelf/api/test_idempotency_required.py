"""A use or a purchase spends something: without an Idempotency-Key a retried request could
spend twice, so the API refuses it (400 `idempotency_key_required`) and nothing changes."""

from decimal import Decimal

import pytest

from bookshelf.models import IdempotencyRecord, Purchase, QuotaBalance, Redemption
from customers.models import Tier
from tests.factories import make_benefit, make_customer

pytestmark = pytest.mark.django_db


def _nothing_spent():
    return (
        Redemption.objects.count(),
        Purchase.objects.count(),
        sum(QuotaBalance.objects.values_list("used", flat=True)),
        IdempotencyRecord.objects.count(),
    )


@pytest.mark.parametrize(
    "headers", [{}, {"HTTP_IDEMPOTENCY_KEY": ""}, {"HTTP_IDEMPOTENCY_KEY": "  "}]
)
def test_a_use_without_an_idempotency_key_is_refused_and_spends_nothing(app_api, headers):
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 2})
    before = _nothing_spent()
    response = app_api.post(
        f"/api/v1/customers/{customer.customer_no}/redemptions",
        {"benefit": benefit.code},
        format="json",
        **headers,
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "idempotency_key_required"
    assert "Idempotency-Key" in body["message"]
    assert list(body["fields"]) == ["Idempotency-Key"]
    assert _nothing_spent() == before


@pytest.mark.parametrize("headers", [{}, {"HTTP_IDEMPOTENCY_KEY": ""}])
def test_a_purchase_without_an_idempotency_key_is_refused_and_buys_nothing(app_api, headers):
    customer = make_customer(tier=Tier.ORDINARY)
    benefit = make_benefit(kind="paid", price=Decimal("99.00"))
    before = _nothing_spent()
    response = app_api.post(
        f"/api/v1/customers/{customer.customer_no}/purchases",
        {"benefit": benefit.code, "quantity": 1, "payment_reference": "PAY-NOKEY"},
        format="json",
        **headers,
    )
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_required"
    assert _nothing_spent() == before


def test_a_staff_session_needs_a_key_too(app_api):
    """The rule is the API's, whoever calls: an agent's session is refused the same way."""
    from rest_framework.test import APIClient

    from tests.bookshelf.api.test_auth import as_agent
    from tests.factories import AgentFactory

    agent = as_agent(AgentFactory())
    customer = make_customer(tier=Tier.GOLD, agent=agent)
    benefit = make_benefit(cells={Tier.GOLD: 2})
    api = APIClient()
    api.force_login(agent.user)
    url = f"/api/v1/customers/{customer.customer_no}/redemptions"
    refused = api.post(url, {"benefit": benefit.code}, format="json")
    assert refused.status_code == 400
    assert refused.json()["code"] == "idempotency_key_required"
    assert not Redemption.objects.exists()
    done = api.post(url, {"benefit": benefit.code}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert done.status_code == 201


def test_with_a_key_a_retry_is_answered_the_first_response_with_the_replay_header(app_api):
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 2})
    url = f"/api/v1/customers/{customer.customer_no}/redemptions"
    first = app_api.post(url, {"benefit": benefit.code}, format="json", HTTP_IDEMPOTENCY_KEY="r-1")
    again = app_api.post(url, {"benefit": benefit.code}, format="json", HTTP_IDEMPOTENCY_KEY="r-1")
    assert first.status_code == again.status_code == 201
    assert "Idempotent-Replayed" not in first
    assert again["Idempotent-Replayed"] == "true"
    assert first.json() == again.json()
    assert Redemption.objects.count() == 1


def test_an_unknown_customer_is_still_404_before_the_key_is_asked_for(app_api):
    response = app_api.post("/api/v1/customers/C999/redemptions", {"benefit": "X"}, format="json")
    assert response.status_code == 404
