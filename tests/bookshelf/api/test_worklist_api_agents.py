"""The agents' own tokens and their follow-up calls through the API: a token acts as its
agent only, opens nothing else, stops at once when revoked; an agent reads and calls back
only their own detractors (a supervisor their team's)."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from bookshelf.integrations.services import api_client_create, api_client_revoke
from bookshelf.ledger.services import redemption_create
from bookshelf.models import ApiClient, ApiScope, DetractorFollowUp, FollowUpCall
from bookshelf.reach.services import feedback_record
from config.exceptions import DomainError
from customers.models import Agent, Customer, Tier
from tests.bookshelf.admin import conftest as admin_fixtures
from tests.bookshelf.admin.conftest import Office
from tests.factories import make_benefit

pytestmark = pytest.mark.django_db
office, gold_benefit, staff_groups = (
    admin_fixtures.office,
    admin_fixtures.gold_benefit,
    admin_fixtures.staff_groups,
)

ME = "/api/v1/agents/me"


def token_for(agent: Agent | None, *, scopes: list[str] | None = None, name: str = "") -> Any:
    client, token = api_client_create(
        name=name or f"app-{agent.agent_no if agent else 'none'}",
        scopes=scopes,
        agent_id=agent.pk if agent else None,
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    api.api_client = client  # type: ignore[attr-defined]
    return api


def session(user: Any) -> APIClient:
    api = APIClient()
    api.force_login(user)
    return api


def detractor(customer: Customer, benefit: Any, score: int = 3) -> DetractorFollowUp:
    use = redemption_create(customer=customer, benefit_code=benefit.code).redemption
    followup = feedback_record(redemption=use, score=score, comment="Late.").followup
    assert followup is not None
    return followup


# -- tokens -----------------------------------------------------------------------------------
def test_an_agent_token_has_the_worklist_scope_only(office: Office):
    client, _token = api_client_create(name="ann-phone", agent_id=office.agent.pk)
    assert client.scopes == [ApiScope.WORKLIST] and client.agent_id == office.agent.pk
    for scopes in (["worklist", "read"], ["read"], ApiScope.values):
        with pytest.raises(DomainError) as refused:
            api_client_create(name=f"x-{len(scopes)}", scopes=scopes, agent_id=office.agent.pk)
        assert refused.value.field == "scopes"
    assert not ApiClient.objects.filter(name__startswith="x-").exists()


def test_create_api_client_makes_an_agent_token(office: Office):
    out = StringIO()
    call_command("create_api_client", "ann-phone", "--agent", office.agent.agent_no, stdout=out)
    client = ApiClient.objects.get(name="ann-phone")
    assert client.agent == office.agent and client.scopes == ["worklist"]
    token = out.getvalue().strip().splitlines()[-1]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    followup = detractor(office.mine, make_gold())
    assert api.get(f"{ME}/followups/{followup.pk}").status_code == 200
    with pytest.raises(CommandError):
        call_command("create_api_client", "nobody", "--agent", "A-NONE", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command(
            "create_api_client", "greedy", "--agent", office.agent.agent_no,
            "--scopes", "worklist", "read", stdout=StringIO(),
        )  # fmt: skip
    assert not ApiClient.objects.filter(name__in=["nobody", "greedy"]).exists()


def make_gold(tier: Tier = Tier.GOLD) -> Any:
    return make_benefit(cells={tier: 5}, name="Escort")


CUSTOMER_PATHS = ("bookshelf", "redemptions", "purchases", "recommendations", "consents")


def test_an_agent_token_opens_no_customer_endpoint_even_with_more_scopes(office: Office):
    """Even a token someone widened by hand (the admin edits scopes) stays on the worklist."""
    api = token_for(office.agent)
    ApiClient.objects.filter(pk=api.api_client.pk).update(scopes=ApiScope.values)
    # Even the agent's own customer, even the catalogue, even webhooks.
    paths = [f"/api/v1/customers/{office.mine.customer_no}/{p}" for p in CUSTOMER_PATHS]
    for path in [*paths, "/api/v1/benefits", "/api/v1/categories", "/api/v1/webhooks"]:
        response = api.get(path)
        assert response.status_code == 403, path
        assert response.json()["code"] == "permission_denied"
        assert office.mine.name not in response.content.decode()
    posted = api.post(
        f"/api/v1/customers/{office.mine.customer_no}/events", {"kind": "claim_filed"},
        format="json",
    )  # fmt: skip
    assert posted.status_code == 403


def test_a_client_that_is_no_agent_is_refused_with_a_code(office: Office, gold_benefit: Any):
    followup = detractor(office.mine, gold_benefit)
    for scopes in (None, [ApiScope.WORKLIST]):  # the app's backend, with every scope
        api = token_for(None, scopes=scopes, name=f"backend-{scopes}")
        response = api.get(f"{ME}/followups/{followup.pk}")
        assert response.status_code == 403
        assert response.json()["code"] == "not_an_agent"


def test_staff_without_an_agent_get_403_with_a_code(office: Office, gold_benefit: Any):
    followup = detractor(office.mine, gold_benefit)
    for user in (office.product, office.superuser):
        response = session(user).get(f"{ME}/followups/{followup.pk}")
        assert response.status_code == 403
        assert response.json()["code"] == "not_an_agent"
    assert APIClient().get(f"{ME}/followups/{followup.pk}").status_code == 401


def test_a_revoked_or_expired_token_is_refused_at_once(office: Office, gold_benefit: Any):
    from django.utils import timezone

    followup = detractor(office.mine, gold_benefit)
    api = token_for(office.agent)
    url = f"{ME}/followups/{followup.pk}"
    assert api.get(url).status_code == 200
    api_client_revoke(client=api.api_client)
    assert api.get(url).status_code == 401
    again = token_for(office.agent, name="ann-2")
    assert again.get(url).status_code == 200
    ApiClient.objects.filter(pk=again.api_client.pk).update(expires_at=timezone.now())
    assert again.get(url).status_code == 401
    assert again.post(f"{url}/calls", {"outcome": "resolved"}, format="json").status_code == 401
    assert not FollowUpCall.objects.exists()


# -- follow-ups ------------------------------------------------------------------------------
def test_an_agent_reads_their_own_follow_up_masked(office: Office, gold_benefit: Any):
    followup = detractor(office.mine, gold_benefit)
    for api in (token_for(office.agent), session(office.agent.user)):
        response = api.get(f"{ME}/followups/{followup.pk}")
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["customer"]["customer_no"] == office.mine.customer_no
        assert body["customer"]["name"] == "王**"
        assert body["score"] == 3 and body["comment"] == "Late." and body["calls"] == []
        text = response.content.decode()
        assert office.mine.name not in text and office.mine.phone not in text


def test_another_agents_follow_up_is_not_found_and_never_called(office: Office, gold_benefit):
    theirs = detractor(office.theirs, gold_benefit)
    missing = 10**9
    for api in (token_for(office.agent), session(office.agent.user)):
        for pk in (theirs.pk, missing):
            got = api.get(f"{ME}/followups/{pk}")
            assert got.status_code == 404 and got.json()["code"] == "followup_not_found"
            called = api.post(f"{ME}/followups/{pk}/calls", {"outcome": "resolved"}, format="json")
            assert called.status_code == 404
        assert office.theirs.customer_no not in got.content.decode()
    theirs.refresh_from_db()
    assert theirs.closed_at is None and theirs.attempts == 0
    assert not FollowUpCall.objects.exists()


def test_a_supervisor_reads_and_calls_the_team_s(office: Office, gold_benefit: Any):
    theirs = detractor(office.theirs, gold_benefit)
    outside = detractor(office.outside, make_gold(Tier.ORDINARY))
    api = session(office.supervisor.user)
    assert api.get(f"{ME}/followups/{theirs.pk}").status_code == 200
    assert api.get(f"{ME}/followups/{outside.pk}").status_code == 404
    response = api.post(
        f"{ME}/followups/{theirs.pk}/calls",
        {"outcome": "resolved", "note": "Sorted."},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert FollowUpCall.objects.get().called_by == office.supervisor.user


def test_a_call_through_the_token_is_recorded_for_the_agent(office: Office, gold_benefit: Any):
    followup = detractor(office.mine, gold_benefit)
    api = token_for(office.agent)
    url = f"{ME}/followups/{followup.pk}/calls"
    first = api.post(url, {"outcome": "unreachable"}, format="json")
    assert first.status_code == 201, first.content
    assert first.json()["attempts"] == 1 and first.json()["closed_at"] is None
    done = api.post(url, {"outcome": "resolved", "note": "Rebooked."}, format="json")
    body = done.json()
    assert body["outcome"] == "resolved" and body["closed_at"] and len(body["calls"]) == 2
    assert [c.called_by for c in FollowUpCall.objects.all()] == [office.agent.user] * 2
    closed = api.post(url, {"outcome": "resolved"}, format="json")
    assert closed.status_code == 409 and closed.json()["code"] == "followup_closed"
    assert FollowUpCall.objects.count() == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "outcome"),
        ({"outcome": "happy"}, "outcome"),
        ({"outcome": "compensated"}, "note"),  # what was given must be said
        ({"outcome": "resolved", "note": "x" * 501}, "note"),
    ],
)
def test_a_bad_call_is_a_400_and_changes_nothing(office: Office, gold_benefit, body, field):
    followup = detractor(office.mine, gold_benefit)
    response = token_for(office.agent).post(
        f"{ME}/followups/{followup.pk}/calls", body, format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()["fields"]
    followup.refresh_from_db()
    assert followup.attempts == 0 and followup.closed_at is None
    assert not FollowUpCall.objects.exists()


def test_staff_need_the_permission_for_the_method(office: Office, gold_benefit: Any):
    """A user who is an agent but lost the call permission may read, not call."""
    from django.contrib.auth.models import Permission

    followup = detractor(office.mine, gold_benefit)
    user = office.agent.user
    user.groups.clear()
    user.user_permissions.add(Permission.objects.get(codename="view_detractorfollowup"))
    api = session(type(user).objects.get(pk=user.pk))
    assert api.get(f"{ME}/followups/{followup.pk}").status_code == 200
    refused = api.post(f"{ME}/followups/{followup.pk}/calls", {"outcome": "resolved"})
    assert refused.status_code == 403
    assert not FollowUpCall.objects.exists()
