"""My worklist in the admin: each agent sees their own items only, a supervisor the team's
with counts by agent, bulk push and dismiss report each item's outcome, the page reads a
fixed number of queries, and the admin home counts the open and overdue items."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookshelf.models import AgentSuggestion, Push, SuggestionStatus
from bookshelf.reach.services import followups_escalate
from customers.models import Tier
from tests.bookshelf.admin.conftest import Office, staff_user
from tests.bookshelf.reach.test_worklist import detractor, notice, suggest, value
from tests.factories import make_benefit, make_customer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("celery_eager")]

WORKLIST = "admin:bookshelf_worklist"


@pytest.fixture
def gift(db: Any) -> Any:
    return make_benefit(cells={Tier.GOLD: 20, Tier.ORDINARY: 20}, name="Gift")


def _body(client: Any, url: str = "") -> str:
    """The page at `url`, or the worklist with the query `url` ("?kind=...")."""
    response = client.get(url if url.startswith("/") else reverse(WORKLIST) + url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_worklist_has_a_stable_address_and_needs_the_permission(office: Office):
    assert reverse(WORKLIST) == "/admin/bookshelf/worklist/"
    nobody = office.client_for(staff_user("clerk"))
    assert nobody.get(reverse(WORKLIST)).status_code == 403
    assert nobody.post(reverse(WORKLIST), {"action": "dismiss"}).status_code == 403


def test_an_agent_sees_their_items_and_never_another_agents(office: Office, gift, today):
    mine = suggest(office.mine, gift, due=today - timedelta(days=1))
    theirs = suggest(office.theirs, gift, due=today)
    outside = suggest(office.outside, gift, due=today)
    body = _body(office.client_for(office.agent.user))
    assert 'id="worklist"' in body
    assert f'data-id="suggestion:{mine.pk}" data-kind="moment"' in body
    assert f'data-id="suggestion:{theirs.pk}"' not in body
    assert f'data-id="suggestion:{outside.pk}"' not in body
    assert 'name="item" value="suggestion:' in body and 'name="channel"' in body
    assert 'name="action" value="push"' in body and 'name="action" value="dismiss"' in body
    assert "王**" in body and "王小明" not in body  # masked
    assert reverse("admin:customers_customer_change", args=[office.mine.pk]) in body
    assert 'class="due overdue"' in body
    assert 'id="worklist-by-agent"' not in body and 'name="agent"' not in body
    # Naming another agent in the filter widens nothing.
    other = _body(office.client_for(office.agent.user), f"?agent={office.other_agent.pk}")
    assert f'data-id="suggestion:{theirs.pk}"' not in other


def test_a_supervisor_sees_the_team_by_agent_and_filters_by_agent(office: Office, gift, today):
    suggest(office.mine, gift, due=today)
    theirs = suggest(office.theirs, gift, due=today - timedelta(days=3))
    outside = suggest(office.outside, gift, due=today)
    late = detractor(office.theirs, gift, hours_ago=60)
    followups_escalate()
    client = office.client_for(office.supervisor.user)
    body = _body(client)
    assert 'id="worklist-by-agent"' in body
    assert f'data-agent="{office.agent.pk}"' in body
    assert f'data-agent="{office.other_agent.pk}"' in body
    assert f'data-id="escalation:{late.pk}" data-kind="escalation"' in body
    assert f'data-id="suggestion:{outside.pk}"' not in body
    one = _body(client, f"?agent={office.other_agent.pk}")
    assert f'data-id="suggestion:{theirs.pk}"' in one and 'data-kind="escalation"' not in one


def test_filters_narrow_the_list(office: Office, gift, today):
    value(office.mine, 60, "loyal")
    soon = suggest(office.mine, gift, due=today)
    later = suggest(office.mine, gift, due=today + timedelta(days=40), expiring=True)
    client = office.client_for(office.agent.user)
    expiring = _body(client, "?kind=expiring")
    assert f'suggestion:{later.pk}"' in expiring and f'suggestion:{soon.pk}"' not in expiring
    loyal = _body(client, "?segment=loyal&due_before=" + today.isoformat())
    assert f'suggestion:{soon.pk}"' in loyal and f'suggestion:{later.pk}"' not in loyal
    assert "Loyal regular" in loyal
    assert f'suggestion:{soon.pk}"' not in _body(client, f"?tier={Tier.PLATINUM}")


def test_push_selected_pushes_and_reports_each_outcome(office: Office, gift, today):
    usable = suggest(office.mine, gift, due=today)
    platinum_only = make_benefit(cells={Tier.PLATINUM: 1}, name="Lounge")
    not_usable = suggest(office.mine, platinum_only, due=today)
    theirs = suggest(office.theirs, gift, due=today)
    client = office.client_for(office.agent.user)
    response = client.post(
        reverse(WORKLIST) + "?kind=moment",
        {
            "action": "push",
            "channel": "app_message",
            "item": [
                f"suggestion:{usable.pk}",
                f"suggestion:{not_usable.pk}",
                f"suggestion:{theirs.pk}",
            ],
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0].endswith("?kind=moment")
    texts = _said(response)
    assert "1 pushed" in texts
    assert "1 not pushed: the customer cannot use the benefit now: 王** · Lounge" in texts
    assert f"1 not found: suggestion:{theirs.pk}" in texts
    usable.refresh_from_db()
    assert usable.status == SuggestionStatus.ACCEPTED and Push.objects.count() == 1
    theirs.refresh_from_db()
    assert theirs.status == SuggestionStatus.OPEN
    body = _body(client)
    assert f'suggestion:{usable.pk}"' not in body and f'suggestion:{not_usable.pk}"' in body


def test_dismiss_selected_dismisses_and_marks_read_and_a_bad_request_changes_nothing(
    office: Office, gift, today
):
    a = suggest(office.mine, gift, due=today)
    note = notice(office.agent, gift)
    client = office.client_for(office.agent.user)
    response = client.post(
        reverse(WORKLIST),
        {"action": "dismiss", "item": [f"suggestion:{a.pk}", f"notice:{note.pk}"]},
        follow=True,
    )
    assert _said(response) == ["1 dismissed", "1 notice marked read"]
    a.refresh_from_db()
    assert a.status == SuggestionStatus.DISMISSED
    b = suggest(office.mine, gift, due=today)
    fax = {"action": "push", "channel": "fax", "item": [f"suggestion:{b.pk}"]}
    assert _said(client.post(reverse(WORKLIST), fax, follow=True)) == ["Unknown channel."]
    none = client.post(reverse(WORKLIST), {"action": "dismiss"}, follow=True)
    assert _said(none) == ["Select at least one item."]
    assert AgentSuggestion.objects.get(pk=b.pk).status == SuggestionStatus.OPEN


def test_detractor_items_link_to_their_call_back(office: Office, gift, today):
    call = detractor(office.mine, gift)
    body = _body(office.client_for(office.agent.user))
    row = body.split(f'data-id="followup:{call.pk}"')[1].split("</tr>")[0]
    assert 'name="item"' not in row  # called back, not dismissed
    try:
        url = reverse("admin:bookshelf_detractorfollowup_change", args=[call.pk])
    except Exception:  # the follow-ups' admin is another workspace's; until then, no link
        assert "call-back" not in row
    else:
        assert url in row and "Call back" in row


def _said(response: Any) -> list[str]:
    """The messages the page shows after the redirect (each read once)."""
    assert response.redirect_chain, "the action redirects back to the list"
    return [str(m) for m in response.context["messages"]]


def _queries(client: Any) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse(WORKLIST))
    assert response.status_code == 200
    return len(captured)


def test_the_page_reads_a_fixed_number_of_queries(office: Office, gift, today):
    for customer in (office.mine, office.theirs):
        suggest(customer, gift, due=today)
        suggest(customer, gift, due=today, expiring=True)
        detractor(customer, gift)
    notice(office.agent, gift)
    client = office.client_for(office.supervisor.user)
    client.get(reverse(WORKLIST))  # the session's first page reads its permissions once
    few = _queries(client)
    for _ in range(8):
        customer = make_customer(tier=Tier.GOLD, agent=office.other_agent)
        suggest(customer, gift, due=today - timedelta(days=1))
        detractor(customer, gift)
    many = _queries(client)
    assert many == few
    assert few <= 14


def test_the_admin_home_counts_open_and_overdue_items(office: Office, gift, today):
    suggest(office.mine, gift, due=today - timedelta(days=1))
    suggest(office.mine, gift, due=today + timedelta(days=2))
    suggest(office.theirs, gift, due=today)
    agent = _body(office.client_for(office.agent.user), reverse("admin:index"))
    assert 'id="workspace-worklist"' in agent and reverse(WORKLIST) in agent
    assert "2 open items" in agent and "1 overdue" in agent
    sup = _body(office.client_for(office.supervisor.user), reverse("admin:index"))
    assert "3 open items" in sup and "in your team" in sup
    product = _body(office.client_for(office.product), reverse("admin:index"))
    assert 'id="workspace-worklist"' not in product


def test_the_admin_home_card_costs_two_queries(
    office: Office, gift, today, django_assert_num_queries
):
    from django.template import Context, Template
    from django.test import RequestFactory

    suggest(office.mine, gift, due=today)
    request = RequestFactory().get("/")
    request.user = office.supervisor.user
    request.user.has_perm("bookshelf.view_agentsuggestion")  # permissions cached, as a page does
    template = Template("{% load worklist_home %}{% worklist_home as w %}{{ w.total }}")
    with django_assert_num_queries(2):
        assert template.render(Context({"request": request})) == "1"
