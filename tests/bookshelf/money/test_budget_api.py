# ruff: noqa: F811  (the fixtures imported from the API / admin conftests are test arguments)
"""Budgets seen from the app: a use posted against a used-up budget is a 409
`budget_exhausted` that spends nothing; the benefit centre marks (or hides) a benefit whose
budget is gone, in one more query; a purchase is never marked."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from bookshelf.fulfilment.services import use_request
from bookshelf.ledger.services import purchase_create
from bookshelf.models import Budget, BudgetPeriod, QuotaBalance, Redemption
from bookshelf.money.selectors import budgets_exhausted
from customers.models import Tier
from tests.bookshelf.api.conftest import app_api, post_json  # noqa: F401 (a fixture)
from tests.factories import make_benefit, make_customer, make_supplier

pytestmark = pytest.mark.django_db


def uses_url(customer):
    return f"/api/v1/customers/{customer.customer_no}/redemptions"


def centre_url(customer):
    return f"/api/v1/customers/{customer.customer_no}/bookshelf"


def entries(body):
    return {(b["code"], b["source"]): b for c in body["categories"] for b in c["benefits"]}


def _used_up(when="mark", **budget):
    """A benefit whose budget of one use another customer already spent."""
    benefit = make_benefit(cells={Tier.GOLD: 3}, price=Decimal("50.00"), category_code="HLT")
    make_supplier(f"s-{benefit.pk}", benefits=[benefit])
    scope = budget or {"benefit": benefit}
    Budget.objects.create(cap_uses=1, when_exhausted=when, **scope)
    use_request(customer=make_customer(tier=Tier.GOLD), benefit_code=benefit.code)
    return benefit


def test_a_use_posted_against_a_used_up_budget_is_409_and_spends_nothing(app_api):
    benefit = _used_up()
    customer = make_customer(tier=Tier.GOLD)
    response = post_json(app_api, uses_url(customer), {"benefit": benefit.code, "channel": "app"})
    assert response.status_code == 409
    assert response.json()["code"] == "budget_exhausted"
    assert not Redemption.objects.filter(holder=customer).exists()
    assert not QuotaBalance.objects.filter(holder=customer, used__gt=0).exists()
    assert BudgetPeriod.objects.get().used_uses == 1


def test_the_centre_marks_a_benefit_whose_budget_is_used_up(app_api):
    gone = _used_up()
    fine = make_benefit(cells={Tier.GOLD: 3}, category_code="HLT")
    Budget.objects.create(benefit=fine, cap_uses=5)
    customer = make_customer(tier=Tier.GOLD)
    got = entries(app_api.get(centre_url(customer)).json())
    assert got[(gone.code, "tier")]["budget_exhausted"] is True
    assert got[(fine.code, "tier")]["budget_exhausted"] is False


def test_a_budget_that_says_hide_leaves_the_benefit_out_and_an_empty_category_too(app_api):
    gone = _used_up(when="hide")
    customer = make_customer(tier=Tier.GOLD)
    body = app_api.get(centre_url(customer)).json()
    assert (gone.code, "tier") not in entries(body)
    assert body["categories"] == []  # its category had nothing else


def test_a_top_category_budget_hides_its_benefits_but_a_purchase_stays_usable(app_api):
    benefit = make_benefit(cells={Tier.GOLD: 3}, price=Decimal("50.00"), category_code="WLT")
    make_supplier("wlt", benefits=[benefit])
    top = benefit.category if benefit.category.parent_id is None else benefit.category.parent
    Budget.objects.create(category=top, cap_uses=1, when_exhausted="hide")
    customer = make_customer(tier=Tier.GOLD)
    use_request(customer=make_customer(tier=Tier.GOLD), benefit_code=benefit.code)
    purchase_create(customer=customer, benefit_code=benefit.code, quantity=1, payment_reference="P")
    got = entries(app_api.get(centre_url(customer)).json())
    assert (benefit.code, "tier") not in got
    assert got[(benefit.code, "purchase")]["budget_exhausted"] is False
    # The customer's tier use is refused by the budget; what they bought is used instead.
    response = post_json(app_api, uses_url(customer), {"benefit": benefit.code})
    assert response.status_code == 201, response.json()
    assert Redemption.objects.get(holder=customer).source == "purchase"
    other = make_customer(tier=Tier.GOLD)
    refused = post_json(app_api, uses_url(other), {"benefit": benefit.code})
    assert (refused.status_code, refused.json()["code"]) == (409, "budget_exhausted")


def test_used_up_budgets_are_one_query_for_the_page(django_assert_num_queries):
    gone = _used_up()
    other = make_benefit(cells={Tier.GOLD: 1})
    codes = {gone.pk: gone.code, other.pk: other.code}
    with django_assert_num_queries(1):
        states = budgets_exhausted(benefit_ids=list(codes), on=timezone.localdate(), codes=codes)
    assert set(states) == {gone.pk}
    assert states[gone.pk].hide is False


def test_a_yuan_budget_that_cannot_take_one_more_use_at_its_average_cost_is_used_up():
    """950 of 1,000 yuan spent at 100 a use: the next use would pass the cap, so the centre
    marks it, though nothing has been refused yet (and a refusal's own mark is rolled back)."""
    from bookshelf.models import ContractPrice

    benefit = make_benefit(cells={Tier.GOLD: 3}, category_code="HLT")
    supplier = make_supplier(f"s-{benefit.pk}", benefits=[benefit])
    ContractPrice.objects.create(
        supplier=supplier, benefit=benefit, unit_cost=Decimal("100.00"), valid_from="2020-01-01"
    )
    Budget.objects.create(benefit=benefit, cap_amount=Decimal("1000.00"))
    for _ in range(9):
        use_request(customer=make_customer(tier=Tier.GOLD), benefit_code=benefit.code)
    today = timezone.localdate()
    period = BudgetPeriod.objects.get()
    codes = {benefit.pk: benefit.code}
    # 900 of 1,000: one more fits exactly.
    assert not budgets_exhausted(benefit_ids=[benefit.pk], on=today, codes=codes)
    BudgetPeriod.objects.filter(pk=period.pk).update(used_amount=Decimal("950.00"), used_uses=10)
    assert set(budgets_exhausted(benefit_ids=[benefit.pk], on=today, codes=codes)) == {benefit.pk}
