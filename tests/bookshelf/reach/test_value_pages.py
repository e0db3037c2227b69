"""The value profile where people see it: the desk, the recommender, the admin (product
staff tune the weights; an agent reads only their customers' profiles)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from bookshelf.ledger.models import Redemption
from bookshelf.ledger.services import redemption_create
from bookshelf.reach.models import CustomerValue, Segment, ValueWeights
from bookshelf.reach.selectors import recommendations_for_customer
from bookshelf.reach.services import customer_values_refresh
from customers.models import Tier
from tests.bookshelf.admin import conftest as admin_fixtures
from tests.bookshelf.admin.conftest import Office
from tests.factories import make_benefit

pytestmark = pytest.mark.django_db

# The admin's fixtures: an office of agents, their customers, product staff.
office = admin_fixtures.office
gold_benefit = admin_fixtures.gold_benefit


def _at_risk(office: Office, benefit: Any) -> None:
    """The agent's customer used `benefit` five months ago, and nothing since."""
    use = redemption_create(customer=office.mine, benefit_code=benefit.code).redemption
    Redemption.objects.filter(pk=use.pk).update(created_at=timezone.now() - timedelta(days=150))
    customer_values_refresh()


def test_the_desk_shows_segment_score_lifetime_value_and_why(
    office: Office, gold_benefit: Any
) -> None:
    client = office.client_for(office.agent.user)
    url = reverse("admin:customers_customer_change", args=[office.mine.pk])
    body = client.get(url).content.decode()
    assert "Not computed yet" in body
    _at_risk(office, gold_benefit)
    value = CustomerValue.objects.get(customer=office.mine)
    assert value.segment == Segment.AT_RISK
    body = client.get(url).content.decode()
    assert 'id="value-segment">At risk of leaving<' in body
    assert f"score {value.score:.0f} of 100" in body
    assert "At risk of leaving: no benefit used for 5 months" in body
    assert "premium ¥25,000 a year" in body


def test_an_at_risk_customer_is_offered_what_they_liked_first(office: Office) -> None:
    liked = make_benefit(cells={Tier.GOLD: 10}, name="Liked")
    for i in range(4):
        make_benefit(cells={Tier.GOLD: 10}, name=f"Other {i}")
    # The win-back adds the habit weight once more to what they used, with its reason.
    _at_risk(office, liked)
    before = CustomerValue.objects.get(customer=office.mine)
    boosted = recommendations_for_customer(customer=office.mine, limit=10)
    row = next(r for r in boosted.recommendations if r.code == liked.code)
    assert "at risk of leaving: a benefit they liked" in row.reasons
    CustomerValue.objects.filter(pk=before.pk).update(segment=Segment.STEADY)
    plain = recommendations_for_customer(customer=office.mine, limit=10)
    same = next(r for r in plain.recommendations if r.code == liked.code)
    assert "at risk of leaving: a benefit they liked" not in same.reasons
    assert row.score > same.score


def test_product_staff_open_the_one_row_of_weights_and_change_it(office: Office) -> None:
    client = office.client_for(office.product)
    page = client.get(reverse("admin:bookshelf_valueweights_changelist"))
    assert page.status_code == 200
    row = ValueWeights.objects.get()
    assert page.context["original"] == row
    form = {f: getattr(row, f) for f in ("premium", "recency", "frequency", "tenure", "policies",
            "premium_top", "uses_top", "tenure_top_years", "policies_top", "margin",
            "horizon_years", "new_days", "at_risk_days", "dormant_days")}  # fmt: skip
    saved = client.post(reverse("admin:bookshelf_valueweights_change", args=[row.pk]),
                        {**form, "premium": 4})  # fmt: skip
    assert saved.status_code == 302
    assert saved["Location"] == reverse("admin:bookshelf_valueweights_changelist")
    assert ValueWeights.objects.get().premium == 4
    agent = office.client_for(office.agent.user)
    change = reverse("admin:bookshelf_valueweights_change", args=[row.pk])
    assert agent.get(change).status_code == 403


def test_an_agent_sees_only_their_customers_values(office: Office) -> None:
    customer_values_refresh()
    url = reverse("admin:bookshelf_customervalue_changelist")
    agent = office.client_for(office.agent.user)
    body = agent.get(url).content.decode()
    assert office.mine.customer_no in body
    assert office.theirs.customer_no not in body and office.outside.customer_no not in body
    product = office.client_for(office.product).get(url + "?segment__exact=dormant")
    assert product.status_code == 200
    found = office.client_for(office.product).get(url + f"?q={office.outside.customer_no}")
    assert office.outside.customer_no in found.content.decode()
