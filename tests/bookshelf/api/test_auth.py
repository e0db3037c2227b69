from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from bookshelf.integrations.selectors import token_digest
from bookshelf.integrations.services import api_client_create, api_client_revoke
from bookshelf.models import ApiClient, ApiScope
from bookshelf.roles import AGENT, AGENT_SUPERVISOR
from customers.models import Tier
from tests.factories import AgentFactory, UserFactory, make_benefit, make_customer

pytestmark = pytest.mark.django_db


def as_agent(agent, group: str = AGENT):
    """An agent whose user is in the staff group real agents are in."""
    agent.user.groups.add(Group.objects.get(name=group))
    return agent


def bookshelf_url(customer):
    return f"/api/v1/customers/{customer.customer_no}/bookshelf"


def test_anonymous_is_refused_with_the_error_shape():
    customer = make_customer()
    response = APIClient().get(bookshelf_url(customer))
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert set(response.json()) == {"code", "message", "fields"}


def test_unknown_token_is_refused():
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Bearer bks_not-a-real-token")
    response = api.get("/api/v1/categories")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_create_api_client_prints_the_token_once_and_stores_only_its_digest(capsys):
    call_command("create_api_client", "crm", "--scopes", "read", "redeem")
    token = capsys.readouterr().out.strip().splitlines()[-1]
    client = ApiClient.objects.get(name="crm")
    assert client.scopes == ["read", "redeem"]
    assert client.token_hash == token_digest(token)
    assert token not in {client.token_hash, client.token_prefix}
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get("/api/v1/categories").status_code == 200


def test_revoked_and_expired_tokens_stop_working():
    client, token = api_client_create(name="old")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get("/api/v1/categories").status_code == 200
    api_client_revoke(client=client)
    assert api.get("/api/v1/categories").status_code == 401

    _client, token2 = api_client_create(
        name="short", expires_at=timezone.now() - timedelta(seconds=1)
    )
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token2}")
    assert api.get("/api/v1/categories").status_code == 401


def test_read_only_client_cannot_redeem_or_buy(readonly_api):
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 2})
    url = f"/api/v1/customers/{customer.customer_no}/redemptions"
    response = readonly_api.post(url, {"benefit": benefit.code}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert customer.redemptions.count() == 0
    assert readonly_api.get(bookshelf_url(customer)).status_code == 200
    purchase = readonly_api.post(
        f"/api/v1/customers/{customer.customer_no}/purchases",
        {"benefit": benefit.code, "quantity": 1, "payment_reference": "P1"},
        format="json",
    )
    assert purchase.status_code == 403


def test_staff_session_sees_only_visible_customers():
    mine = as_agent(AgentFactory())
    other = as_agent(AgentFactory())
    my_customer = make_customer(agent=mine)
    their_customer = make_customer(agent=other)
    api = APIClient()
    api.force_login(mine.user)
    assert api.get(bookshelf_url(my_customer)).status_code == 200
    response = api.get(bookshelf_url(their_customer))
    assert response.status_code == 404
    # The same answer as for a customer that does not exist, and nothing of theirs echoed.
    assert response.json()["code"] == "customer_not_found"
    assert their_customer.customer_no not in response.content.decode()
    assert "name" not in response.json()


def test_supervisor_sees_the_team():
    supervisor = as_agent(AgentFactory(), AGENT_SUPERVISOR)
    member = AgentFactory(supervisor=supervisor)
    customer = make_customer(agent=member)
    api = APIClient()
    api.force_login(supervisor.user)
    assert api.get(bookshelf_url(customer)).status_code == 200


def test_non_staff_session_is_refused():
    user = UserFactory(is_staff=False)
    api = APIClient()
    api.force_login(user)
    assert api.get("/api/v1/categories").status_code == 403


def test_agent_session_redemption_records_channel_agent_and_who():
    agent = as_agent(AgentFactory())
    customer = make_customer(tier=Tier.GOLD, agent=agent)
    benefit = make_benefit(cells={Tier.GOLD: 2})
    api = APIClient()
    api.force_login(agent.user)
    response = api.post(
        f"/api/v1/customers/{customer.customer_no}/redemptions",
        {"benefit": benefit.code},
        format="json",
        HTTP_IDEMPOTENCY_KEY="agent-use-1",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["channel"] == "agent"
    assert customer.redemptions.get().recorded_by == agent.user


def test_throttling_limits_each_client_separately(monkeypatch, app_api, readonly_api):
    from bookshelf.api.auth import ClientRateThrottle

    monkeypatch.setattr(ClientRateThrottle, "THROTTLE_RATES", {"client": "3/min"})
    codes = [app_api.get("/api/v1/categories").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    throttled = app_api.get("/api/v1/categories")
    assert throttled.json()["code"] == "throttled"
    assert "Retry-After" in throttled
    assert readonly_api.get("/api/v1/categories").status_code == 200


def test_scopes_are_validated():
    from config.exceptions import DomainError

    with pytest.raises(DomainError):
        api_client_create(name="bad", scopes=["read", "launch-missiles"])
    assert ApiScope.READ in api_client_create(name="ok", scopes=["read"])[0].scopes


def test_admin_revoke_action_stops_the_token(client):
    api_client, token = api_client_create(name="to-revoke")
    admin_user = UserFactory(username="root", is_superuser=True)
    client.force_login(admin_user)
    response = client.post(
        "/admin/bookshelf/apiclient/",
        {"action": "revoke", "_selected_action": [api_client.pk]},
        follow=True,
    )
    assert response.status_code == 200
    api_client.refresh_from_db()
    assert api_client.revoked_at is not None
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get("/api/v1/categories").status_code == 401
    page = client.get(f"/admin/bookshelf/apiclient/{api_client.pk}/change/").content.decode()
    assert token not in page
