"""The agent's worklist through the API (`/agents/me/worklist`), for an agent's own token and
an agent's staff session: the same ranked items with their actions, scoped to the agents the
caller acts for, in a fixed number of queries whatever the number of customers; bulk push and
dismiss answer per item and never touch another agent's items."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from rest_framework.test import APIClient

from bookshelf.models import AgentNotification, AgentSuggestion, Push, SuggestionStatus
from bookshelf.reach.services import followups_escalate
from customers.models import Customer, Tier
from tests.bookshelf.admin import conftest as admin_fixtures
from tests.bookshelf.admin.conftest import Office
from tests.bookshelf.api.schema_check import SchemaChecker, generated_schema
from tests.bookshelf.api.test_worklist_api_agents import session, token_for
from tests.bookshelf.reach.test_worklist import _crowd, detractor, failed_case, notice, suggest
from tests.bookshelf.reach.test_worklist import value as value_of
from tests.factories import give_consents, make_benefit, make_customer, make_supplier

pytestmark = pytest.mark.django_db
office, staff_groups = admin_fixtures.office, admin_fixtures.staff_groups

URL = "/api/v1/agents/me/worklist"


class Shelf:
    def __init__(self) -> None:
        self.gift = make_benefit(cells={Tier.GOLD: 20, Tier.ORDINARY: 20}, name="Gift")
        self.escort = make_benefit(cells={Tier.GOLD: 20}, fulfilment_kind="booked", name="Escort")
        self.supplier = make_supplier("escort-co", benefits=[self.escort])


@pytest.fixture
def shelf(db: Any) -> Shelf:
    return Shelf()


def every_kind(shelf: Shelf, customer: Customer, today: date) -> dict[str, Any]:
    return {
        "moment": suggest(customer, shelf.gift, due=today + timedelta(days=3)),
        "expiring": suggest(customer, shelf.gift, due=today + timedelta(days=5), expiring=True),
        "fulfilment": failed_case(customer, shelf.escort, shelf.supplier),
        "detractor": detractor(customer, shelf.gift),
        "notice": notice(customer.agent, shelf.gift),
    }


def ids_of(response: Any) -> set[str]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["results"]}


# -- the list -------------------------------------------------------------------------------
def test_the_agent_s_worklist_through_token_and_session(office: Office, shelf: Shelf, today):
    made = every_kind(shelf, office.mine, today)
    value_of(office.mine, 80, "loyal")
    answers = [api.get(URL) for api in (token_for(office.agent), session(office.agent.user))]
    assert answers[0].json() == answers[1].json()
    body = answers[0].json()
    assert body["count"] == 5 and body["next"] is None and body["previous"] is None
    assert body["counts"] == {
        "moment": 1, "expiring": 1, "fulfilment": 1, "detractor": 1, "escalation": 0,
        "notice": 1,
    }  # fmt: skip
    assert body["by_agent"] == [
        {"agent": office.agent.agent_no, "open": 5, "overdue": body["overdue"],
         "counts": body["counts"]},
    ]  # fmt: skip
    by_kind = {item["kind"]: item for item in body["results"]}
    moment = by_kind["moment"]
    assert moment["id"] == f"suggestion:{made['moment'].pk}"
    assert moment["agent"] == office.agent.agent_no
    assert moment["customer"] == {
        "customer_no": office.mine.customer_no, "name": "王**", "tier": "gold",
        "tier_label": str(Tier.GOLD.label),
    }  # fmt: skip
    assert moment["due_on"] == (today + timedelta(days=3)).isoformat()
    assert moment["due_at"] is None and moment["urgency"] == "this_week"
    assert moment["value_score"] == 80 and moment["segment"] == "loyal"
    assert moment["actions"] == ["push", "dismiss"]
    assert moment["refs"]["benefit"] == shelf.gift.code
    follow = by_kind["detractor"]
    assert follow["actions"] == ["call"] and follow["refs"]["followup"] == made["detractor"].pk
    assert follow["due_at"] is not None
    assert by_kind["notice"]["customer"] is None and by_kind["notice"]["value_score"] is None
    assert by_kind["fulfilment"]["refs"]["case"] == made["fulfilment"].pk
    text = answers[0].content.decode()
    assert office.mine.name not in text and office.mine.phone not in text
    assert office.mine.id_number not in text


def test_an_agent_never_sees_another_agents_items(office: Office, shelf: Shelf, today):
    every_kind(shelf, office.theirs, today)
    for api in (token_for(office.agent), session(office.agent.user)):
        response = api.get(URL)
        assert ids_of(response) == set() and response.json()["count"] == 0
        assert office.theirs.customer_no not in response.content.decode()
        # Naming Bob does not widen the scope: a 400 on the filter, nothing shown.
        refused = api.get(URL, {"agent": office.other_agent.agent_no})
        assert refused.status_code == 400 and "agent" in refused.json()["fields"]
        assert office.theirs.customer_no not in refused.content.decode()
    assert token_for(office.other_agent, name="bob").get(URL).json()["count"] == 5


def test_a_supervisor_sees_the_team_by_agent(office: Office, shelf: Shelf, today):
    mine = suggest(office.mine, shelf.gift, due=today)
    theirs = suggest(office.theirs, shelf.gift, due=today)
    late = detractor(office.theirs, shelf.gift, hours_ago=50)
    suggest(office.outside, shelf.gift, due=today)  # another team's
    assert followups_escalate() == 1
    api = session(office.supervisor.user)
    response = api.get(URL)
    assert ids_of(response) == {
        f"suggestion:{mine.pk}", f"suggestion:{theirs.pk}", f"followup:{late.pk}",
        f"escalation:{late.pk}",
    }  # fmt: skip
    rows = {row["agent"]: row for row in response.json()["by_agent"]}
    assert rows[office.other_agent.agent_no]["open"] == 2
    assert rows[office.other_agent.agent_no]["overdue"] == 1
    assert rows[office.supervisor.agent_no]["counts"]["escalation"] == 1
    one = api.get(URL, {"agent": office.agent.agent_no})
    assert ids_of(one) == {f"suggestion:{mine.pk}"}
    assert api.get(URL, {"agent": office.outsider.agent_no}).status_code == 400


def test_filters_narrow_the_list(office: Office, shelf: Shelf, today):
    platinum = make_customer(tier=Tier.PLATINUM, agent=office.agent)
    value_of(platinum, 50, "at_risk")
    soon = suggest(office.mine, shelf.gift, due=today + timedelta(days=1))
    late = suggest(platinum, shelf.gift, due=today + timedelta(days=40), expiring=True)
    note = notice(office.agent, shelf.gift)
    api = token_for(office.agent)
    assert ids_of(api.get(URL, {"kind": "expiring"})) == {f"suggestion:{late.pk}"}
    both = {f"suggestion:{soon.pk}", f"notice:{note.pk}"}
    assert ids_of(api.get(f"{URL}?kind=moment&kind=notice")) == both
    assert ids_of(api.get(URL, {"kind": "moment,notice"})) == both
    assert ids_of(api.get(URL, {"tier": "platinum"})) == {f"suggestion:{late.pk}"}
    assert ids_of(api.get(URL, {"segment": "at_risk"})) == {f"suggestion:{late.pk}"}
    due = (today + timedelta(days=2)).isoformat()
    assert f"suggestion:{late.pk}" not in ids_of(api.get(URL, {"due_before": due}))


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ({"kind": "chores"}, 400, "kind"),
        ({"tier": "bronze"}, 400, "tier"),
        ({"segment": "vip"}, 400, "segment"),
        ({"due_before": "soon"}, 400, "due_before"),
        ({"page": "0"}, 400, "page"),
        ({"page": "²"}, 400, "page"),
        ({"page_size": "201"}, 400, "page_size"),
        ({"kinds": "moment"}, 400, "kinds"),  # a misspelt filter never returns everything
        ({"page": "3"}, 404, None),  # past the last page, as every list of this API
    ],
)
def test_bad_queries_are_refused_with_a_code(office, shelf, today, query, status, field):
    suggest(office.mine, shelf.gift, due=today)
    response = token_for(office.agent).get(URL, query)
    assert response.status_code == status, response.content
    if field:  # a list's bad value is named with its place: `kind.0`
        assert {f.split(".")[0] for f in response.json()["fields"]} == {field}


def test_pages_link_to_each_other(office: Office, shelf: Shelf, today):
    made = [suggest(office.mine, shelf.gift, due=today + timedelta(days=n)) for n in range(5)]
    api = token_for(office.agent)
    first = api.get(URL, {"page_size": 2}).json()
    assert first["count"] == 5 and len(first["results"]) == 2 and first["previous"] is None
    second = api.get(first["next"]).json()
    third = api.get(second["next"]).json()
    assert third["next"] is None and [i["id"] for i in third["results"]] == [
        f"suggestion:{made[4].pk}"
    ]
    assert api.get(second["previous"]).json() == first


@pytest.mark.parametrize("customers", [20, 2000])
def test_the_worklist_reads_a_fixed_number_of_queries(
    office: Office, shelf: Shelf, today, customers, django_assert_num_queries
):
    """The issue's "done when", through the API: an agent with 2,000 customers costs the same
    statements as one with 20, for the token and for a supervisor's session."""
    every_kind(shelf, office.mine, today)
    detractor(office.theirs, shelf.gift, hours_ago=72)
    followups_escalate()
    _crowd(office.agent, customers, shelf.gift, today)
    api = token_for(office.agent)
    api.get(URL)  # the token's first request of the minute stamps its last use
    # token lookup, the agent's number, counts, page, four loaders
    with django_assert_num_queries(8):
        response = api.get(URL, {"page_size": 50})
    assert response.json()["count"] == customers + 5
    sup = session(office.supervisor.user)
    sup.get(URL)  # the session's first request refreshes its expiry
    # session, user, permissions (own, groups'), the user's agent, the team, counts, page,
    # four loaders
    with django_assert_num_queries(12):
        response = sup.get(URL, {"page_size": 50})
    assert response.json()["count"] == customers + 7


