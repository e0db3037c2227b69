"""The cost page: product staff see it (in English and Chinese), others are refused; its
charts are inline SVG with a table of the same figures; empty states say why."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookshelf.fulfilment.services import use_request
from bookshelf.models import Budget, ContractPrice
from customers.models import Tier
from tests.bookshelf.admin.conftest import Office, staff_user
from tests.factories import make_benefit, make_customer, make_supplier

pytestmark = pytest.mark.django_db

URL = "admin:bookshelf_costs"


@pytest.fixture
def priced(db):
    benefit = make_benefit(cells={Tier.GOLD: 20}, category_code="MED", name="Consult")
    supplier = make_supplier("docs", benefits=[benefit], name="Doctors")
    ContractPrice.objects.create(
        supplier=supplier,
        benefit=benefit,
        unit_cost=Decimal("1234.50"),
        valid_from=date(2020, 1, 1),
    )
    Budget.objects.create(benefit=benefit, cap_amount=Decimal("10000.00"))
    customer = make_customer(tier=Tier.GOLD)
    for _ in range(2):
        use_request(customer=customer, benefit_code=benefit.code)
    return benefit


def test_product_staff_see_the_costs_with_charts_and_tables(office: Office, priced):
    response = office.client_for(office.product).get(reverse(URL))
    assert response.status_code == 200
    body = response.content.decode()
    assert '<div class="breadcrumbs">' in body
    # 2 uses at 1,234.50: yuan with ¥ and thousands separators, in the chart and its table
    assert "¥2,469.00" in body
    month = body.split('id="by-month"')[1].split("</section>")[0]
    assert "<svg" in month and "<title" in month and 'id="budget-line"' in month
    assert "<table" in month
    budgets = body.split('id="budgets"')[1].split("</section>")[0]
    assert f'data-budget="{priced.code}"' in budgets and "run rate" in budgets
    assert "<script" not in body.split('id="content-main"')[1] and "cdn" not in body.lower()
    # Linked from the admin index.
    index = office.client_for(office.product).get(reverse("admin:index")).content.decode()
    assert reverse(URL) in index


def test_the_cost_page_in_chinese(office: Office, priced):
    client = office.client_for(office.product)
    response = client.get(reverse(URL), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert 'lang="zh-hans"' in response.content.decode()


def test_without_the_cost_permission_the_page_is_refused(office: Office, priced):
    agent = office.client_for(office.agent.user)
    assert agent.get(reverse(URL)).status_code == 403
    assert agent.get(reverse(URL), HTTP_ACCEPT_LANGUAGE="zh-hans").status_code == 403
    index = agent.get(reverse("admin:index")).content.decode()
    assert reverse(URL) not in index


def test_the_view_costentry_permission_alone_opens_it(priced):
    from django.test import Client

    user = staff_user("cost-reader")
    user.user_permissions.add(Permission.objects.get(codename="view_costentry"))
    client = Client()
    client.force_login(user)
    assert client.get(reverse(URL)).status_code == 200


def test_an_empty_period_explains_itself(office: Office):
    body = office.client_for(office.product).get(reverse(URL)).content.decode()
    assert "Nothing payable in these 12 months" in body
    assert "No active budget covers these benefits" in body
    assert "No paid add-on was bought or used in this period." in body


def test_filters_and_bad_values(office: Office, priced):
    client = office.client_for(office.product)
    body = client.get(reverse(URL), {"period": "year", "category": "SPT"}).content.decode()
    assert "¥2,469.00" not in body  # nothing in SPT
    body = client.get(reverse(URL), {"period": "decade", "on": "soon"}).content.decode()
    assert "Unknown period “decade”: showing this month." in body
    assert "“soon” is not a date (YYYY-MM-DD): showing today&#x27;s period." in body
    assert "¥2,469.00" in body


def test_the_cost_page_runs_a_fixed_number_of_queries(office: Office, priced):
    client = office.client_for(office.product)
    client.get(reverse(URL))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(URL)).status_code == 200
        return len(queries)

    small = count()
    for code in ("MED", "SPT"):
        benefit = make_benefit(cells={Tier.GOLD: 5}, category_code=code)
        supplier = make_supplier(f"s-{code}", benefits=[benefit])
        ContractPrice.objects.create(
            supplier=supplier, benefit=benefit, unit_cost=Decimal("3"), valid_from=date(2020, 1, 1)
        )
        use_request(customer=make_customer(tier=Tier.GOLD), benefit_code=benefit.code)
    assert (small, count()) == (COST_PAGE_QUERIES, COST_PAGE_QUERIES)


# session, user, permissions (own and groups) and the admin's app list as on every admin
# page, the 8 of `cost_report`, the filter's top categories and suppliers
COST_PAGE_QUERIES = 15
