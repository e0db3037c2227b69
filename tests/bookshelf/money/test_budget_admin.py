# ruff: noqa: F811  (the fixtures imported from the API / admin conftests are test arguments)
"""Budgets in the admin: product staff create and change them through the service (new caps
reach the current period at once; a rule broken is a form error and nothing changes), the
list shows the period's spend, the admin home warns of budgets at their warning level or used
up, and the agent's desk marks a benefit whose budget is gone and does not offer it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from bookshelf.fulfilment.services import use_request
from bookshelf.models import Budget, BudgetPeriod
from bookshelf.money.selectors import budgets_alerting
from customers.models import Tier
from tests.bookshelf.admin.conftest import Office, office, staff_groups  # noqa: F401 (fixtures)
from tests.factories import make_benefit, make_customer, make_supplier

pytestmark = pytest.mark.django_db

ADD = reverse("admin:bookshelf_budget_add")


def _form(benefit, **changes):
    data = {
        "benefit": benefit.pk,
        "category": "",
        "period": "month",
        "cap_uses": "10",
        "cap_amount": "",
        "warn_percent": "80",
        "when_exhausted": "mark",
        "active": "on",
        "periods-TOTAL_FORMS": "0",
        "periods-INITIAL_FORMS": "0",
        "periods-MIN_NUM_FORMS": "0",
        "periods-MAX_NUM_FORMS": "0",
    }
    data.update(changes)
    return data


def _spent(benefit, n):
    for _ in range(n):
        use_request(customer=make_customer(tier=Tier.GOLD), benefit_code=benefit.code)


@pytest.fixture
def consult():
    benefit = make_benefit(cells={Tier.GOLD: 3}, name="Consult")
    make_supplier("docs", benefits=[benefit])
    return benefit


def test_product_staff_create_a_budget_and_a_new_cap_reaches_the_current_period(
    office: Office, consult
):
    client = office.client_for(office.product)
    response = client.post(ADD, _form(consult, cap_uses="2"))
    assert response.status_code == 302, response.content.decode()[:2000]
    budget = Budget.objects.get(benefit=consult)
    _spent(consult, 2)
    period = BudgetPeriod.objects.get(budget=budget)
    assert (period.used_uses, period.cap_uses) == (2, 2)
    change = reverse("admin:bookshelf_budget_change", args=[budget.pk])
    response = client.post(change, _form(consult, cap_uses="3", cap_amount="500"))
    assert response.status_code == 302
    period.refresh_from_db()
    assert (period.cap_uses, period.cap_amount) == (3, Decimal("500.00"))
    _spent(consult, 1)  # the raised cap lets one more use through
    assert BudgetPeriod.objects.get(budget=budget).used_uses == 3


def test_a_budget_without_a_cap_or_with_a_benefit_and_a_category_is_a_form_error(
    office: Office, consult
):
    client = office.client_for(office.product)
    response = client.post(ADD, _form(consult, cap_uses=""))
    assert response.status_code == 200
    assert "Set a cap in uses, in yuan or both." in response.content.decode()
    top = consult.category.parent
    response = client.post(ADD, _form(consult, category=top.pk))
    assert "A budget is for one benefit or for one top category." in response.content.decode()
    assert not Budget.objects.exists()


def test_an_agent_may_not_open_the_budgets(office: Office):
    response = office.client_for(office.agent.user).get(
        reverse("admin:bookshelf_budget_changelist")
    )
    assert response.status_code == 403


def test_the_list_shows_the_periods_spend_and_a_used_up_badge(office: Office, consult):
    Budget.objects.create(benefit=consult, cap_uses=2)
    _spent(consult, 2)
    other = make_benefit(cells={Tier.GOLD: 3}, name="Gym")
    Budget.objects.create(benefit=other, cap_amount=Decimal("1000.00"))
    page = office.client_for(office.product).get(reverse("admin:bookshelf_budget_changelist"))
    text = page.content.decode()
    assert "2 / 2 · 100%" in text
    assert "0.00 / 1,000.00 · 0%" in text
    assert text.count('class="chip budget-used-up"') == 1


def test_the_admin_home_lists_budgets_at_their_warning_level(
    office: Office, consult, django_assert_num_queries
):
    budget = Budget.objects.create(benefit=consult, cap_uses=10, warn_percent=20)
    quiet = make_benefit(cells={Tier.GOLD: 3}, name="Quiet")
    make_supplier("quiet", benefits=[quiet])
    Budget.objects.create(benefit=quiet, cap_uses=10)
    _spent(consult, 2)
    _spent(quiet, 1)
    with django_assert_num_queries(1):
        alerting = budgets_alerting(timezone.localdate())
    assert [s.budget.pk for s in alerting] == [budget.pk]
    text = office.client_for(office.product).get(reverse("admin:index")).content.decode()
    assert 'id="budget-notice"' in text
    assert reverse("admin:bookshelf_budget_change", args=[budget.pk]) in text
    assert "2 of 10 uses" in text
    agent_home = office.client_for(office.agent.user).get(reverse("admin:index")).content.decode()
    assert 'id="budget-notice"' not in agent_home


def test_the_desk_marks_a_used_up_budget_and_does_not_offer_it(office: Office, consult):
    Budget.objects.create(benefit=consult, cap_uses=1)
    fine = make_benefit(cells={Tier.GOLD: 3}, name="Fine")
    make_supplier("fine", benefits=[fine])
    _spent(consult, 1)
    desk = reverse("admin:customers_customer_change", args=[office.mine.pk])
    response = office.client_for(office.agent.user).get(desk)
    text = response.content.decode()
    assert text.count("Budget used up") == 1
    assert f'data-use="{consult.code}"' not in text
    assert f'data-use="{fine.code}"' in text
    offered = [
        c
        for _label, group in response.context["redeem_form"]["benefit"].field.choices
        for c, _text in group
    ]
    assert offered == [fine.code]