# -- push and dismiss ------------------------------------------------------------------------
def test_push_acts_on_the_agent_s_suggestions_only(office: Office, shelf: Shelf, today):
    give_consents(office.mine)
    give_consents(office.theirs)
    mine = suggest(office.mine, shelf.gift, due=today)
    theirs = suggest(office.theirs, shelf.gift, due=today)
    followup = detractor(office.mine, shelf.gift)
    api = token_for(office.agent)
    items = [f"suggestion:{mine.pk}", f"suggestion:{theirs.pk}", f"followup:{followup.pk}",
             "suggestion:999999999"]  # fmt: skip
    response = api.post(f"{URL}/push", {"items": items, "channel": "app_message"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["items"] == [
        {"item": items[0], "result": "pushed"},
        {"item": items[1], "result": "not_found"},
        {"item": items[2], "result": "refused"},
        {"item": items[3], "result": "not_found"},
    ]
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.status == SuggestionStatus.ACCEPTED and mine.push.pushed_by == office.agent.user
    assert theirs.status == SuggestionStatus.OPEN
    assert list(Push.objects.values_list("customer", flat=True)) == [office.mine.pk]
    assert f"suggestion:{mine.pk}" not in ids_of(api.get(URL))
    again = api.post(f"{URL}/push", {"items": items[:1], "channel": "sms"}, format="json")
    assert again.json()["items"] == [{"item": items[0], "result": "already_handled"}]


def test_a_session_pushes_and_a_supervisor_for_the_team(office: Office, shelf: Shelf, today):
    give_consents(office.theirs)
    theirs = suggest(office.theirs, shelf.gift, due=today)
    body = {"items": [f"suggestion:{theirs.pk}"], "channel": "app_message"}
    bob_peer = session(office.agent.user).post(f"{URL}/push", body, format="json")
    assert bob_peer.json()["items"][0]["result"] == "not_found"
    sup = session(office.supervisor.user).post(f"{URL}/push", body, format="json")
    assert sup.json()["items"][0]["result"] == "pushed"
    assert Push.objects.get().pushed_by == office.supervisor.user


def test_dismiss_answers_per_item(office: Office, shelf: Shelf, today):
    mine = suggest(office.mine, shelf.gift, due=today)
    theirs = suggest(office.theirs, shelf.gift, due=today)
    note = notice(office.agent, shelf.gift)
    followup = detractor(office.mine, shelf.gift)
    items = [f"suggestion:{mine.pk}", f"notice:{note.pk}", f"suggestion:{theirs.pk}",
             f"followup:{followup.pk}"]  # fmt: skip
    response = session(office.agent.user).post(f"{URL}/dismiss", {"items": items}, format="json")
    assert [r["result"] for r in response.json()["items"]] == [
        "dismissed", "marked_read", "not_found", "refused",
    ]  # fmt: skip
    assert AgentSuggestion.objects.get(pk=theirs.pk).status == SuggestionStatus.OPEN
    assert AgentSuggestion.objects.get(pk=mine.pk).status == SuggestionStatus.DISMISSED
    assert AgentNotification.objects.get(pk=note.pk).read_at is not None
    followup.refresh_from_db()
    assert followup.closed_at is None


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("push", {"channel": "sms"}, "items"),
        ("push", {"items": [], "channel": "sms"}, "items"),
        ("push", {"items": "suggestion:1", "channel": "sms"}, "items"),
        ("push", {"items": ["MINE", "suggestions:1"], "channel": "sms"}, "items"),
        ("push", {"items": ["MINE"], "channel": "carrier-pigeon"}, "channel"),
        ("push", {"items": [f"suggestion:{n}" for n in range(1, 202)], "channel": "sms"}, "items"),
        ("dismiss", {"items": ["suggestion:MINE", "notice:-1"]}, "items"),
        ("dismiss", {}, "items"),
    ],
)
def test_bad_input_is_a_400_and_changes_nothing(office, shelf, today, path, body, field):
    give_consents(office.mine)
    mine = suggest(office.mine, shelf.gift, due=today)
    body = {
        k: ([i.replace("MINE", f"suggestion:{mine.pk}") for i in v] if k == "items" and
            isinstance(v, list) else v)
        for k, v in body.items()
    }  # fmt: skip
    response = token_for(office.agent).post(f"{URL}/{path}", body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid" and field in response.json()["fields"]
    assert AgentSuggestion.objects.get(pk=mine.pk).status == SuggestionStatus.OPEN
    assert not Push.objects.exists()


def test_who_may_use_the_worklist(office: Office, shelf: Shelf, today):
    suggest(office.mine, shelf.gift, due=today)
    assert APIClient().get(URL).status_code == 401
    for refused in (session(office.product), token_for(None, name="backend")):
        response = refused.get(URL)
        assert response.status_code == 403 and response.json()["code"] == "not_an_agent"
        pushed = refused.post(
            f"{URL}/push", {"items": ["suggestion:1"], "channel": "sms"}, format="json"
        )
        assert pushed.status_code == 403
    widened = token_for(office.agent)
    from bookshelf.models import ApiClient, ApiScope

    ApiClient.objects.filter(pk=widened.api_client.pk).update(scopes=[ApiScope.READ])
    assert widened.get(URL).status_code == 403  # an agent's token without the worklist scope


def test_the_worklist_is_rate_limited_per_token(monkeypatch, office: Office, shelf: Shelf):
    from bookshelf.api.auth import ClientRateThrottle

    monkeypatch.setattr(ClientRateThrottle, "THROTTLE_RATES", {"client": "2/min"})
    ann, bob = token_for(office.agent), token_for(office.other_agent, name="bob")
    assert [ann.get(URL).status_code for _ in range(3)] == [200, 200, 429]
    assert ann.get(URL).json()["code"] == "throttled"
    assert bob.get(URL).status_code == 200


def test_answers_match_the_published_schema(tmp_path, office: Office, shelf: Shelf, today):
    """Every agent endpoint's answers, errors included, validate strictly against the
    schema (the app's generated client reads them)."""
    give_consents(office.mine)
    made = every_kind(shelf, office.mine, today)
    value_of(office.mine, 60, "steady")
    checker = SchemaChecker(generated_schema(tmp_path))
    check = checker.check
    api = token_for(office.agent)
    check("agent_worklist_list", api.get(URL))
    check("agent_worklist_list", api.get(URL, {"kind": "nope"}))
    check("agent_worklist_list", token_for(None, name="backend").get(URL))
    followup = f"/api/v1/agents/me/followups/{made['detractor'].pk}"
    check("agent_followup_get", api.get(followup))
    check("agent_followup_get", api.get("/api/v1/agents/me/followups/999999"))
    check(
        "agent_followup_call_record",
        api.post(f"{followup}/calls", {"outcome": "unreachable"}, format="json"),
    )
    check(
        "agent_followup_call_record", api.post(f"{followup}/calls", {"outcome": "x"}, format="json")
    )
    check(
        "agent_followup_call_record",
        api.post(f"{followup}/calls", {"outcome": "resolved"}, format="json"),
    )
    check(
        "agent_followup_call_record",
        api.post(f"{followup}/calls", {"outcome": "resolved"}, format="json"),
    )
    moment = f"suggestion:{made['moment'].pk}"
    pushed = check(
        "agent_worklist_push_create",
        api.post(f"{URL}/push", {"items": [moment], "channel": "app_message"}, format="json"),
    )
    assert pushed["items"] == [{"item": moment, "result": "pushed"}]
    check("agent_worklist_push_create", api.post(f"{URL}/push", {"items": []}, format="json"))
    notice_id = f"notice:{made['notice'].pk}"
    check(
        "agent_worklist_dismissal_create",
        api.post(f"{URL}/dismiss", {"items": [notice_id]}, format="json"),
    )
    assert {("agent_followup_call_record", "409"), ("agent_worklist_list", "403")} <= (
        checker.checked
    )
