"""The agent's worklist: every kind of open item of the agent's customers, ranked by urgency
then customer value, filtered, scoped to the agents the caller acts for, and read in a fixed
number of queries whatever the number of customers."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from bookshelf.fulfilment.services import Actor, Change, fulfilment_transition, use_request
from bookshelf.ledger.services import redemption_create
from bookshelf.models import (
    ActorKind,
    AgentNotification,
    AgentSuggestion,
    CustomerValue,
    DetractorFollowUp,
    FulfilmentState,
    NotificationKind,
    SuggestionStatus,
)
from bookshelf.reach.selectors import WorklistFilters, worklist, worklist_counts
from bookshelf.reach.services import feedback_record, followups_escalate
from config.exceptions import DomainError
from customers.models import Agent, Customer, Tier
from tests.factories import AgentFactory, make_benefit, make_customer, make_supplier

pytestmark = pytest.mark.django_db

_keys = itertools.count(1)


def suggest(
    customer: Customer,
    benefit: Any,
    *,
    due: date | None,
    expiring: bool = False,
    agent: Agent | None = None,
) -> AgentSuggestion:
    """An open suggestion as the jobs make them (their own tests cover the jobs)."""
    n = next(_keys)
    return AgentSuggestion.objects.create(
        agent=agent or customer.agent,
        customer=customer,
        benefit=benefit,
        reason_en=f"Reason {n}",
        reason_zh_hans=f"理由 {n}",
        dedupe_key=f"expiring:{n}" if expiring else f"event:{n}:{benefit.pk}",
        due_on=due,
    )


def value(customer: Customer, score: float, segment: str = "steady") -> None:
    CustomerValue.objects.update_or_create(
        customer=customer, defaults={"score": score, "segment": segment}
    )


def detractor(customer: Customer, benefit: Any, *, hours_ago: float = 0, score: int = 3) -> Any:
    """A detractor's answer through the services: opens the agent's follow-up."""
    use = redemption_create(customer=customer, benefit_code=benefit.code).redemption
    answered = timezone.now() - timedelta(hours=hours_ago)
    result = feedback_record(redemption=use, score=score, comment="Slow", created_at=answered)
    return result.followup


def failed_case(customer: Customer, benefit: Any, supplier: Any) -> Any:
    fulfilment = use_request(customer=customer, benefit_code=benefit.code).fulfilment
    fulfilment_transition(
        fulfilment_id=fulfilment.pk,
        target=FulfilmentState.FAILED,
        actor=Actor(ActorKind.SUPPLIER, supplier=supplier),
        change=Change(reason="No escort free"),
    )
    return fulfilment.cases.get()


def notice(agent: Agent, benefit: Any, *, days_ago: int = 0) -> AgentNotification:
    return AgentNotification.objects.create(
        agent=agent,
        kind=NotificationKind.BENEFIT_RETIRED,
        event_key=f"retired:{next(_keys)}",
        benefit=benefit,
        customers=3,
        created_at=timezone.now() - timedelta(days=days_ago),
    )


@dataclass
class Desk:
    supervisor: Agent
    agent: Agent
    other: Agent
    mine: Customer
    rich: Customer
    theirs: Customer
    gift: Any
    escort: Any
    supplier: Any


def make_desk() -> Desk:
    """A supervisor with two agents; the first has two customers, the other one."""
    supervisor = AgentFactory()
    agent = AgentFactory(supervisor=supervisor)
    other = AgentFactory(supervisor=supervisor)
    escort = make_benefit(cells={Tier.GOLD: 20}, fulfilment_kind="booked", name="Escort")
    supplier = make_supplier("escort-co", benefits=[escort], confirm_hours=4, deliver_hours=72)
    return Desk(
        supervisor=supervisor,
        agent=agent,
        other=other,
        mine=make_customer(tier=Tier.GOLD, agent=agent, name="王小明"),
        rich=make_customer(tier=Tier.GOLD, agent=agent, name="钱多多"),
        theirs=make_customer(tier=Tier.GOLD, agent=other, name="李四"),
        gift=make_benefit(cells={Tier.GOLD: 20, Tier.PLATINUM: 20}, name="Gift"),
        escort=escort,
        supplier=supplier,
    )


@pytest.fixture
def desk(db: Any) -> Desk:
    return make_desk()


def every_kind(d: Desk, customer: Customer, today: date) -> dict[str, Any]:
    """One open item of each kind for the customer's agent."""
    return {
        "moment": suggest(customer, d.gift, due=today + timedelta(days=3)),
        "expiring": suggest(customer, d.gift, due=today + timedelta(days=5), expiring=True),
        "fulfilment": failed_case(customer, d.escort, d.supplier),
        "detractor": detractor(customer, d.gift),
        "notice": notice(customer.agent, d.gift),
    }


