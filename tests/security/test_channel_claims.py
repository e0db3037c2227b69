"""A caller claims only the channels it may: an app client records uses on the channels it
was given (the app, by default), never as made by an agent; staff sessions record agent,
phone or counter uses, never "app". The same for a demand signal's "asked by"."""

from io import StringIO

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from bookshelf.integrations.services import api_client_create
from bookshelf.models import ApiClient, DemandSignal, IdempotencyRecord, QuotaBalance, Redemption
from customers.models import Tier
from tests.bookshelf.api.conftest import post_json
from tests.factories import make_benefit, make_customer

pytestmark = pytest.mark.django_db


def _api(token):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api


def _url(customer):
    return f"/api/v1/customers/{customer.customer_no}/redemptions"


@pytest.mark.parametrize("channel", ["agent", "phone", "counter"])
def test_an_app_client_may_not_claim_a_staff_channel(app_api, channel):
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 2})
    response = post_json(
        app_api, _url(customer), {"benefit": benefit.code, "channel": channel}, key="k-1"
    )
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "channel_not_allowed"
    assert "channel" in body["fields"]
    assert not Redemption.objects.exists()
    assert not QuotaBalance.objects.filter(used__gt=0).exists()
    assert not IdempotencyRecord.objects.exists()  # the key is free for a corrected retry


def test_an_app_client_records_app_uses_by_default(app_api):
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 2})
    assert ApiClient.objects.get().channels == ["app"]
    response = post_json(app_api, _url(customer), {"benefit": benefit.code})
    assert response.status_code == 201
    assert response.json()["channel"] == "app"


def test_a_call_centre_client_gets_its_channel_and_its_default():
    _client, token = api_client_create(name="call-centre", channels=["phone"])
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 3})
    api = _api(token)
    assert post_json(api, _url(customer), {"benefit": benefit.code}).json()["channel"] == "phone"
    assert (
        post_json(api, _url(customer), {"benefit": benefit.code, "channel": "app"}).json()["code"]
        == "channel_not_allowed"
    )
    assert Redemption.objects.count() == 1


def test_unknown_channels_are_refused_when_creating_a_client():
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        call_command("create_api_client", "x", "--channels", "fax", stdout=StringIO())
    assert not ApiClient.objects.exists()


def test_create_api_client_takes_channels():
    out = StringIO()
    call_command("create_api_client", "desk-kiosk", "--channels", "counter", "app", stdout=out)
    assert ApiClient.objects.get(name="desk-kiosk").channels == ["counter", "app"]
    assert "counter" in out.getvalue()
    call_command("create_api_client", "app2", stdout=StringIO())
    assert ApiClient.objects.get(name="app2").channels == ["app"]


def test_staff_sessions_claim_staff_channels_not_the_app(office, gold_benefit):
    api = APIClient()
    api.force_login(office.agent.user)
    url = _url(office.mine)
    refused = api.post(
        url,
        {"benefit": gold_benefit.code, "channel": "app"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="c1",
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "channel_not_allowed"
    phone = api.post(
        url,
        {"benefit": gold_benefit.code, "channel": "phone"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="c2",
    )
    assert phone.status_code == 201, phone.json()
    assert phone.json()["channel"] == "phone"
    assert Redemption.objects.get().channel == "phone"


def test_an_app_client_may_not_say_an_agent_asked(app_api):
    response = post_json(app_api, "/api/v1/demand-signals", {"text": "Pet vet", "source": "agent"})
    assert response.status_code == 403
    assert response.json()["code"] == "channel_not_allowed"
    assert "source" in response.json()["fields"]
    assert not DemandSignal.objects.exists()
    ok = post_json(app_api, "/api/v1/demand-signals", {"text": "Pet vet"})
    assert ok.status_code == 201
    assert DemandSignal.objects.get().source == "customer"


def test_a_client_with_the_agent_channel_may_say_an_agent_asked():
    _client, token = api_client_create(name="crm", channels=["agent"])
    response = post_json(
        _api(token), "/api/v1/demand-signals", {"text": "Pet vet", "source": "agent"}
    )
    assert response.status_code == 201
    assert DemandSignal.objects.get().source == "agent"


def test_the_api_client_admin_shows_and_validates_channels(office):
    client, _token = api_client_create(name="app-x")
    admin = office.client_for(office.superuser)
    page = admin.get("/admin/bookshelf/apiclient/")
    assert page.status_code == 200
    assert "channels" in page.content.decode().lower()
    change = admin.get(f"/admin/bookshelf/apiclient/{client.pk}/change/")
    assert 'name="channels"' in change.content.decode()
