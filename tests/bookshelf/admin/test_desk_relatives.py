"""The desk's family card and "used by" choices show a relative unmasked only to a user who
may see that relative, and each time they do, it is in the personal-data access log."""

from __future__ import annotations

import pytest
from django.urls import reverse

from customers.models import PiiAccessLog, Tier
from customers.pii import mask_name
from tests.bookshelf.admin.conftest import Office
from tests.factories import make_customer, make_family

pytestmark = pytest.mark.django_db


@pytest.fixture
def family(office: Office, gold_benefit):
    """Ann's customer, married to Bob's customer, with a child who is Ann's too."""
    child = make_customer(tier=Tier.ORDINARY, agent=office.agent, name="王小宝")
    make_family(office.mine, office.theirs, "spouse")
    make_family(office.mine, child, "child")
    return child


def _desk(office: Office, user) -> str:
    client = office.client_for(user)
    response = client.get(reverse("admin:customers_customer_change", args=[office.mine.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _audited(customer) -> list[list[str]]:
    return [log.fields for log in PiiAccessLog.objects.filter(customer=customer)]


def test_a_relative_of_another_agent_is_masked_and_not_audited(office: Office, family):
    body = _desk(office, office.agent.user)
    assert office.theirs.name not in body
    assert mask_name(office.theirs.name) in body
    assert _audited(office.theirs) == []
    # Ann's own customer (the child) is shown, and that is written down.
    assert family.name in body
    assert _audited(family) == [["name"]]


def test_a_supervisor_sees_the_whole_team_and_each_showing_is_audited(office: Office, family):
    body = _desk(office, office.supervisor.user)
    assert office.theirs.name in body
    assert family.name in body
    assert _audited(office.theirs) == [["name"]]
    assert _audited(family) == [["name"]]


def test_product_staff_see_every_relative_masked(office: Office, family):
    body = _desk(office, office.product)
    for relative in (office.theirs, family):
        assert relative.name not in body
        assert mask_name(relative.name) in body
    assert not PiiAccessLog.objects.exists()