def test_every_kind_of_open_item_is_on_the_list_with_its_details(desk: Desk, today):
    made = every_kind(desk, desk.mine, today)
    page = worklist(agent_ids=[desk.agent.pk])
    by_kind = {item.kind: item for item in page.items}
    assert set(by_kind) == {"moment", "expiring", "fulfilment", "detractor", "notice"}
    assert page.total == 5 and page.counts["moment"] == 1 and page.counts["escalation"] == 0
    moment = by_kind["moment"]
    assert moment.id == f"suggestion:{made['moment'].pk}"
    assert moment.customer is not None and moment.customer.masked_name == "王**"
    assert moment.customer.number == desk.mine.customer_no
    assert moment.title == "Gift" and moment.reason == made["moment"].reason_en
    assert moment.due == today + timedelta(days=3) and not moment.overdue
    assert moment.actions == ("push", "dismiss")
    assert moment.links["benefit_code"] == desk.gift.code
    case = by_kind["fulfilment"]
    assert case.id == f"case:{made['fulfilment'].pk}" and case.actions == ("open",)
    assert case.title.startswith("Failed") and case.customer.id == desk.mine.pk
    follow = by_kind["detractor"]
    assert follow.id == f"followup:{made['detractor'].pk}" and follow.actions == ("call",)
    assert follow.reason == "Slow" and follow.due == made["detractor"].due_at
    note = by_kind["notice"]
    assert note.customer is None and note.score is None
    assert note.due == made["notice"].created_at + timedelta(days=7)
    assert "retired" in note.reason


def test_closed_and_handled_items_leave_the_list(desk: Desk, today):
    made = every_kind(desk, desk.mine, today)
    AgentSuggestion.objects.filter(pk=made["moment"].pk).update(status=SuggestionStatus.DISMISSED)
    DetractorFollowUp.objects.filter(pk=made["detractor"].pk).update(closed_at=timezone.now())
    made["fulfilment"].closed_at = timezone.now()
    made["fulfilment"].save(update_fields=["closed_at"])
    AgentNotification.objects.filter(pk=made["notice"].pk).update(read_at=timezone.now())
    page = worklist(agent_ids=[desk.agent.pk])
    assert [item.kind for item in page.items] == ["expiring"]


def test_overdue_first_then_today_then_the_week_then_later_and_value_within_a_band(
    desk: Desk, today
):
    value(desk.mine, 30)
    value(desk.rich, 90, "loyal")
    later_rich = suggest(desk.rich, desk.gift, due=today + timedelta(days=30))
    week_poor = suggest(desk.mine, desk.gift, due=today + timedelta(days=2))
    week_rich = suggest(desk.rich, desk.gift, due=today + timedelta(days=6))
    today_poor = suggest(desk.mine, desk.gift, due=today)
    overdue_poor = suggest(desk.mine, desk.gift, due=today - timedelta(days=1))
    late_call = detractor(desk.rich, desk.gift, hours_ago=49)  # due 48 hours after
    ids = [item.id for item in worklist(agent_ids=[desk.agent.pk]).items]
    assert ids == [
        f"followup:{late_call.pk}",  # overdue, the richer customer
        f"suggestion:{overdue_poor.pk}",
        f"suggestion:{today_poor.pk}",
        f"suggestion:{week_rich.pk}",  # within the week: value before the due day
        f"suggestion:{week_poor.pk}",
        f"suggestion:{later_rich.pk}",
    ]
    page = worklist(agent_ids=[desk.agent.pk])
    assert page.overdue == 2 and [i.overdue for i in page.items][:3] == [True, True, False]
    assert page.items[0].segment == "loyal" and page.items[0].score == 90


