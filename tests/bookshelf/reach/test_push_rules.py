"""A benefit is pushed to a customer once per BOOKSHELF_PUSH_DUPLICATE_WINDOW_SECONDS (any
channel, any agent; accepted suggestions too), also when two pushes race on PostgreSQL; and a
use converts at most one push, the latest of that benefit to that customer before it."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.utils import timezone

from bookshelf.ledger.services import redemption_create
from bookshelf.models import (
    AgentSuggestion,
    OutboxMessage,
    Push,
    PushChannel,
    Redemption,
    SuggestionStatus,
)
from bookshelf.reach.selectors import push_conversion
from bookshelf.reach.services import push_create, suggestion_accept
from bookshelf.roles import AGENT, staff_groups_sync
from config.exceptions import DomainError
from customers.models import Customer, Tier
from tests.bookshelf.ledger.test_concurrency import _race
from tests.factories import AgentFactory, make_benefit, make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def gold() -> tuple[Customer, Any]:
    return make_customer(tier=Tier.GOLD), make_benefit(cells={Tier.GOLD: 3}, name="Escort")


def _pushed_ago(push: Push, **ago: float) -> None:
    Push.objects.filter(pk=push.pk).update(created_at=timezone.now() - timedelta(**ago))


def test_a_second_push_of_the_same_benefit_is_refused_on_any_channel_by_anyone(gold):
    customer, benefit = gold
    first_agent, second_agent = AgentFactory(), AgentFactory()
    push_create(
        customer=customer,
        benefit_code=benefit.code,
        channel=PushChannel.APP_MESSAGE,
        pushed_by=first_agent.user,
    )
    for channel, agent in [
        (PushChannel.APP_MESSAGE, first_agent),
        (PushChannel.SMS, first_agent),
        (PushChannel.SMS, second_agent),
    ]:
        with pytest.raises(DomainError) as caught:
            push_create(
                customer=customer, benefit_code=benefit.code, channel=channel, pushed_by=agent.user
            )
        assert caught.value.code == "duplicate_push"
        assert caught.value.status == 409 and caught.value.field == "benefit"
        assert "Escort was already pushed to this customer" in caught.value.message
    assert Push.objects.count() == 1 and OutboxMessage.objects.count() == 1


def test_other_benefits_and_other_customers_are_not_duplicates(gold):
    customer, benefit = gold
    other_benefit = make_benefit(cells={Tier.GOLD: 1})
    other_customer = make_customer(tier=Tier.GOLD)
    push_create(customer=customer, benefit_code=benefit.code, channel=PushChannel.SMS)
    push_create(customer=customer, benefit_code=other_benefit.code, channel=PushChannel.SMS)
    push_create(customer=other_customer, benefit_code=benefit.code, channel=PushChannel.SMS)
    assert Push.objects.count() == 3


def test_the_benefit_may_be_pushed_again_after_the_window(gold, settings):
    customer, benefit = gold
    first = push_create(customer=customer, benefit_code=benefit.code, channel=PushChannel.SMS)
    _pushed_ago(first, hours=23, minutes=59)
    with pytest.raises(DomainError):
        push_create(customer=customer, benefit_code=benefit.code, channel=PushChannel.SMS)
    _pushed_ago(first, hours=24, seconds=1)  # the default window: a day
    push_create(customer=customer, benefit_code=benefit.code, channel=PushChannel.SMS)
    assert Push.objects.count() == 2
    settings.BOOKSHELF_PUSH_DUPLICATE_WINDOW_SECONDS = 60
    _pushed_ago(Push.objects.order_by("-created_at").first(), seconds=61)
    push_create(customer=customer, benefit_code=benefit.code, channel=PushChannel.SMS)
    assert Push.objects.count() == 3


def test_an_accepted_suggestion_is_refused_after_a_push_and_stays_open(client):
    staff_groups_sync()
    agent = AgentFactory()
    agent.user.groups.add(Group.objects.get(name=AGENT))
    customer = make_customer(tier=Tier.GOLD, agent=agent)
    benefit = make_benefit(cells={Tier.GOLD: 3}, name="Escort")
    push_create(customer=customer, benefit_code=benefit.code, channel=PushChannel.SMS)
    suggestion = AgentSuggestion.objects.create(
        agent=agent, customer=customer, benefit=benefit, reason="expiring", dedupe_key="t"
    )
    with pytest.raises(DomainError) as caught:
        suggestion_accept(suggestion=suggestion, channel=PushChannel.APP_MESSAGE)
    assert caught.value.code == "duplicate_push"
    # The desk says why, and nothing is pushed or closed.
    client.force_login(agent.user)
    response = client.post(
        f"/admin/customers/customer/{customer.pk}/suggestion/{suggestion.pk}/accept/",
        {"channel": "app_message"},
    )
    assert response.status_code == 302
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("already pushed to this customer" in t for t in texts), texts
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.OPEN
    assert Push.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_agents_pushing_at_once_send_one_push():
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 3})
    threads = 20
    channels = itertools.cycle([PushChannel.SMS, PushChannel.APP_MESSAGE])

    def push() -> None:
        push_create(
            customer=Customer.objects.get(pk=customer.pk),
            benefit_code=benefit.code,
            channel=next(channels),
        )

    outcomes = _race(push, threads=threads)
    assert outcomes == Counter({"ok": 1, "duplicate_push": threads - 1})
    assert Push.objects.count() == 1 and OutboxMessage.objects.count() == 1


# -- conversion: one use, one push at most ------------------------------------------------------


def _push_days_ago(customer: Customer, benefit: Any, days: float, by: Any = None) -> Push:
    push = push_create(
        customer=customer, benefit_code=benefit.code, channel=PushChannel.SMS, pushed_by=by
    )
    _pushed_ago(push, days=days)
    return push


def _use_days_ago(customer: Customer, benefit: Any, days: float) -> None:
    use = redemption_create(customer=customer, benefit_code=benefit.code).redemption
    Redemption.objects.filter(pk=use.pk).update(created_at=timezone.now() - timedelta(days=days))


def test_two_pushes_and_one_use_convert_one_push_the_latest(gold, django_assert_num_queries):
    customer, benefit = gold
    first_agent, second_agent = AgentFactory(), AgentFactory(name="Later agent")
    _push_days_ago(customer, benefit, 5, by=first_agent.user)
    _push_days_ago(customer, benefit, 3, by=second_agent.user)
    _use_days_ago(customer, benefit, 1)
    with django_assert_num_queries(1):
        by_benefit = push_conversion(by="benefit")
    assert [(r.pushes, r.converted) for r in by_benefit] == [(2, 1)]
    assert by_benefit[0].rate == 0.5
    by_agent = {r.label: (r.pushes, r.converted) for r in push_conversion(by="agent")}
    assert by_agent == {first_agent.name: (1, 0), "Later agent": (1, 1)}


def test_each_use_converts_the_push_just_before_it(gold):
    customer, benefit = gold
    _push_days_ago(customer, benefit, 20)
    _use_days_ago(customer, benefit, 15)
    _push_days_ago(customer, benefit, 10)
    _use_days_ago(customer, benefit, 5)
    assert [(r.pushes, r.converted) for r in push_conversion(by="benefit")] == [(2, 2)]


def test_a_use_more_than_30_days_after_the_latest_push_converts_nothing(gold):
    customer, benefit = gold
    _push_days_ago(customer, benefit, 60)
    _push_days_ago(customer, benefit, 45)  # the latest before the use, but 40 days before it
    _use_days_ago(customer, benefit, 5)
    assert [(r.pushes, r.converted) for r in push_conversion(by="benefit")] == [(2, 0)]


def test_a_push_of_another_benefit_or_customer_does_not_take_the_use(gold):
    customer, benefit = gold
    other_benefit = make_benefit(cells={Tier.GOLD: 3})
    other_customer = make_customer(tier=Tier.GOLD)
    _push_days_ago(customer, benefit, 5)
    _push_days_ago(customer, other_benefit, 3)
    _push_days_ago(other_customer, benefit, 3)
    _use_days_ago(customer, benefit, 1)
    rows = {r.key: (r.pushes, r.converted) for r in push_conversion(by="benefit")}
    assert rows == {benefit.code: (2, 1), other_benefit.code: (1, 0)}
