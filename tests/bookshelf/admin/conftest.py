"""Staff users in their groups, and customers assigned to agents, for the admin tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from bookshelf.roles import AGENT, AGENT_SUPERVISOR, PRODUCT_STAFF, staff_groups_sync
from customers.models import Agent, Customer, Tier
from tests.factories import AgentFactory, make_benefit, make_customer

PASSWORD = "pw-for-tests-1"


@pytest.fixture(autouse=True)
def staff_groups(db: Any) -> None:
    # The data migration created them; a flushed (transactional) database needs them again.
    staff_groups_sync()


def staff_user(username: str, group: str | None = None, *, superuser: bool = False) -> Any:
    user = get_user_model().objects.create_user(
        username=username, password=PASSWORD, is_staff=True, is_superuser=superuser
    )
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def agent_with_user(username: str, *, group: str = AGENT, supervisor: Agent | None = None) -> Agent:
    user = staff_user(username, group)
    return AgentFactory(user=user, supervisor=supervisor, name=f"Agent {username}")


@dataclass
class Office:
    """A supervisor with two agents, each with a customer, and product staff."""

    supervisor: Agent
    agent: Agent
    other_agent: Agent
    outsider: Agent  # in another team
    product: Any
    superuser: Any
    mine: Customer
    theirs: Customer
    outside: Customer

    def client_for(self, user: Any) -> Client:
        client = Client()
        client.force_login(user)
        return client


@pytest.fixture
def office(db: Any) -> Office:
    supervisor = agent_with_user("sup", group=AGENT_SUPERVISOR)
    agent = agent_with_user("ann", supervisor=supervisor)
    other = agent_with_user("bob", supervisor=supervisor)
    outsider = agent_with_user("zed")
    return Office(
        supervisor=supervisor,
        agent=agent,
        other_agent=other,
        outsider=outsider,
        product=staff_user("pat", PRODUCT_STAFF),
        superuser=staff_user("root", superuser=True),
        mine=make_customer(tier=Tier.GOLD, agent=agent, name="王小明"),
        theirs=make_customer(tier=Tier.GOLD, agent=other, name="李四"),
        outside=make_customer(tier=Tier.ORDINARY, agent=outsider, name="赵六"),
    )


@pytest.fixture
def gold_benefit(db: Any) -> Any:
    return make_benefit(cells={Tier.GOLD: 2, Tier.PLATINUM: 4}, name="Green channel")