def test_an_agent_never_sees_another_agents_items(desk: Desk, today):
    every_kind(desk, desk.theirs, today)
    # A suggestion made for the agent whose customer has since moved to another agent.
    moved = suggest(desk.theirs, desk.gift, due=today, agent=desk.agent)
    mine = worklist(agent_ids=[desk.agent.pk])
    assert mine.items == [] and mine.total == 0
    assert worklist_counts(agent_ids=[desk.agent.pk]).total == 0
    # Asking for another agent by the filter does not widen the scope either.
    assert (
        worklist(agent_ids=[desk.agent.pk], filters=WorklistFilters(agent_id=desk.other.pk)).total
        == 0
    )
    theirs = worklist(agent_ids=[desk.other.pk])
    assert theirs.total == 6 and f"suggestion:{moved.pk}" in {i.id for i in theirs.items}
    assert {i.agent_id for i in theirs.items} == {desk.other.pk}


def test_a_supervisor_sees_the_team_by_agent_and_the_escalations_to_them(desk: Desk, today):
    suggest(desk.mine, desk.gift, due=today)
    suggest(desk.theirs, desk.gift, due=today - timedelta(days=2))
    late = detractor(desk.theirs, desk.gift, hours_ago=50)
    assert followups_escalate() == 1
    team = [desk.supervisor.pk, desk.agent.pk, desk.other.pk]
    page = worklist(agent_ids=team)
    kinds = sorted(i.kind for i in page.items)
    assert kinds == ["detractor", "escalation", "moment", "moment"]
    escalation = next(i for i in page.items if i.kind == "escalation")
    assert escalation.id == f"escalation:{late.pk}" and escalation.agent_id == desk.supervisor.pk
    assert escalation.title.startswith(f"Escalated from {desk.other.name}")
    rows = {r.agent_id: r for r in page.by_agent}
    assert rows[desk.other.pk].open == 2 and rows[desk.other.pk].overdue == 2
    assert rows[desk.agent.pk].open == 1 and rows[desk.agent.pk].overdue == 0
    assert rows[desk.supervisor.pk].by_kind["escalation"] == 1
    one = worklist(agent_ids=team, filters=WorklistFilters(agent_id=desk.agent.pk))
    assert [i.agent_id for i in one.items] == [desk.agent.pk]
    # The agent whose follow-up was escalated still sees it; not the escalation.
    assert [i.kind for i in worklist(agent_ids=[desk.other.pk]).items].count("escalation") == 0


def test_filters_by_kind_tier_segment_and_due_day(desk: Desk, today):
    platinum = make_customer(tier=Tier.PLATINUM, agent=desk.agent)
    value(platinum, 50, "at_risk")
    value(desk.mine, 50, "loyal")
    soon = suggest(desk.mine, desk.gift, due=today + timedelta(days=1))
    late = suggest(platinum, desk.gift, due=today + timedelta(days=40), expiring=True)
    note = notice(desk.agent, desk.gift)
    agents = [desk.agent.pk]

    def ids(**filters: Any) -> set[str]:
        return {i.id for i in worklist(agent_ids=agents, filters=WorklistFilters(**filters)).items}

    assert ids(kinds=["expiring"]) == {f"suggestion:{late.pk}"}
    assert ids(kinds=["moment", "notice"]) == {f"suggestion:{soon.pk}", f"notice:{note.pk}"}
    assert ids(tiers=[Tier.PLATINUM]) == {f"suggestion:{late.pk}"}  # notices have no tier
    assert ids(segments=["loyal"]) == {f"suggestion:{soon.pk}"}
    assert ids(due_before=today + timedelta(days=1)) == {f"suggestion:{soon.pk}"}
    assert ids(due_before=today + timedelta(days=7)) == {
        f"suggestion:{soon.pk}",
        f"notice:{note.pk}",
    }


