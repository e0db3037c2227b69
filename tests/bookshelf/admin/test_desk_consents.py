"""The desk's Consents card: each purpose's state and whether pushes on its channel are open,
and the agent records a consent given or withdrawn (POST, one-time token, the service)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from customers.models import Consent, ConsentChannel
from tests.bookshelf.admin.conftest import Office
from tests.factories import make_benefit, make_customer

pytestmark = pytest.mark.django_db


def _consent_url(customer) -> str:
    return reverse("admin:customers_customer_consent", args=[customer.pk])


def _desk(client, customer) -> str:
    response = client.get(reverse("admin:customers_customer_change", args=[customer.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_card_shows_each_purpose_and_whether_pushes_are_blocked(office: Office):
    make_benefit(cells={20: 2})
    customer = make_customer(tier=20, agent=office.agent, consent=False)
    body = _desk(office.client_for(office.agent.user), customer)
    assert 'id="consents"' in body
    assert body.count("Never asked") == 2
    assert "Pushes by SMS: blocked, no consent" in body
    assert "Pushes by App message: blocked, no consent" in body


def test_the_agent_gives_then_withdraws_a_consent_at_the_desk(office: Office):
    customer = make_customer(tier=20, agent=office.agent, consent=False)
    client = office.client_for(office.agent.user)
    give = {
        "token": "t-1",
        "purpose": "marketing_sms",
        "granted": "1",
        "channel": ConsentChannel.PHONE,
        "text_version": "sms-v1",
    }
    response = client.post(_consent_url(customer), give)
    assert response.status_code == 302 and response.url.endswith("#consents")
    record = Consent.objects.get(customer=customer)
    assert (record.granted, record.channel, record.text_version, record.recorded_by) == (
        True,
        "phone",
        "sms-v1",
        office.agent.user,
    )
    assert "Pushes by SMS: allowed" in _desk(client, customer)
    client.post(_consent_url(customer), give)  # the same form again: its token is spent
    assert Consent.objects.filter(customer=customer).count() == 1
    withdraw = {**give, "token": "t-2", "granted": "0", "channel": "agent_desk"}
    client.post(_consent_url(customer), withdraw)
    assert [c.granted for c in Consent.objects.filter(customer=customer)] == [False, True]


def test_bad_desk_input_records_nothing(office: Office):
    customer = make_customer(tier=20, agent=office.agent, consent=False)
    client = office.client_for(office.agent.user)
    base = {"token": "t", "purpose": "marketing_sms", "granted": "1", "text_version": "sms-v1"}
    for body in (
        {**base, "channel": "app"},  # an agent may not claim the customer's app
        {**base, "channel": "phone", "text_version": "sms-v0"},
        {**base, "channel": "phone", "purpose": "newsletter"},
    ):
        response = client.post(_consent_url(customer), body, follow=True)
        assert response.status_code == 200
        assert list(response.context["messages"])
    assert not Consent.objects.filter(customer=customer).exists()


def test_only_agents_of_the_customer_may_record_and_product_staff_see_no_card(office: Office):
    customer = office.mine
    body = {"token": "t", "purpose": "marketing_sms", "granted": "0", "channel": "phone"}
    url = _consent_url(customer)
    assert office.client_for(office.other_agent.user).post(url, body).status_code == 404
    assert office.client_for(office.product).post(url, body).status_code == 403
    assert 'id="consents"' not in _desk(office.client_for(office.product), customer)
    assert not Consent.objects.filter(customer=customer, granted=False).exists()
    assert office.client_for(office.supervisor.user).post(url, body).status_code == 302
    assert Consent.objects.filter(customer=customer, granted=False).count() == 1


def test_the_card_costs_the_same_queries_however_long_the_history(office: Office):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from customers.services import consent_give, consent_withdraw

    customer = office.mine
    client = office.client_for(office.agent.user)
    _desk(client, customer)  # warm the shelf cache

    def desk_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            _desk(client, customer)
        return len(queries)

    before = desk_queries()
    for _ in range(5):
        for purpose in ("marketing_sms", "marketing_app_message"):
            consent_withdraw(customer=customer, purpose=purpose, channel="phone")
            consent_give(
                customer=customer,
                purpose=purpose,
                channel="phone",
                text_version="sms-v1" if purpose == "marketing_sms" else "app-message-v1",
            )
    assert desk_queries() == before
