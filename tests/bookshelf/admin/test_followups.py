"""Detractor follow-ups in the admin: who sees which, the customer masked as in other lists,
the page per follow-up and its call form (through `followup_call_record`)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from bookshelf.ledger.services import redemption_create
from bookshelf.models import DetractorFollowUp, FollowUpCall, FollowUpOutcome
from bookshelf.reach.services import feedback_record, followups_escalate
from customers.pii import mask_name
from tests.factories import make_benefit

pytestmark = pytest.mark.django_db

LIST = "admin:bookshelf_detractorfollowup_changelist"


def detractor(customer, score=2, comment="The doctor never called"):
    benefit = make_benefit(cells={customer.tier: 5})
    use = redemption_create(customer=customer, benefit_code=benefit.code).redemption
    return feedback_record(redemption=use, score=score, comment=comment).followup


def page(followup):
    return reverse("admin:bookshelf_detractorfollowup_change", args=[followup.pk])


def listed(client, query=""):
    response = client.get(reverse(LIST) + query)
    assert response.status_code == 200
    return {row.pk for row in response.context["cl"].result_list}


@pytest.fixture
def cases(office):
    mine, theirs, outside = (detractor(c) for c in (office.mine, office.theirs, office.outside))
    return mine, theirs, outside


def test_each_role_sees_its_followups(office, cases):
    mine, theirs, outside = cases
    assert listed(office.client_for(office.agent.user)) == {mine.pk}
    assert listed(office.client_for(office.supervisor.user)) == {mine.pk, theirs.pk}
    assert listed(office.client_for(office.product)) == {mine.pk, theirs.pk, outside.pk}
    assert office.client_for(office.agent.user).get(page(theirs)).status_code == 404


def test_a_supervisor_sees_those_escalated_to_them_from_outside_the_team(office, cases):
    *_, outside = cases
    DetractorFollowUp.objects.filter(pk=outside.pk).update(
        escalated_to=office.supervisor, escalated_at=timezone.now()
    )
    assert outside.pk in listed(office.client_for(office.supervisor.user), "?state=escalated")


def test_the_filters(office, cases):
    mine, _theirs, _outside = cases
    DetractorFollowUp.objects.filter(pk=mine.pk).update(due_at=timezone.now() - timedelta(hours=1))
    followups_escalate()
    client = office.client_for(office.supervisor.user)
    assert listed(client, "?state=overdue") == {mine.pk}
    assert listed(client, "?state=escalated") == {mine.pk}
    assert listed(client, "?state=closed") == set()
    assert client.get(reverse(LIST) + "?escalated_to__id=1").status_code == 400  # not offered


def test_the_customer_is_masked_for_product_staff_as_in_the_customer_list(office, cases):
    agent_page = office.client_for(office.agent.user).get(reverse(LIST)).content.decode()
    product_page = office.client_for(office.product).get(reverse(LIST)).content.decode()
    assert "王小明" in agent_page
    assert "王小明" not in product_page and mask_name("王小明") in product_page
    assert office.mine.customer_no in product_page
    assert office.mine.phone not in agent_page


def test_the_page_shows_the_answer_the_use_and_the_desk_link(office, cases):
    mine, *_ = cases
    response = office.client_for(office.agent.user).get(page(mine))
    assert response.status_code == 200
    html = response.content.decode()
    assert "The doctor never called" in html
    assert mine.benefit.code in html
    assert reverse("admin:customers_customer_change", args=[office.mine.pk]) in html
    assert 'id="call-form"' in html


def test_an_agent_records_calls_from_the_page(office, cases):
    mine, *_ = cases
    client = office.client_for(office.agent.user)
    call = reverse("admin:bookshelf_detractorfollowup_call", args=[mine.pk])
    response = client.post(call, {"outcome": FollowUpOutcome.UNREACHABLE, "note": ""})
    assert response.status_code == 302 and response["Location"] == page(mine)
    mine.refresh_from_db()
    assert (mine.attempts, mine.closed_at) == (1, None)
    client.post(call, {"outcome": FollowUpOutcome.RESOLVED, "note": "Rebooked for Monday"})
    mine.refresh_from_db()
    assert mine.outcome == FollowUpOutcome.RESOLVED and mine.first_contact_at is not None
    assert FollowUpCall.objects.filter(followup=mine).last().called_by == office.agent.user
    html = client.get(page(mine)).content.decode()
    assert "Rebooked for Monday" in html
    assert 'id="call-form"' not in html  # closed: no more calls
    # A call posted anyway is refused by the service and changes nothing.
    client.post(call, {"outcome": FollowUpOutcome.RESOLVED, "note": ""})
    mine.refresh_from_db()
    assert mine.attempts == 2


def test_compensated_needs_a_note_on_the_page_too(office, cases):
    mine, *_ = cases
    client = office.client_for(office.agent.user)
    call = reverse("admin:bookshelf_detractorfollowup_call", args=[mine.pk])
    response = client.post(call, {"outcome": FollowUpOutcome.COMPENSATED, "note": ""}, follow=True)
    assert "Say what the customer was given." in response.content.decode()
    assert not FollowUpCall.objects.exists()


def test_product_staff_read_only(office, cases):
    mine, *_ = cases
    client = office.client_for(office.product)
    html = client.get(page(mine)).content.decode()
    assert 'id="call-form"' not in html
    call = reverse("admin:bookshelf_detractorfollowup_call", args=[mine.pk])
    assert client.post(call, {"outcome": FollowUpOutcome.RESOLVED}).status_code == 403
    assert not FollowUpCall.objects.exists()


def test_an_agent_cannot_call_another_agents_followup(office, cases):
    _mine, theirs, _outside = cases
    call = reverse("admin:bookshelf_detractorfollowup_call", args=[theirs.pk])
    response = office.client_for(office.agent.user).post(
        call, {"outcome": FollowUpOutcome.RESOLVED}
    )
    assert response.status_code == 404
    assert not FollowUpCall.objects.exists()


def test_the_list_reads_a_fixed_number_of_queries(office, django_assert_max_num_queries):
    for _ in range(3):
        detractor(office.mine)
    client = office.client_for(office.agent.user)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse(LIST))
    for _ in range(5):
        detractor(office.mine)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse(LIST))