@pytest.mark.parametrize(
    ("filters", "field"),
    [({"kinds": ["nope"]}, "kind"), ({"tiers": [99]}, "tier"), ({"segments": ["x"]}, "segment")],
)
def test_unknown_filters_are_refused_with_a_code(desk: Desk, filters, field):
    with pytest.raises(DomainError) as refused:
        worklist(agent_ids=[desk.agent.pk], filters=WorklistFilters(**filters))
    assert refused.value.code == "invalid" and refused.value.field == field


def test_pages(desk: Desk, today):
    made = [suggest(desk.mine, desk.gift, due=today + timedelta(days=n)) for n in range(5)]
    first = worklist(agent_ids=[desk.agent.pk], per_page=2)
    assert (first.total, first.pages, len(first.items)) == (5, 3, 2)
    last = worklist(agent_ids=[desk.agent.pk], page=3, per_page=2)
    assert [i.id for i in last.items] == [f"suggestion:{made[4].pk}"]
    assert worklist(agent_ids=[desk.agent.pk], page=9, per_page=2).page == 3
    with pytest.raises(DomainError):
        worklist(agent_ids=[desk.agent.pk], per_page=500)


def _crowd(agent: Agent, n: int, benefit: Any, today: date) -> None:
    """`n` customers of the agent, each with a value profile and an open suggestion due in
    10 to 30 days (so ranked after the items due sooner): bulk rows (the list reads them;
    how they were made does not matter here)."""
    start = Customer.objects.count()
    customers = []
    for i in range(n):
        c = Customer(
            customer_no=f"W{start + i:08d}",
            name="孙悟空",
            birth_date=date(1980, 1, 1),
            gender="F",
            phone=f"139{start + i:08d}",
            id_number=f"11010519800101{i % 1000:03d}X",
            agent=agent,
            tier=Tier.GOLD,
        )
        c.search_columns_refresh()
        customers.append(c)
    Customer.objects.bulk_create(customers, batch_size=500)
    made = list(Customer.objects.filter(customer_no__in=[c.customer_no for c in customers]))
    CustomerValue.objects.bulk_create(
        [CustomerValue(customer=c, score=c.pk % 100, segment="steady") for c in made],
        batch_size=500,
    )
    AgentSuggestion.objects.bulk_create(
        [
            AgentSuggestion(
                agent=agent,
                customer=c,
                benefit=benefit,
                reason_en="Bulk",
                reason_zh_hans="批量",
                dedupe_key=f"bulk:{c.pk}",
                due_on=today + timedelta(days=10 + c.pk % 20),
            )
            for c in made
        ],
        batch_size=500,
    )


@pytest.mark.parametrize("customers", [20, 2000])
def test_a_page_reads_a_fixed_number_of_queries_whatever_the_number_of_customers(
    desk: Desk, today, customers, django_assert_num_queries
):
    """The issue's "done when": 2,000 customers, the same statements as 20. Every kind is on
    the page (an escalation too), so every loader runs: counts, page, four loaders."""
    every_kind(desk, desk.mine, today)
    detractor(desk.mine, desk.gift, hours_ago=72)
    followups_escalate()
    _crowd(desk.agent, customers, desk.gift, today)
    team = [desk.supervisor.pk, desk.agent.pk, desk.other.pk]
    with django_assert_num_queries(6):
        page = worklist(agent_ids=team, per_page=50)
    assert page.total == customers + 7 and len(page.items) == min(50, customers + 7)
    assert {i.kind for i in page.items} == {
        "moment",
        "expiring",
        "fulfilment",
        "detractor",
        "escalation",
        "notice",
    }
    with django_assert_num_queries(1):
        worklist_counts(agent_ids=team)
